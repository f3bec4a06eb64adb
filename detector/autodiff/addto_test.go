package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAddToMatchesLoop: AddTo gives the plain loop's bits for every length
// around the vector widths (the AVX-512, AVX2 and Go parts), and leaves
// what lies beyond dst alone.
func TestAddToMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for n := range 40 {
		x := make([]float64, n+1)
		y := make([]float64, n+1)
		for i := range x {
			x[i], y[i] = rng.NormFloat64()*1e3, rng.NormFloat64()
		}
		want := make([]float64, n+1)
		copy(want, y)
		for i := range n {
			want[i] += x[i]
		}
		AddTo(y[:n], x)
		for i := range y {
			if math.Float64bits(y[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n %d: element %d is %v, want %v", n, i, y[i], want[i])
			}
		}
	}
}
