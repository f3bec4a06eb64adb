package detector

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// A soldier already unwell at its first reading is flagged from the
// population prior within seconds; a well one is not.
func TestPopulationPriorFlagsUnwellStart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		vital engine.Vital
		value float64
		kind  engine.AnomalyKind
	}{
		{"tachycardia at rest", engine.HeartRate, 135, engine.KindTachycardia},
		{"bradycardia", engine.HeartRate, 38, engine.KindBradycardia},
		{"hot at rest", engine.CoreTemp, 38.9, engine.KindHeatStrain},
	} {
		sc, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		s := steadySeries(60, 8)
		for i := range s.obs {
			s.obs[i].Values[tc.vital] = tc.value
			if i%2 == 1 { // not frozen
				s.obs[i].Values[tc.vital] += 0.01 * tc.value
			}
		}
		vs := feed(t, sc, s, 32)
		got := opened(vs, Channel(tc.vital))
		if len(got) == 0 || got[0] > 3 {
			t.Errorf("%s from tick 0: alerts at %v, want one within 3 s", tc.name, got)
			continue
		}
		if v := vs[got[0]]; !v.Vitals[tc.vital].Prior || v.Kind != tc.kind {
			t.Errorf("%s: opened with prior=%v kind %v, want on the prior, kind %v", tc.name, v.Vitals[tc.vital].Prior, v.Kind, tc.kind)
		}
	}
	sc, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range feed(t, sc, steadySeries(60, 9), 32) {
		if v.State == StateAlert || v.State == StateWarmingUp {
			t.Fatalf("a well soldier at tick %d: state %v", v.T, v.State)
		}
	}
}
