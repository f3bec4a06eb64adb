package storetest

import (
	"context"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// SinkWindows keeps the benchmarks' results alive (exported so that no
// tool takes a write-only sink for dead code).
var SinkWindows [][]engine.Observation

// tripper is a store that counts its round trips.
type tripper interface{ RoundTrips() uint64 }

// soldierIDs returns soldiers 1…n.
func soldierIDs(n int) []engine.SoldierID {
	out := make([]engine.SoldierID, n)
	for i := range out {
		out[i] = engine.SoldierID(i + 1)
	}
	return out
}

// BenchTick measures a dashboard tick per op: w writes a frame of soldiers
// 1…n (Gen's frames, seed 1), then r (w if nil) reads their windows of te
// rows; with oneCall, w does both through FrameWindower.WriteFrameWindows
// (w must implement it). It reports ops/s and, for stores with a
// RoundTrips() uint64 method, roundtrips/op.
func BenchTick(b *testing.B, w featurestore.Online, r featurestore.Online, n, te int, oneCall bool) {
	if r == nil {
		r = w
	}
	ctx := context.Background()
	frames := NewGen(1).Frames(n, 64, 0)
	ids := soldierIDs(n)
	var ws [][]engine.Observation
	t := int64(0)
	tick := func() {
		f := frames[t%int64(len(frames))]
		for i := range f.Obs {
			f.Obs[i].T = t
		}
		t++
		var err error
		if oneCall {
			if ws, _, err = w.(featurestore.FrameWindower).WriteFrameWindows(ctx, f.Obs, te, ws); err != nil {
				b.Fatal(err)
			}
			return
		}
		if err := w.WriteFrame(ctx, f.Obs); err != nil {
			b.Fatal(err)
		}
		if ws, err = r.Windows(ctx, ids, te, ws); err != nil {
			b.Fatal(err)
		}
	}
	for range 2 * te { // warm up: full windows, scripts loaded
		tick()
	}
	trips := countTrips(w, r)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tick()
	}
	b.StopTimer()
	reportTrips(b, trips, w, r)
	SinkWindows = ws
}

// countTrips sums the round trips of the distinct stores that count them.
func countTrips(stores ...featurestore.Online) uint64 {
	var n uint64
	for i, s := range stores {
		if i > 0 && s == stores[0] {
			continue
		}
		if t, ok := s.(tripper); ok {
			n += t.RoundTrips()
		}
	}
	return n
}

// reportTrips reports roundtrips/op since start (if the stores count them)
// and ops/s.
func reportTrips(b *testing.B, start uint64, stores ...featurestore.Online) {
	if _, ok := stores[0].(tripper); ok {
		b.ReportMetric(float64(countTrips(stores...)-start)/float64(b.N), "roundtrips/op")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchWrite measures a frame write of n soldiers per op, reported as
// BenchTick does.
func BenchWrite(b *testing.B, s featurestore.Online, n int) {
	ctx := context.Background()
	frames := NewGen(1).Frames(n, 64, 0)
	trips := countTrips(s)
	b.ReportAllocs()
	b.ResetTimer()
	for t := range b.N {
		f := frames[t%len(frames)]
		for i := range f.Obs {
			f.Obs[i].T = int64(t)
		}
		if err := s.WriteFrame(ctx, f.Obs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportTrips(b, trips, s)
}

// BenchRead measures a read of the windows of te rows of n soldiers per op
// (written before the timer starts), reported as BenchTick does.
func BenchRead(b *testing.B, s featurestore.Online, n, te int) {
	ctx := context.Background()
	for _, f := range NewGen(1).Frames(n, 2*te, 0) {
		if err := s.WriteFrame(ctx, f.Obs); err != nil {
			b.Fatal(err)
		}
	}
	ids := soldierIDs(n)
	var ws [][]engine.Observation
	var err error
	if ws, err = s.Windows(ctx, ids, te, ws); err != nil {
		b.Fatal(err)
	}
	trips := countTrips(s)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if ws, err = s.Windows(ctx, ids, te, ws); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportTrips(b, trips, s)
	SinkWindows = ws
}
