package featurestore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

func TestMemory(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	storetest.RunOnline(t, storetest.Kind{
		Name: "memory",
		Open: func(t *testing.T, opts ...featurestore.Option) featurestore.Online {
			s, err := featurestore.NewMemory(append([]featurestore.Option{featurestore.WithClock(clock.Now)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		TTL:     time.Minute,
		Advance: func(_ *testing.T, d time.Duration) { clock.Advance(d) },
	})
}

func TestMemoryOptions(t *testing.T) {
	for _, opt := range []featurestore.Option{featurestore.WithCapacity(0), featurestore.WithCapacity(1 << 17), featurestore.WithTTL(-time.Second), featurestore.WithClock(nil)} {
		if _, err := featurestore.NewMemory(opt); err == nil {
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
	s, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	frames := storetest.NewGen(7).Frames(100, 64, 0)
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

// WriteFrameWindows on a store without the one-call path: WriteFrame, then
// Windows; a refused frame is reported as not written.
func TestWriteFrameWindowsFallback(t *testing.T) {
	ctx := context.Background()
	s, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	frames := storetest.NewGen(2).Frames(5, 4, 0)
	ids := []engine.SoldierID{1, 2, 3, 4, 5}
	var ws [][]engine.Observation
	for tick, f := range frames {
		var written bool
		if ws, written, err = featurestore.WriteFrameWindows(ctx, s, f.Obs, ids, 3, ws); err != nil || !written {
			t.Fatalf("tick %d: written %v, %v", tick, written, err)
		}
		want, err := s.Windows(ctx, ids, 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ids {
			storetest.CheckRows(t, ws[i], want[i])
			if len(ws[i]) != min(tick+1, 3) || ws[i][len(ws[i])-1].T != int64(tick) {
				t.Fatalf("tick %d: soldier %d: %d rows ending at %d", tick, ids[i], len(ws[i]), ws[i][len(ws[i])-1].T)
			}
		}
	}
	_, written, err := featurestore.WriteFrameWindows(ctx, s, frames[0].Obs, ids, 3, ws)
	if written || !errors.Is(err, featurestore.ErrOutOfOrder) {
		t.Fatalf("stale frame: written %v, %v", written, err)
	}
}
