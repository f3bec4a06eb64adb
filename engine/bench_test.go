package engine

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

var sinkFrame *Frame

func BenchmarkStep100(b *testing.B)  { benchmarkStep(b, 100) }
func BenchmarkStep10k(b *testing.B)  { benchmarkStep(b, 10_000) }
func BenchmarkStep100k(b *testing.B) { benchmarkStep(b, 100_000) }

// BenchmarkStep100Field steps 100 soldiers in the field sensor world.
func BenchmarkStep100Field(b *testing.B) { benchmarkStepWorld(b, 100, FieldWorld()) }

// benchmarkStep measures one tick of n soldiers in steady state (after the
// frame has grown and the schedules are under way).
func benchmarkStep(b *testing.B, n int) { benchmarkStepWorld(b, n, DefaultConfig().World) }

func benchmarkStepWorld(b *testing.B, n int, w World) {
	cfg := DefaultConfig()
	cfg.Soldiers = n
	cfg.World = w
	s, err := NewSim(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var f Frame
	for range 30 {
		s.Step(&f)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Step(&f)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/soldier-tick")
	sinkFrame = &f
}

func BenchmarkRecordFrame100(b *testing.B) {
	s, _ := NewSim(DefaultConfig())
	frames := make([]Frame, 600)
	for i := range frames {
		s.Step(&frames[i])
		frames[i] = frames[i].Clone()
	}
	rec, _ := NewRecorder(io.Discard, "bench", NewHeader(s.Profiles(), nil))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := frames[i%len(frames)]
		f.T = int64(i)
		rec.WriteFrame(&f)
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/soldier-tick")
}

func BenchmarkReplayNext100(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Duration = 10 * time.Minute
	data, _ := record(b, cfg)
	r, err := NewReplay(bytes.NewReader(data), "bench")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		f, err := r.Next(ctx)
		if err == io.EOF {
			r.SeekTo(0)
			continue
		}
		sinkFrame = &f
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/soldier-tick")
}
