package featurestore_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// TestCountSoldiers: the in-memory store's kept count is the length of
// Soldiers' list after every step of a seeded random run: soldiers that
// start, stop and expire, come back after expiring, late rows, refused
// writes, sweeps, a clock that jumps past the TTL and one that goes back.
func TestCountSoldiers(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	const ttl = time.Minute
	s, err := featurestore.NewMemory(featurestore.WithClock(clock.Now), featurestore.WithTTL(ttl), featurestore.WithCapacity(8))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(21, 5))
	g := storetest.NewGen(21)
	next := map[engine.SoldierID]int64{}
	recounts := 0
	for step := range 3000 {
		switch op := rng.IntN(20); {
		case op < 12: // a frame of a random subset of 60 soldiers
			var frame []engine.Observation
			for id := range engine.SoldierID(60) {
				if rng.IntN(3) == 0 {
					next[id]++
					frame = append(frame, g.Obs(id, next[id]))
				}
			}
			if rng.IntN(10) == 0 && len(frame) > 0 {
				frame = append(frame, g.Obs(frame[0].Soldier, 0)) // refused whole
				if err := s.WriteFrame(ctx, frame); !errors.Is(err, featurestore.ErrOutOfOrder) {
					t.Fatalf("step %d: a bad frame: %v", step, err)
				}
				for _, o := range frame[:len(frame)-1] {
					next[o.Soldier]--
				}
				break
			}
			if err := s.WriteFrame(ctx, frame); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		case op < 14: // a late row
			id := engine.SoldierID(rng.IntN(60))
			if next[id] > 2 {
				s.WriteLate(ctx, g.Obs(id, next[id]-2), 5)
			}
		case op < 18:
			clock.Advance(time.Duration(rng.IntN(20)) * time.Second)
		case op < 19:
			clock.Advance(ttl + time.Duration(rng.IntN(30))*time.Second)
			recounts++
		default:
			clock.Advance(-time.Duration(rng.IntN(90)) * time.Second) // a clock that went back
		}
		if rng.IntN(3) > 0 {
			continue // count after some steps only, so writes pile up between counts
		}
		ids, err := s.Soldiers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.CountSoldiers(ctx)
		if err != nil || n != len(ids) {
			t.Fatalf("step %d: CountSoldiers = %d, %v; Soldiers lists %d", step, n, err, len(ids))
		}
	}
	if recounts < 50 {
		t.Fatalf("only %d jumps past the TTL: the run does not test expiry", recounts)
	}
	if a := testing.AllocsPerRun(100, func() { s.CountSoldiers(ctx) }); a != 0 {
		t.Errorf("CountSoldiers allocates %v times a call, want 0", a)
	}
	s.Close()
	if _, err := s.CountSoldiers(ctx); !errors.Is(err, featurestore.ErrClosed) {
		t.Errorf("CountSoldiers on a closed store: %v, want ErrClosed", err)
	}
}
