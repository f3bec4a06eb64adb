package detector

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// restingCore returns n ticks of a resting soldier whose core temperature
// reads 37.0 °C with 0.015 °C of sensor noise (0.01 °C resolution) and,
// from tick from on, rises by rate °C per minute.
func restingCore(n, from int, rate float64, seed uint64) *series {
	s := steadySeries(n, seed)
	r := rand.New(rand.NewPCG(seed, 3))
	for i := range s.obs {
		x := 37.0 + 0.015*r.NormFloat64()
		if i >= from {
			x += rate / 60 * float64(i-from)
		}
		s.obs[i].Values[engine.CoreTemp] = math.Round(x*100) / 100
	}
	return s
}

// A core temperature creeping up 0.06 °C a minute (slower than the
// simulation's heat strain, 0.1–0.2) keeps the 60-tick drift about one
// half-band up: too little for the drift's own Out to open an alert within
// minutes (without the CUSUM: after 330–470 s, or never, on these seeds);
// its cumulative sum (the heat CUSUM) opens one within 150 s. A soldier
// whose core temperature holds opens none.
func TestHeatCusumCatchesSlowRise(t *testing.T) {
	const onset = 400
	sc, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	vs := feed(t, sc, restingCore(1000, onset, 0.06, 5), 32)
	got := opened(vs, ChannelCoreTemp)
	if len(got) == 0 || got[0] < onset || got[0] > onset+150 {
		t.Fatalf("core temperature rising 0.06 °C/min from tick %d: alerts at %v, want the first within 150 s of it", onset, got)
	}
	if k := vs[got[0]].Kind; k != engine.KindHeatStrain {
		t.Errorf("opened as %v, want heat strain", k)
	}
	sc, err = Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := opened(feed(t, sc, restingCore(1000, 1000, 0, 6), 32), ChannelCoreTemp); len(got) > 0 {
		t.Errorf("a core temperature that holds: alerts at %v", got)
	}
}

// Stamina above its band is a recovery faster than forecast, not an
// anomaly: it opens nothing, while a crash below the band still does.
func TestStaminaOneSided(t *testing.T) {
	sc, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(400, 7)
	for i := range s.obs {
		s.obs[i].Values[engine.Stamina] = 70 + 0.1*float64(i%3)
	}
	s.ramp(engine.Stamina, 120, 400, 25, 4) // a fast climb back
	s.ramp(engine.Stamina, 300, 400, -45, 2)
	got := opened(feed(t, sc, s, 32), ChannelStamina)
	if len(got) == 0 || got[0] < 300 || got[0] > 305 {
		t.Fatalf("stamina climbing at tick 120, crashing at 300: alerts at %v, want the first at 300–305", got)
	}
}
