package series

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
)

// TestVitalsSeam scores a one-second heart-rate series with one of the
// monitor's scorers (the rolling z-score baseline, which needs no model
// file) through the vitals adapter.
func TestVitalsSeam(t *testing.T) {
	var b strings.Builder
	b.WriteString("time,heart_rate\n")
	t0 := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	for i := range 900 {
		hr := 72 + 3*math.Sin(float64(i)/15)
		if i >= 700 && i < 760 {
			// A tachycardia episode, ramping up as a body does (a one-tick
			// step of 100 bpm would be judged a sensor glitch).
			hr += (175 - hr) * (1 - math.Exp(-float64(i-699)/3))
		}
		fmt.Fprintf(&b, "%s,%.1f\n", t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), hr)
	}
	tab := mustRead(t, b.String())
	f := VitalsFactory(func() (detector.Scorer, error) { return detector.NewZScore() })
	s, err := Run(tab, f)
	if err != nil {
		t.Fatal(err)
	}
	first := -1
	for i, a := range s.Alert {
		if a && first < 0 {
			first = i
		}
	}
	if first < 700 || first > 710 {
		t.Errorf("first alert at row %d, want at the episode's start (700)", first)
	}
	failing := VitalsFactory(func() (detector.Scorer, error) { return nil, detector.ErrModel })
	if _, err := Run(tab, failing); err == nil || !strings.Contains(err.Error(), "test.csv") {
		t.Errorf("scorer error %v does not name the file", err)
	}
}
