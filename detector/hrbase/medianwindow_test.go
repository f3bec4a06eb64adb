package hrbase

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteMedian is the median of xs by sorting a copy.
func bruteMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// TestMedianWindowMatchesBruteForce pushes seeded values (with many ties)
// through windows of several sizes and checks the median, the MAD and the
// oldest value against sorting the last n values.
func TestMedianWindowMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	for _, size := range []int{1, 2, 5, 30} {
		w := NewMedianWindow(size)
		var all []float64
		for i := range 400 {
			x := math.Round(rng.NormFloat64()*4) / 2 // ties on purpose
			if i > 0 && w.N() == size && w.Oldest() != all[len(all)-size] {
				t.Fatalf("size %d row %d: oldest %v, want %v", size, i, w.Oldest(), all[len(all)-size])
			}
			w.Push(x)
			all = append(all, x)
			last := all[max(0, len(all)-size):]
			m := bruteMedian(last)
			dev := make([]float64, len(last))
			for j, v := range last {
				dev[j] = math.Abs(v - m)
			}
			if got := w.Median(); got != m {
				t.Fatalf("size %d row %d: median %v, want %v", size, i, got, m)
			}
			if got, want := w.MAD(m), bruteMedian(dev); got != want {
				t.Fatalf("size %d row %d: mad %v, want %v (window %v)", size, i, got, want, last)
			}
		}
	}
}

func TestMedianWindowEmpty(t *testing.T) {
	w := NewMedianWindow(3)
	if !math.IsNaN(w.Median()) || !math.IsNaN(w.MAD(0)) {
		t.Errorf("empty window: median %v mad %v, want NaN", w.Median(), w.MAD(0))
	}
}
