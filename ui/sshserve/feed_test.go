package sshserve

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui"
)

func TestFeedBacklogAndDropOldest(t *testing.T) {
	f := newFeed[int](3)
	for i := range 5 {
		f.publish(i)
	}
	s := f.subscribe(4) // gets the backlog 2, 3, 4
	f.publish(5)
	f.publish(6) // full: 2 is dropped
	var got []int
	for range 4 {
		got = append(got, <-s.c)
	}
	if want := []int{3, 4, 5, 6}; !equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if f.count() != 1 {
		t.Fatal("subscriber not counted")
	}
	s.Close()
	s.Close()
	if _, ok := <-s.c; ok || f.count() != 0 {
		t.Fatal("closed subscription still open or counted")
	}
	f.close()
	late := f.subscribe(1) // backlog, then closed
	var tail []int
	for v := range late.c {
		tail = append(tail, v)
	}
	if want := []int{4, 5, 6}; !equal(tail, want) {
		t.Fatalf("late subscriber got %v, want %v", tail, want)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// steps is a driver of n snapshots, then io.EOF.
type steps struct{ n, i int }

func (s *steps) Step(ctx context.Context) (ui.Snapshot, error) {
	if s.i == s.n {
		return ui.Snapshot{}, io.EOF
	}
	s.i++
	return ui.Snapshot{Frame: engine.Frame{T: int64(s.i - 1)}}, nil
}

func TestBattlefieldEndsFeeds(t *testing.T) {
	bf := NewBattlefield(nil, &steps{n: 50}, WithBacklog(10), WithBuffer(100))
	early := bf.Subscribe()
	if err := bf.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bf.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed")
	}
	n := 0
	for s := range early.C() {
		if s.Frame.T != int64(n) {
			t.Fatalf("snapshot %d is tick %d", n, s.Frame.T)
		}
		n++
	}
	if n != 50 || bf.Published() != 50 {
		t.Fatalf("early viewer got %d, published %d, want 50", n, bf.Published())
	}
	late := bf.Subscribe() // after the end: the last 10, then the end
	n = 0
	for s := range late.C() {
		if s.Frame.T != int64(40+n) {
			t.Fatalf("late snapshot %d is tick %d", n, s.Frame.T)
		}
		n++
	}
	if n != 10 {
		t.Fatalf("late viewer got %d snapshots, want the backlog of 10", n)
	}
	if err := bf.Run(context.Background()); err == nil {
		t.Fatal("second Run accepted")
	}
}
