package engine

import "testing"

func TestBroadcastBacklogAndDropOldest(t *testing.T) {
	b := NewBroadcast[int](3)
	for i := range 5 {
		b.Publish(i)
	}
	s := b.Subscribe(4) // gets the backlog 2, 3, 4
	b.Publish(5)
	b.Publish(6) // full: 2 is dropped
	var got []int
	for range 4 {
		got = append(got, <-s.C())
	}
	if want := []int{3, 4, 5, 6}; !equalInts(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if s.Dropped() != 1 || b.Subscribers() != 1 {
		t.Fatalf("dropped %d, subscribers %d; want 1 and 1", s.Dropped(), b.Subscribers())
	}
	s.Close()
	s.Close()
	if _, ok := <-s.C(); ok || b.Subscribers() != 0 {
		t.Fatal("closed subscription still open or counted")
	}
	b.Close()
	b.Publish(7)           // ignored
	late := b.Subscribe(1) // backlog, then closed
	var tail []int
	for v := range late.C() {
		tail = append(tail, v)
	}
	if want := []int{4, 5, 6}; !equalInts(tail, want) {
		t.Fatalf("late subscriber got %v, want %v", tail, want)
	}
}

func TestBroadcastSlowSubscriberKeepsNewest(t *testing.T) {
	b := NewBroadcast[int](0)
	s := b.Subscribe(2)
	for i := range 5 {
		b.Publish(i)
	}
	if got := []int{<-s.C(), <-s.C()}; got[0] != 3 || got[1] != 4 {
		t.Fatalf("kept %v, want the newest [3 4]", got)
	}
	if s.Dropped() != 3 {
		t.Fatalf("dropped %d, want 3", s.Dropped())
	}
}

func equalInts(a, b []int) bool {
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

// BenchmarkBroadcastPublish20 publishes one frame to 20 subscribers whose
// buffers are full (the drop-oldest path: the costliest for the publisher),
// with a backlog, as the SSH viewers' feed runs.
func BenchmarkBroadcastPublish20(b *testing.B) { benchPublish(b, 20) }

func benchPublish(b *testing.B, subscribers int) {
	br := NewBroadcast[Frame](120)
	for range subscribers {
		br.Subscribe(240)
	}
	f := Frame{Obs: make([]Observation, 100)}
	for range 240 {
		br.Publish(f)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		br.Publish(f)
	}
}
