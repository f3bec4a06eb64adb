package parquet

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// cpuTime is the process's user + system CPU time: the sink's writer
// goroutine works beside the benchmark's loop, so ns/op alone misses it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSinkTick100 is what --offline costs the 100-soldier dashboard:
// per op one tick of 100 rows handed to the sink (Observe, on the ticking
// goroutine), with a part written to disk every 2 ticks-seconds of the
// fake clock (the default flush) by the sink's own goroutine. cpu-ns/op is
// the whole process's CPU per tick, the writer's included; allocs/op too
// counts the writer's allocations. At 1 tick per second, cpu-ns/op / 1e9
// is the share of a core.
func BenchmarkSinkTick100(b *testing.B) {
	g := storetest.NewGen(1)
	frames := g.Frames(100, 64, 0)
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	s, err := NewSink(Dir(b.TempDir()), SinkConfig{Run: "bench", Start: g.Start(), Clock: clk.now}, g.Profiles(100))
	if err != nil {
		b.Fatal(err)
	}
	obs := make([]engine.Observation, 100)
	tick := func(t int) {
		copy(obs, frames[t%len(frames)].Obs)
		for i := range obs {
			obs[i].T = int64(t)
		}
		s.Observe(obs)
		clk.add(time.Second)
	}
	for t := range 200 { // grow the buffers: steady state
		tick(t)
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for t := range b.N {
		tick(200 + t)
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	if err := s.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// discardBucket takes every object and keeps none.
type discardBucket struct{ Dir }

func (discardBucket) Put(context.Context, string, []byte) error { return nil }

// BenchmarkSinkObserve100 is BenchmarkSinkTick100 without the disk: parts
// are encoded and thrown away, so ns/op is Observe plus the writer's
// encoding, not fsync waits.
func BenchmarkSinkObserve100(b *testing.B) {
	g := storetest.NewGen(1)
	frames := g.Frames(100, 64, 0)
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	s, err := NewSink(discardBucket{Dir(b.TempDir())}, SinkConfig{Run: "bench", Start: g.Start(), Clock: clk.now}, g.Profiles(100))
	if err != nil {
		b.Fatal(err)
	}
	obs := make([]engine.Observation, 100)
	tick := func(t int) {
		copy(obs, frames[t%len(frames)].Obs)
		for i := range obs {
			obs[i].T = int64(t)
		}
		s.Observe(obs)
		clk.add(time.Second)
	}
	for t := range 200 {
		tick(t)
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for t := range b.N {
		tick(200 + t)
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	s.Close(context.Background())
}

// BenchmarkSinkRows50k writes a tick of 50 000 soldiers per op through a
// sink to disk, waiting until it is acknowledged (encode, zstd, fsync,
// rename). rows/s is the rate one core sustains at -cpu 1.
func BenchmarkSinkRows50k(b *testing.B) {
	const n = 50_000
	g := storetest.NewGen(1)
	frame := g.Frames(n, 1, 0)[0].Obs
	s, err := NewSink(Dir(b.TempDir()), SinkConfig{Run: "bench", Start: g.Start(), Flush: time.Hour, PartRows: n}, g.Profiles(n))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for t := range b.N {
		for i := range frame {
			frame[i].T = int64(t)
		}
		s.Observe(frame)
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "rows/cpu-s")
	s.Close(ctx)
}
