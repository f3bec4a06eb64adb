package detector

import (
	"math"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
)

// TestAttributionSharedMatchesBatch: the attribution computed through
// ForecastShared (each distinct encoder row once) equals the one computed
// the straightforward way (ForecastBatch over every occluded window), on
// several alerts of the embedded model: a tachycardia, a bradycardia, a
// stamina crash and a slow core-temperature rise.
func TestAttributionSharedMatchesBatch(t *testing.T) {
	m, err := EmbeddedModel()
	if err != nil {
		m = untrainedModel(t)
	}
	cases := map[string]func(s *series){
		"tachycardia":   func(s *series) { s.ramp(engine.HeartRate, 40, 90, 110, 4) },
		"bradycardia":   func(s *series) { s.ramp(engine.HeartRate, 40, 90, -35, 3) },
		"stamina crash": func(s *series) { s.ramp(engine.Stamina, 40, 90, -60, 5) },
		"heat strain":   func(s *series) { s.ramp(engine.CoreTemp, 30, 120, 2.5, 40) },
	}
	run := func(s *series) []*Attribution {
		sc, err := NewTFT(WithModel(m), WithOpenLevels([engine.NumVitals]float64{0.1, 0.1, 0.1, 0.1}))
		if err != nil {
			t.Fatal(err)
		}
		var as []*Attribution
		for _, v := range feed(t, sc, s, 32) {
			if v.Alert.Attribution != nil && (v.Alert.Opened || v.Alert.Refined) {
				as = append(as, v.Alert.Attribution)
			}
		}
		return as
	}
	defer func() { attrForecast = (*tft.Model).ForecastShared }()
	total := 0
	for name, add := range cases {
		s := steadySeries(120, 7)
		add(s)
		attrForecast = (*tft.Model).ForecastBatch
		want := run(s)
		attrForecast = (*tft.Model).ForecastShared
		got := run(s)
		if len(got) != len(want) {
			t.Fatalf("%s: %d attributions, straightforward %d", name, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			close := func(what string, a, b float64) {
				if math.Abs(a-b) > 1e-9*max(math.Abs(b), 1e-12) {
					t.Errorf("%s alert %d: %s %v, straightforward %v", name, i, what, a, b)
				}
			}
			close("bound", g.Bound, w.Bound)
			close("now", g.Now, w.Now)
			for k := range w.Vars {
				close(w.VarNames[k], g.Vars[k], w.Vars[k])
			}
			for k := range w.Steps {
				close("step", g.Steps[k], w.Steps[k])
			}
		}
		t.Logf("%s: %d attributions", name, len(got))
		total += len(got)
	}
	if total < 4 {
		t.Errorf("only %d attributed alerts compared", total)
	}
	t.Logf("%d attributions compared", total)
}
