package nab

import (
	"math/rand/v2"
	"testing"
)

// benchSink keeps results alive.
var benchSink Result

// syntheticCorpus builds files of n rows each with random scores and a
// window every 2000 rows.
func syntheticCorpus(files, n int) *Corpus {
	rng := rand.New(rand.NewPCG(1, 1))
	var c Corpus
	for range files {
		ts := evenTimes(n)
		var ws []Window
		for s := 1000; s+100 < n; s += 2000 {
			ws = append(ws, Window{ts[s], ts[s+100]})
		}
		f, err := NewFile("bench/f.csv", ts, ws)
		if err != nil {
			panic(err)
		}
		s := make([]float64, n)
		for i := range s {
			s[i] = rng.Float64()
		}
		_ = c.Add(f, s)
	}
	return &c
}

func benchmarkOptimise(b *testing.B, files, n int) {
	c := syntheticCorpus(files, n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		benchSink = c.Optimise(Standard)
	}
}

// BenchmarkOptimiseCorpus is about the NAB corpus's size (58 files, 365k rows).
func BenchmarkOptimiseCorpus(b *testing.B) { benchmarkOptimise(b, 58, 6300) }
