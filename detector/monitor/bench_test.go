package monitor

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// cpuTime is the process's user and system CPU time: on a shared machine
// the wall time per op grows with the load, CPU time much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// benchIngest ingests ticks of a seeded simulation of n soldiers with the
// TFT on the given workers (0: every core) after the warm-up (40 ticks,
// untimed), one tick per op, the frames made outside the timer. It reports
// verdicts per second, CPU time per op and the live heap per soldier of
// the store, the monitor and the scorer (the frames and the simulation
// excluded).
func benchIngest(b *testing.B, n, workers int) {
	ctx := context.Background()
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Seed = n, 3
	sim, err := engine.NewSim(cfg)
	if err != nil {
		b.Fatal(err)
	}
	const ring = 64
	frames := make([][]engine.Observation, 40+ring)
	for i := range frames {
		f, err := sim.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		frames[i] = f.Obs
	}
	heap0 := heapInUse()
	store, err := featurestore.NewMemory(featurestore.WithCapacity(40))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	sc, err := detector.Default()
	if err != nil {
		b.Fatal(err)
	}
	var opts []Option
	if workers > 0 {
		opts = append(opts, WithWorkers(workers))
	}
	m, err := New(store, sc, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if err := m.SetProfiles(ctx, sim.Profiles()); err != nil {
		b.Fatal(err)
	}
	vs := make([]detector.Verdict, 0, n)
	for _, f := range frames[:40] {
		if vs, err = m.Ingest(ctx, f, vs[:0]); err != nil {
			b.Fatal(err)
		}
	}
	perSoldier := float64(heapInUse()-heap0) / float64(n)
	// Ticks go on past the frames made: the ring's ticks shift forward.
	span := int64(ring)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := range b.N {
		f := frames[40+i%ring]
		if i > 0 && i%ring == 0 {
			b.StopTimer()
			for _, g := range frames[40:] {
				for k := range g {
					g[k].T += span
				}
			}
			b.StartTimer()
		}
		if vs, err = m.Ingest(ctx, f, vs[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "verdicts/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(perSoldier, "heap-B/soldier")
}

func BenchmarkIngestTick5000(b *testing.B)        { benchIngest(b, 5000, 0) }
func BenchmarkIngestTick5000Worker1(b *testing.B) { benchIngest(b, 5000, 1) }
