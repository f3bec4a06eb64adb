package featurestore

import (
	"context"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// TestMemorySweepForgetsExpired: a write sweeps out the rings of soldiers
// that expired, so a store does not grow with soldiers that left.
func TestMemorySweepForgetsExpired(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	s, err := NewMemory(WithClock(func() time.Time { return now }), WithTTL(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFrame(ctx, []engine.Observation{{Soldier: 1, T: 1}, {Soldier: 2, T: 1}}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if err := s.WriteFrame(ctx, []engine.Observation{{Soldier: 2, T: 2}}); err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	n := len(s.rings)
	s.mu.RUnlock()
	if n != 1 {
		t.Fatalf("%d rings after the sweep; want 1 (soldier 1 expired)", n)
	}
}
