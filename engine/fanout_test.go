package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFanOutSlowSubscriberDropsOldest(t *testing.T) {
	f := NewFanOut()
	slow := f.Subscribe(3)
	fast := f.Subscribe(16)
	for i := range int64(10) {
		f.Publish(Frame{T: i})
	}
	var got []int64
	for range 3 {
		got = append(got, (<-slow.C()).T)
	}
	if got[0] != 7 || got[1] != 8 || got[2] != 9 || slow.Dropped() != 7 {
		t.Fatalf("slow subscriber got %v, dropped %d; want the newest 7, 8, 9 and 7 dropped", got, slow.Dropped())
	}
	for i := range int64(10) {
		if fr := <-fast.C(); fr.T != i {
			t.Fatalf("fast subscriber got tick %d, want %d", fr.T, i)
		}
	}
	if fast.Dropped() != 0 {
		t.Fatalf("fast subscriber dropped %d", fast.Dropped())
	}
	slow.Close()
	slow.Close()
	if _, open := <-slow.C(); open {
		t.Fatal("unsubscribed channel still open")
	}
	if f.Subscribers() != 1 {
		t.Fatalf("%d subscribers after one left", f.Subscribers())
	}
	f.Publish(Frame{T: 10}) // nothing for the departed subscriber
	f.Close()
	if fr, open := <-fast.C(); !open || fr.T != 10 {
		t.Fatal("buffered frame lost on close")
	}
	if _, open := <-fast.C(); open {
		t.Fatal("channel open after FanOut.Close")
	}
	if _, open := <-f.Subscribe(1).C(); open {
		t.Fatal("subscribing to a closed fan-out gave an open channel")
	}
}

// TestFanOutRun runs a paced simulation to many subscribers, one of which
// never reads: the clock is not stalled, and everything ends cleanly
// (goleak checks the goroutines at the end of the package).
func TestFanOutRun(t *testing.T) {
	s, err := NewSim(testConfig(20, 2*time.Minute, 1))
	if err != nil {
		t.Fatal(err)
	}
	f := NewFanOut()
	stuck := f.Subscribe(4) // never read
	var wg sync.WaitGroup
	counts := make([]int, 3)
	for i := range counts {
		sub := f.Subscribe(8)
		wg.Go(func() {
			for range sub.C() {
				counts[i]++
			}
		})
	}
	leaver := f.Subscribe(1)
	leaver.Close()
	if err := f.Run(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, n := range counts {
		if n == 0 {
			t.Errorf("subscriber %d got nothing", i)
		}
	}
	if stuck.Dropped() != 120-4 {
		t.Errorf("the stuck subscriber dropped %d of 120 frames, want 116", stuck.Dropped())
	}
}

func TestFanOutRunCancelled(t *testing.T) {
	s, _ := NewSim(testConfig(5, 0, 1)) // no end
	f := NewFanOut()
	sub := f.Subscribe(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.Run(ctx, NewPacer(s, 1000)) }()
	<-sub.C()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	for range sub.C() { // closed by Run
	}
}
