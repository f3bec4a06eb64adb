package featurestore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

func TestMemory(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	testOnline(t, storeKind{
		name: "memory",
		open: func(t *testing.T, opts ...Option) Online {
			s, err := NewMemory(append([]Option{WithClock(clock.Now)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		ttl:     time.Minute,
		advance: clock.Advance,
	})
}

func TestMemoryOptions(t *testing.T) {
	for _, opt := range []Option{WithCapacity(0), WithCapacity(1 << 17), WithTTL(-time.Second), WithClock(nil)} {
		if _, err := NewMemory(opt); err == nil {
			t.Errorf("NewMemory accepted a bad option")
		}
	}
}

// TestMemoryNoAllocs checks the steady-state claim: once every soldier has
// been seen, a frame write and a batch read allocate nothing.
func TestMemoryNoAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are not meaningful with -short builds under -race")
	}
	ctx := context.Background()
	s, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	frames := newGen(7).frames(100, 64, 0)
	ids := make([]engine.SoldierID, 100)
	for i := range ids {
		ids[i] = engine.SoldierID(i + 1)
	}
	var ws [][]engine.Observation
	tick := 0
	step := func() {
		f := frames[tick%len(frames)]
		for i := range f.Obs {
			f.Obs[i].T = int64(tick)
		}
		tick++
		if err := s.WriteFrame(ctx, f.Obs); err != nil {
			t.Fatal(err)
		}
		if ws, err = s.Windows(ctx, ids, 31, ws); err != nil {
			t.Fatal(err)
		}
	}
	for range 40 { // fill the windows: growing them allocates
		step()
	}
	if a := testing.AllocsPerRun(50, step); a != 0 {
		t.Fatalf("WriteFrame+Windows allocate %.1f times per tick; want 0", a)
	}
}

func TestMemorySweepForgetsExpired(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Unix(0, 0)}
	s, _ := NewMemory(WithClock(clock.Now), WithTTL(time.Minute))
	g := newGen(8)
	_ = s.WriteFrame(ctx, []engine.Observation{g.obs(1, 1), g.obs(2, 1)})
	clock.Advance(2 * time.Minute)
	_ = s.WriteFrame(ctx, []engine.Observation{g.obs(2, 2)})
	s.mu.RLock()
	n := len(s.rings)
	s.mu.RUnlock()
	if n != 1 {
		t.Fatalf("%d rings after the sweep; want 1 (soldier 1 expired)", n)
	}
}

// WriteFrameWindows on a store without the one-call path: WriteFrame, then
// Windows; a refused frame is reported as not written.
func TestWriteFrameWindowsFallback(t *testing.T) {
	ctx := context.Background()
	s, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	frames := newGen(2).frames(5, 4, 0)
	ids := []engine.SoldierID{1, 2, 3, 4, 5}
	var ws [][]engine.Observation
	for tick, f := range frames {
		var written bool
		if ws, written, err = WriteFrameWindows(ctx, s, f.Obs, ids, 3, ws); err != nil || !written {
			t.Fatalf("tick %d: written %v, %v", tick, written, err)
		}
		want, err := s.Windows(ctx, ids, 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ids {
			checkRows(t, ws[i], want[i])
			if len(ws[i]) != min(tick+1, 3) || ws[i][len(ws[i])-1].T != int64(tick) {
				t.Fatalf("tick %d: soldier %d: %d rows ending at %d", tick, ids[i], len(ws[i]), ws[i][len(ws[i])-1].T)
			}
		}
	}
	_, written, err := WriteFrameWindows(ctx, s, frames[0].Obs, ids, 3, ws)
	if written || !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("stale frame: written %v, %v", written, err)
	}
}
