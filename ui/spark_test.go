package ui

import (
	"math/rand/v2"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// TestSparkIncrementalMatchesFull checks that drawing each new value
// incrementally gives the same runes as ntcharts' full redraw.
func TestSparkIncrementalMatchesFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, w := range []int{1, 3, 13, 40} {
		var inc, full cardSpark
		inc.reset(w, 100, lipgloss.NewStyle(), nil)
		full.reset(w, 100, lipgloss.NewStyle(), nil)
		for i := range 300 {
			v := rng.Float64() * 110 // a few values above the scale
			if rng.IntN(10) == 0 {
				v = 0 // missing
			}
			inc.push(v)
			full.push(v)
			if i%7 == 0 || rng.IntN(3) == 0 {
				inc.draw()
			}
			full.full = true
			full.draw()
			if i%7 == 0 && string(inc.text) != string(full.text) {
				t.Fatalf("width %d after %d values: incremental %q, full %q", w, i+1, inc.text, full.text)
			}
		}
		if len([]rune(string(inc.text))) != w {
			t.Errorf("width %d: %d runes drawn", w, len([]rune(string(inc.text))))
		}
	}
}

func TestSparkClear(t *testing.T) {
	var s cardSpark
	s.reset(5, 10, lipgloss.NewStyle(), []float64{10, 10, 10})
	s.draw()
	if string(s.text) != "  ███" {
		t.Fatalf("drawn %q, want two empty columns then three full ones", s.text)
	}
	s.clear()
	s.draw()
	if string(s.text) != "     " {
		t.Errorf("after clear %q, want empty", s.text)
	}
}
