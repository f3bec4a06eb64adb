package live

import (
	"context"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// processCPU is the process's user and system CPU time: every goroutine's
// (the tick's, the workers', the frame made ahead, the collector's).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRunTick runs a seeded simulation of n soldiers through Run as
// chakra-tui --headless --simulate does (in-memory store of 32 rows, every
// core, frames made ahead, GOGC 20, nothing holding the snapshots), past
// the warm-up (tick 40, untimed), and times one published tick per op: the
// Trace hook holds Run after each tick until the next op lets it go. It
// reports the process's CPU a tick, the collector's cycles per 100 ticks
// and, with -benchmem or ReportAllocs, the bytes and objects every
// goroutine allocated a tick.
func benchRunTick(b *testing.B, n int, scorer func() (detector.Scorer, error)) {
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Seed = n, 3
	sim, err := engine.NewSim(cfg)
	if err != nil {
		b.Fatal(err)
	}
	store, err := featurestore.NewMemory(featurestore.WithCapacity(32))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	sc, err := scorer()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	traced, gate := make(chan int64), make(chan struct{})
	c := Config{Source: sim, Store: store, Scorer: sc, Trace: func(tr *TickTrace) {
		select {
		case traced <- tr.T:
		case <-ctx.Done():
			return
		}
		select {
		case <-gate:
		case <-ctx.Done():
		}
	}}
	rt, err := Open(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ran := make(chan error, 1)
	go func() { ran <- rt.Run(ctx) }()
	for t := <-traced; t < 40; t = <-traced {
		gate <- struct{}{}
	}
	b.ReportAllocs()
	var gc0, gc1 runtime.MemStats
	runtime.ReadMemStats(&gc0)
	cpu0 := processCPU()
	for b.Loop() {
		gate <- struct{}{}
		<-traced
	}
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&gc1)
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(gc1.NumGC-gc0.NumGC)*100/float64(b.N), "gc/100ticks")
	cancel()
	if err := <-ran; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRunTick50k is one tick of 50 000 soldiers scored by the TFT
// with compact state, as the scale server runs it (docs/scale.md).
func BenchmarkRunTick50k(b *testing.B) {
	benchRunTick(b, 50_000, func() (detector.Scorer, error) { return detector.Default(detector.WithCompactState(true)) })
}

// BenchmarkRunTick50kThreshold is the same tick scored by the threshold
// baseline: the pipeline around the scorer (the frame, the store, the
// monitor's bookkeeping) without the TFT's forecasts.
func BenchmarkRunTick50kThreshold(b *testing.B) {
	benchRunTick(b, 50_000, func() (detector.Scorer, error) { return detector.NewThreshold() })
}
