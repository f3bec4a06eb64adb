package featurestore

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Offline benchmarks: per op is one tick of 100 soldiers (write), one
// scanned row (scan), one example (build and access).

func BenchmarkRunWriteFrame(b *testing.B)   { benchRunWrite(b, 100) }
func BenchmarkRunScan(b *testing.B)         { benchRunScan(b, 100, 2000) }
func BenchmarkTrainingBuild(b *testing.B)   { benchTrainingBuild(b, 100, 10_000, 31) }
func BenchmarkTrainingExample(b *testing.B) { benchTrainingExample(b, 100, 2000, 31) }
func BenchmarkDerive(b *testing.B)          { benchDerive(b, 31, DefaultSpan) }

func benchRunWrite(b *testing.B, n int) {
	frames := newGen(1).frames(n, 64, 0)
	w, err := CreateRun(filepath.Join(b.TempDir(), "run"), newGen(1).profiles(n))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for t := range b.N {
		f := frames[t%len(frames)]
		f.T = int64(t)
		for i := range f.Obs {
			f.Obs[i].T = f.T
		}
		if err := w.WriteFrame(f); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func benchRunScan(b *testing.B, n, ticks int) {
	dir, _, _, _ := testRun(b, n, ticks)
	r, err := OpenRun(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for rows < b.N {
		if err := r.Scan(math.MinInt64, math.MaxInt64, func(*engine.Observation) error { rows++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// benchTrainingBuild builds a set of about soldiers×ticks examples per
// iteration; ns/op is reported per example.
func benchTrainingBuild(b *testing.B, soldiers, ticks, te int) {
	g := newGen(1)
	profiles := g.profiles(soldiers)
	frames := g.frames(soldiers, ticks, 0)
	b.ReportAllocs()
	b.ResetTimer()
	examples := 0
	for range b.N {
		bd, _ := NewBuilder(TrainingSpec{Inputs: te, Horizon: 1})
		bd.StartRun(profiles, nil, g.start)
		for _, f := range frames {
			if err := bd.AddFrame(f); err != nil {
				b.Fatal(err)
			}
		}
		ts, err := bd.Build()
		if err != nil {
			b.Fatal(err)
		}
		examples += ts.Len()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(examples), "ns/example")
	b.ReportMetric(float64(examples)/float64(b.N), "examples/op")
}

func benchTrainingExample(b *testing.B, soldiers, ticks, te int) {
	g := newGen(1)
	ts := buildFrom(b, TrainingSpec{Inputs: te, Horizon: 1}, g.profiles(soldiers), g.frames(soldiers, ticks, 0))
	b.ReportAllocs()
	b.ResetTimer()
	var sum float64
	for i := range b.N {
		ex := ts.Example(i % ts.Len())
		sum += ex.Inputs[0].Ambient
	}
	sinkFloat = sum
}

var sinkFloat float64

var sinkDerived []DerivedRow

func benchDerive(b *testing.B, te, span int) {
	g := newGen(1)
	p := g.profiles(1)[0]
	rows := make([]engine.Observation, te)
	for i := range rows {
		rows[i] = g.obs(1, int64(i))
	}
	var d []DerivedRow
	b.ReportAllocs()
	for range b.N {
		d = Derive(&p, rows, span, d)
	}
	sinkDerived = d
}
