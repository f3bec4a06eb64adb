package autodiff

import (
	"slices"
	"testing"
)

// TestPrefetchChangesNothing prefetches every sub-slice of a buffer, of
// each length and start (so lines are crossed at every offset), and of
// three element sizes: nothing is written, nothing faults, every call
// returns (a wrong end in the line loop would not).
func TestPrefetchChangesNothing(t *testing.T) {
	f64 := make([]float64, 40)
	f32 := make([]float32, 70)
	b := make([]byte, 200)
	for i := range f64 {
		f64[i] = float64(i) + 0.5
	}
	for i := range f32 {
		f32[i] = float32(i) - 0.25
	}
	for i := range b {
		b[i] = byte(i)
	}
	w64, w32, wb := slices.Clone(f64), slices.Clone(f32), slices.Clone(b)
	for lo := range len(b) {
		for hi := lo; hi <= len(b); hi++ {
			Prefetch(b[lo:hi])
			if hi <= len(f64) {
				Prefetch(f64[lo:hi])
			}
			if hi <= len(f32) {
				Prefetch(f32[lo:hi])
			}
		}
	}
	Prefetch([]int(nil))
	if !slices.Equal(b, wb) || !slices.Equal(f64, w64) || !slices.Equal(f32, w32) {
		t.Fatal("Prefetch changed its slice")
	}
}
