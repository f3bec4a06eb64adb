package featurestore_test

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// Training-set and derived-feature benchmarks: per op is one example
// (build and access), one window of derived rows (Derive).

func BenchmarkTrainingBuild(b *testing.B)   { benchTrainingBuild(b, 100, 10_000, 31) }
func BenchmarkTrainingExample(b *testing.B) { benchTrainingExample(b, 100, 2000, 31) }
func BenchmarkDerive(b *testing.B)          { benchDerive(b, 31, featurestore.DefaultSpan) }

// benchTrainingBuild builds a set of about soldiers×ticks examples per
// iteration; ns/op is reported per example.
func benchTrainingBuild(b *testing.B, soldiers, ticks, te int) {
	g := storetest.NewGen(1)
	profiles := g.Profiles(soldiers)
	frames := g.Frames(soldiers, ticks, 0)
	b.ReportAllocs()
	b.ResetTimer()
	examples := 0
	for range b.N {
		bd, _ := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: te, Horizon: 1})
		bd.StartRun(profiles, nil, g.Start())
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
	g := storetest.NewGen(1)
	ts := storetest.BuildFrom(b, featurestore.TrainingSpec{Inputs: te, Horizon: 1}, g.Profiles(soldiers), g.Frames(soldiers, ticks, 0))
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

var sinkDerived []featurestore.DerivedRow

func benchDerive(b *testing.B, te, span int) {
	g := storetest.NewGen(1)
	p := g.Profiles(1)[0]
	rows := make([]engine.Observation, te)
	for i := range rows {
		rows[i] = g.Obs(1, int64(i))
	}
	var d []featurestore.DerivedRow
	b.ReportAllocs()
	for range b.N {
		d = featurestore.Derive(&p, rows, span, d)
	}
	sinkDerived = d
}
