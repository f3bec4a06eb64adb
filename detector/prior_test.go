package detector

import (
	"math"
	"math/rand/v2"
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

// A soldier in heat strain at the first reading (core temperature inside
// the prior band but climbing 0.15 °C a minute at rest) is flagged by the
// start trend within a minute; a well soldier at rest with sensor noise and
// one warming at 0.05 °C a minute are not (in the 180 s before the drift
// check takes over).
func TestStartTrendFlagsHeatStrainAtStart(t *testing.T) {
	run := func(rate float64, seed uint64) []Verdict {
		t.Helper()
		sc, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		// 180 ticks: from then on the drift check (and its CUSUM) judges
		// the trend, and a rise kept up for minutes at rest is its business.
		s := steadySeries(180, seed)
		r := rand.New(rand.NewPCG(seed, 2))
		for i := range s.obs {
			x := s.p.BaseCoreTemp + 0.4 + rate/60*float64(i) + 0.015*r.NormFloat64()
			s.obs[i].Values[engine.CoreTemp] = math.Round(x*100) / 100
		}
		return feed(t, sc, s, 32)
	}
	vs := run(0.15, 11)
	got := opened(vs, Channel(engine.CoreTemp))
	if len(got) == 0 || got[0] > 60 {
		t.Fatalf("core temperature rising 0.15 °C/min from tick 0: alerts at %v, want one within 60 s", got)
	}
	if k := vs[got[0]].Kind; k != engine.KindHeatStrain {
		t.Errorf("opened as %v, want heat strain", k)
	}
	for _, rate := range []float64{0, 0.05} {
		for seed := range uint64(5) {
			for _, v := range run(rate, 20+seed) {
				if v.State == StateAlert {
					t.Fatalf("a well soldier warming at %.2f °C/min (seed %d): alert at tick %d", rate, seed, v.T)
				}
			}
		}
	}
}
