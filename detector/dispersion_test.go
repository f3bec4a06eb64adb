package detector

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

func TestDispersionScale(t *testing.T) {
	var d dispersion
	if k := d.scale(0); k != 1 {
		t.Fatalf("fresh scale %v, want 1", k)
	}
	for range 1000 { // readings right on the median: the band never narrows
		d.learn(0, 70, 70, 10, 1)
	}
	if k := d.scale(0); k != 1 {
		t.Fatalf("scale after tight readings %v, want 1", k)
	}
	for range 1000 { // far outside every time: capped
		d.learn(1, 200, 70, 10, 1)
	}
	if k := d.scale(1); k != dispMaxScale {
		t.Fatalf("scale after wild readings %v, want the cap %v", k, dispMaxScale)
	}
	d.reset()
	// Readings twice as spread as the band implies: the scale settles near 2.
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		d.learn(2, 70+2*(10/dispSpan)*r.NormFloat64(), 70, 10, 1)
	}
	if k := d.scale(2); math.Abs(k-2) > 0.3 {
		t.Fatalf("scale for a twice-as-noisy wearer %.2f, want about 2", k)
	}
	d.learn(3, math.NaN(), 70, 10, 1)
	d.learn(3, 70, 70, 0, 1)
	if d.n[3] != 0 {
		t.Fatal("a missing reading or an empty band taught the scale")
	}
}

// noisySeries is a resting soldier whose heart rate scatters far more than
// the simulated soldiers the model learned from (white noise of sd bpm, as
// seated adolescents show in the ACTES recordings).
func noisySeries(n int, sd float64, seed uint64) *series {
	s := steadySeries(n, seed)
	r := rand.New(rand.NewPCG(seed, 7))
	for i := range s.obs {
		s.obs[i].Values[engine.HeartRate] = math.Round(72 + sd*r.NormFloat64())
	}
	return s
}

// A noisy wearer raises alert after alert with fixed bands; with the
// per-soldier band scale the bands widen within minutes, and a real
// tachycardia episode still opens an alert at once.
func TestAdaptiveBandsNoisyWearer(t *testing.T) {
	const ticks, onset = 1800, 1500
	s := noisySeries(ticks, 7, 3)
	// A fast onset (τ = 1.5 s): a one-tick step of 60 bpm would be judged a
	// sensor glitch (glitch.go), and a τ = 3 s ramp hides in this wearer's
	// 7 bpm of noise for longer than 3 s.
	s.ramp(engine.HeartRate, onset, onset+60, 60, 1.5)
	count := func(adapt bool) (falseOpen int, detect int64) {
		sc, err := Default(WithAdaptiveBands(adapt))
		if err != nil {
			t.Fatal(err)
		}
		detect = -1
		for _, ts := range opened(feed(t, sc, s, 64), ChannelHeartRate) {
			switch {
			case ts < onset:
				falseOpen++
			case detect < 0 && ts < onset+60:
				detect = ts - onset
			}
		}
		return falseOpen, detect
	}
	fixedFalse, fixedDelay := count(false)
	adaptFalse, adaptDelay := count(true)
	t.Logf("heart-rate alerts before the episode: fixed bands %d, adaptive %d; delay %d s vs %d s",
		fixedFalse, adaptFalse, fixedDelay, adaptDelay)
	if fixedFalse < 3 { // the field-trained model's bands are wider: 3 in 25 min with fixed bands
		t.Fatalf("fixed bands opened only %d false alerts on a noisy wearer: the test series is not noisy enough", fixedFalse)
	}
	if adaptFalse*4 > fixedFalse {
		t.Errorf("adaptive bands opened %d false alerts, fixed %d: want at most a quarter", adaptFalse, fixedFalse)
	}
	if adaptDelay < 0 || adaptDelay > 3 {
		t.Errorf("adaptive bands detected the +60 bpm episode after %d s, want within 3 s", adaptDelay)
	}
}
