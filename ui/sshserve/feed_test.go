package sshserve

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
)

// steps is a driver of n snapshots, then io.EOF.
type steps struct{ n, i int }

func (s *steps) Step(ctx context.Context) (live.Snapshot, error) {
	if s.i == s.n {
		return live.Snapshot{}, io.EOF
	}
	s.i++
	return live.Snapshot{Frame: engine.Frame{T: int64(s.i - 1)}}, nil
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
