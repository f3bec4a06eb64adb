package series

import (
	"strings"
	"testing"
)

var benchScores Scores

func benchmarkRun(b *testing.B, f Factory, rows int) {
	tab, err := Read(strings.NewReader(nabCSV(rows, rows/2, 1)), "bench.csv")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		benchScores, _ = Run(tab, f)
	}
}

func benchmarkRead(b *testing.B, rows int) {
	csv := nabCSV(rows, -1, 1)
	b.ReportAllocs()
	b.SetBytes(int64(len(csv)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Read(strings.NewReader(csv), "bench.csv"); err != nil {
			b.Fatal(err)
		}
	}
}

// Benchmarks at the size of NAB's largest file (22695 rows).
func BenchmarkRunZScore(b *testing.B)     { benchmarkRun(b, ZScoreFactory(), 22695) }
func BenchmarkRunLikelihood(b *testing.B) { benchmarkRun(b, likelihoodZ(), 22695) }
func BenchmarkRead(b *testing.B)          { benchmarkRead(b, 22695) }

var benchRaw float64

// benchmarkTFTObserve times one streaming TFT forecast and raw score per
// row (the default model size) after a fit outside the timer.
func benchmarkTFTObserve(b *testing.B, rows int) {
	tab, err := Read(strings.NewReader(nabCSV(rows, -1, 1)), "bench.csv")
	if err != nil {
		b.Fatal(err)
	}
	cfg := TFTConfig{Epochs: 2, NoRefit: true}.withDefaults()
	raw := newTFTRaw(cfg, Info{Name: "bench", Rows: rows})
	fit := raw.fitN
	for i := range fit {
		raw.ObserveRaw(tab.Times[i], tab.Values[0][i], true)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := fit
	for b.Loop() {
		if i == rows {
			i = fit
		}
		benchRaw, _ = raw.ObserveRaw(tab.Times[i], tab.Values[0][i], true)
		i++
	}
}

func BenchmarkTFTObserve(b *testing.B) { benchmarkTFTObserve(b, 5000) }

// BenchmarkScoreNABFile scores one real NAB file (4032 rows, 5-minute
// steps) with the default tft ensemble, fit and refits included: the unit
// of work of `score --dir ../shared/nab/data`. Skipped without the shared
// corpus.
func BenchmarkScoreNABFile(b *testing.B) {
	tab, err := ReadFile("../../../../shared/nab/data/realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv")
	if err != nil {
		b.Skip("NAB corpus not found:", err)
	}
	f := TFTFactory(TFTConfig{Seed: 1})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		benchScores, _ = Run(tab, f)
	}
}
