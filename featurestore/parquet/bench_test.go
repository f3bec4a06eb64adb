package parquet

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// Offline benchmarks: per op is one tick of 100 soldiers (write), one
// scanned row (scan).

func BenchmarkRunWriteFrame(b *testing.B) { benchRunWrite(b, 100) }
func BenchmarkRunScan(b *testing.B)       { benchRunScan(b, 100, 2000) }

func benchRunWrite(b *testing.B, n int) {
	frames := storetest.NewGen(1).Frames(n, 64, 0)
	w, err := CreateRun(filepath.Join(b.TempDir(), "run"), storetest.NewGen(1).Profiles(n))
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
