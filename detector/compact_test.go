package detector

import (
	"math"
	"testing"
)

// TestCompactStateNearFull scores the same series on the embedded model
// with and without WithCompactState: the forecasts agree to float32
// rounding, not to the last bit (so the compact streams are in use), and
// the states are the same.
func TestCompactStateNearFull(t *testing.T) {
	m, err := EmbeddedModel()
	if err != nil {
		t.Skipf("no embedded model: %v", err)
	}
	full, err := NewTFT(WithModel(m))
	if err != nil {
		t.Fatal(err)
	}
	compact, err := NewTFT(WithModel(m), WithCompactState(true))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(120, 5)
	want, got := feed(t, full, s, 32), feed(t, compact, s, 32)
	worst, forecasts := 0.0, 0
	for i := range want {
		if got[i].State != want[i].State {
			t.Errorf("tick %d: state %v, full precision's %v", i, got[i].State, want[i].State)
		}
		for v := range want[i].Vitals {
			for q, x := range want[i].Vitals[v].Forecast {
				y := got[i].Vitals[v].Forecast[q]
				if math.IsNaN(x) != math.IsNaN(y) {
					t.Fatalf("tick %d vital %d: forecast %v, full precision's %v", i, v, got[i].Vitals[v].Forecast, want[i].Vitals[v].Forecast)
				}
				if !math.IsNaN(x) {
					forecasts++
					worst = max(worst, math.Abs(y-x)/max(math.Abs(x), 1))
				}
			}
		}
	}
	switch {
	case forecasts == 0:
		t.Fatal("no forecasts: the series ended inside the warm-up")
	case worst == 0:
		t.Error("the compact forecasts equal full precision's to the last bit: are the streams float32?")
	case worst > 1e-4:
		t.Errorf("the compact forecasts differ from full precision's by up to %.3g (relative), want ≤ 1e-4", worst)
	}
	t.Logf("%d forecast quantiles, largest relative difference %.2g", forecasts, worst)
}
