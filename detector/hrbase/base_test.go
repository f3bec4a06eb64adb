package hrbase

import (
	"math"
	"testing"
)

// TestBaseRise: a level that steps up by 10 over a flat baseline with a
// spread of 1 reads as a rise of 10 once the level window has filled with
// it; the baseline freezes while an alert is open, for at most maxFreeze
// readings, and then learns the new level.
func TestBaseRise(t *testing.T) {
	b := New(5, 50)
	for i := range 80 {
		x := 60.0 + float64(i%3) - 1 // 59, 60, 61: MAD 1
		if _, _, ok := b.Rise(x, 20, 40, 0.5); ok != (i >= 44) {
			t.Fatalf("reading %d: ok %v", i, ok)
		}
	}
	var r, sigma float64
	for range 5 {
		r, sigma, _ = b.Rise(70, 20, 40, 0.5)
		b.Track(true)
	}
	if r != 10 || math.Abs(sigma-MADScale) > 1e-12 {
		t.Fatalf("rise %v, sigma %v; want 10 and %v", r, sigma, MADScale)
	}
	for range 15 { // frozen: 20 readings into the alert
		r, _, _ = b.Rise(70, 20, 40, 0.5)
		b.Track(true)
	}
	if r != 10 {
		t.Fatalf("rise %v while frozen, want 10", r)
	}
	for range 60 { // the freeze ends: the baseline learns 70
		r, _, _ = b.Rise(70, 20, 40, 0.5)
		b.Track(true)
	}
	if r != 0 {
		t.Fatalf("rise %v after the freeze, want 0", r)
	}
	if got, want := b.Bytes(), 16*(5+50); got != want || b.Learnt() != 50 {
		t.Errorf("bytes %d (want %d), learnt %d", got, want, b.Learnt())
	}
}
