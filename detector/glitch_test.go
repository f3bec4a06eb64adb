package detector

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// A motion artefact (a step up or down that holds, then steps back) is
// suspected, not scored and opens no alert; a tachycardia (a ramp, τ = 3 s)
// is not suspected and opens an alert within seconds.
func TestGlitchArtefactVersusTachycardia(t *testing.T) {
	for _, tc := range []struct {
		name     string
		step     float64
		from, to int
	}{
		{"jump +40 for 20 s", 40, 300, 320},
		{"dip -30 for 8 s", -30, 300, 308},
		{"cadence lock +85 for 30 s", 85, 300, 330}, // a resting 70 read as a cadence of 155
	} {
		sc, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		s := steadySeries(400, 11)
		for i := tc.from; i < tc.to; i++ {
			s.obs[i].Values[engine.HeartRate] += tc.step
		}
		vs := feed(t, sc, s, 32)
		if got := opened(vs, ChannelHeartRate); len(got) > 0 {
			t.Errorf("%s: HR alerts opened at %v", tc.name, got)
		}
		for i := tc.from; i < tc.to; i++ {
			h := vs[i].Vitals[engine.HeartRate]
			if !h.Suspect || !h.Imputed || h.Out != 0 {
				t.Fatalf("%s: tick %d suspect=%v imputed=%v out=%v; want suspected, imputed, not scored", tc.name, i, h.Suspect, h.Imputed, h.Out)
			}
		}
		for i := tc.to + 1; i < len(vs); i++ {
			if vs[i].Vitals[engine.HeartRate].Suspect {
				t.Fatalf("%s: tick %d still suspect after the artefact ended at %d", tc.name, i, tc.to)
			}
		}
	}

	for _, amp := range []float64{45, 60} { // a +30 ramp the trend-following forecast absorbs, glitch check or not
		sc, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		s := steadySeries(400, 12)
		s.ramp(engine.HeartRate, 300, 400, amp, 3)
		vs := feed(t, sc, s, 32)
		got := opened(vs, ChannelHeartRate)
		if len(got) == 0 || got[0] < 300 || got[0] > 305 {
			t.Errorf("tachycardia +%g bpm: HR alerts opened at %v, want within 5 s of 300", amp, got)
		}
		for i := 302; i < 400; i++ {
			if vs[i].Vitals[engine.HeartRate].Suspect {
				t.Errorf("tachycardia +%g bpm: reading at %d suspected", amp, i)
				break
			}
		}
	}
}

// The step a glitch needs grows with the wearer's own scatter.
func TestGlitchStepFollowsScatter(t *testing.T) {
	c := DefaultGlitchConfig()
	var g glitchVital
	g.reset()
	r := rand.New(rand.NewPCG(5, 6))
	suspected := 0
	for i := range 1000 {
		x := math.Round(72 + 7*r.NormFloat64()) // a seated adolescent's scatter (ACTES)
		if g.update(&c, engine.HeartRate, x, 72, false) && i >= 200 {
			suspected++
		}
	}
	if suspected > 8 {
		t.Errorf("%d of 800 readings of a noisy wearer suspected, want at most 1 %%", suspected)
	}
	if lim := g.limit(&c, engine.HeartRate); lim < 35 {
		t.Errorf("step limit %v for a wearer with 7 bpm of white noise, want ≥ 35", lim)
	}
	var q glitchVital
	q.reset()
	for range 100 {
		q.update(&c, engine.HeartRate, 70, 70, false)
	}
	if !q.update(&c, engine.HeartRate, 83, 70, false) {
		t.Error("a 13 bpm step on a steady wearer not suspected")
	}
	for range c.MaxTicks {
		q.update(&c, engine.HeartRate, 83, 70, false)
	}
	if q.update(&c, engine.HeartRate, 83, 70, false) {
		t.Errorf("a step held for %d ticks still suspected", c.MaxTicks)
	}
	// Believed: the next readings re-anchor the forecast unscored.
	if !q.anchoring() {
		t.Error("a believed step does not re-anchor")
	}
	for range reAnchor {
		q.update(&c, engine.HeartRate, 83, 70, false)
	}
	if q.anchoring() {
		t.Errorf("still re-anchoring %d readings after a believed step", reAnchor)
	}
	bad := DefaultGlitchConfig()
	bad.MaxStep[0] = 0
	if bad.Validate() == nil {
		t.Error("a zero step validated")
	}
}

func TestRobustReading(t *testing.T) {
	s := soldier{hist: history{rows: make([]row, histCap)}}
	for _, x := range []float64{37.00, 37.02} {
		s.hist.push(&row{values: [engine.NumVitals]float64{0, 0, x, 0}})
	}
	for _, c := range []struct{ x, want float64 }{{37.5, 37.02}, {36.0, 37.00}, {37.01, 37.01}} {
		near(t, "median of three", robustReading(&s, int(engine.CoreTemp), c.x), c.want)
	}
}

// After a gap the first readings re-anchor the forecast: a heart rate that
// moved on while it was missing (a partial dropout through a change of
// pace) is neither a glitch nor an alert.
func TestGlitchGapReanchors(t *testing.T) {
	sc, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(400, 13)
	for i := 200; i < 260; i++ {
		s.obs[i].SetMissing(engine.HeartRate)
	}
	for i := 260; i < 400; i++ {
		s.obs[i].Values[engine.HeartRate] += 25 // walked off while the strap was silent
	}
	vs := feed(t, sc, s, 32)
	if got := opened(vs, ChannelHeartRate); len(got) > 0 {
		t.Errorf("HR alerts at %v after a 60 s gap", got)
	}
	if vs[260].Vitals[engine.HeartRate].Suspect {
		t.Error("the first reading after a gap suspected as a glitch")
	}
}

// A sensor frozen from its first reading is judged against the population
// prior: stuck within the first half minute, while a steady but live
// reading is not.
func TestStuckFromTheStart(t *testing.T) {
	c := DefaultStuckConfig()
	var s stuckVital
	s.reset()
	at := -1
	for i := range 120 {
		if st, _ := s.update(&c, engine.HeartRate, 77, false); st && at < 0 {
			at = i
		}
	}
	if at < 0 || at > 30 {
		t.Errorf("heart rate frozen from the first reading judged stuck at %d, want within 30 readings", at)
	}
	old := c
	old.PriorReadings = 0
	s.reset()
	for range 120 {
		if st, _ := s.update(&old, engine.HeartRate, 77, false); st {
			t.Fatal("without the prior a sensor frozen from the start was judged stuck (it should not be able to)")
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for seed := range 20 {
		s.reset()
		for i := range 300 {
			x := math.Round(97.6 + 0.5*r.NormFloat64()) // a live SpO2, repeating often
			if st, _ := s.update(&c, engine.SpO2, min(x, 99), false); st {
				t.Fatalf("run %d: a live SpO2 judged stuck at reading %d", seed, i)
			}
		}
	}
}

// studentT draws Student-t noise of df degrees of freedom scaled to unit
// variance (df > 2).
func studentT(r *rand.Rand, df float64) float64 {
	chi := 0.0 // χ² with df degrees of freedom, as a Gamma(df/2, 2) draw
	for range int(df) {
		z := r.NormFloat64()
		chi += z * z
	}
	if f := df - math.Floor(df); f > 0 { // the fractional part: Gamma(f/2, 2) by Marsaglia–Tsang boost
		chi += 2 * gammaDraw(r, f/2)
	}
	return r.NormFloat64() / math.Sqrt(chi/df) * math.Sqrt((df-2)/df)
}

// gammaDraw draws Gamma(k, 1) for 0 < k < 1 (Marsaglia–Tsang with the
// U^(1/k) boost).
func gammaDraw(r *rand.Rand, k float64) float64 {
	d := k + 1 - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		z := r.NormFloat64()
		v := 1 + c*z
		if v <= 0 {
			continue
		}
		v = v * v * v
		if u := r.Float64(); math.Log(u) < 0.5*z*z+d-d*v+d*math.Log(v) {
			return d * v * math.Pow(r.Float64(), 1/k)
		}
	}
}

// Heavy-tailed noise on a steady SpO2 leaves the reading on one whole per
// cent for long stretches, broken now and then by a large jump: the mean
// square change (dominated by the jumps) then promises fewer repeats than
// the reading shows, and each stretch repeats longer than the soldier's
// repeat rate alone makes plausible. The tracker learns from the soldier's
// own runs how long a run goes on once it has started, so such a live
// reading is not judged stuck, while a reading frozen for good still is.
func TestStuckHeavyTailedNoise(t *testing.T) {
	c := DefaultStuckConfig()
	r := rand.New(rand.NewPCG(18, 25))
	var s stuckVital
	for run := range 40 {
		s.reset()
		level := 97 + 0.2*float64(run%3) // centred in a step or off it
		for i := range 3600 {
			if i%600 == 0 { // the body's level wanders slowly
				level += 0.3 * r.NormFloat64()
			}
			x := math.Round(level + 0.8*studentT(r, 2.5))
			if st, _ := s.update(&c, engine.SpO2, min(x, 100), false); st {
				t.Fatalf("run %d: a live SpO2 under Student-t noise (2.5 df) judged stuck at reading %d (run of %d)", run, i, s.run)
			}
		}
		at := -1
		for i := range 600 {
			if st, _ := s.update(&c, engine.SpO2, 95, false); st {
				at = i
				break
			}
		}
		if at < 0 {
			t.Fatalf("run %d: SpO2 frozen at 95 after heavy-tailed noise never judged stuck in 600 readings", run)
		}
	}
}

// TestStuckHeavyTailedSpells: a rounded reading under heavy-tailed noise
// repeats in spells whose length depends on where the body's level sits in
// its rounding step, so the soldier's run lengths are a mixture of
// geometric ones: a soldier that has spent minutes off-centre (short runs)
// and then sits centred in a step makes runs far longer than its average
// continuation rate promises. The tracker judges a run by the
// continuation rate of its own deep repeats, with the uncertainty of that
// rate, so the live reading is not judged stuck, and a reading frozen for
// good still is within a few minutes.
func TestStuckHeavyTailedSpells(t *testing.T) {
	c := DefaultStuckConfig()
	r := rand.New(rand.NewPCG(18, 2))
	var s stuckVital
	falses, delays := 0, []int{}
	for run := range 40 {
		s.reset()
		level := 96.0
		for i := range 3600 {
			if i%60 == 0 { // the level wanders across the rounding grid
				level = 96 + 0.5*r.Float64()
			}
			x := math.Round(level + 0.5*studentT(r, 2.5))
			if st, _ := s.update(&c, engine.SpO2, min(x, 100), false); st {
				falses++
				t.Logf("run %d: a live SpO2 judged stuck at reading %d (run of %d)", run, i, s.run)
				s.reset()
			}
		}
		at := -1
		for i := range 600 {
			if st, _ := s.update(&c, engine.SpO2, 95, false); st {
				at = i
				break
			}
		}
		if at < 0 {
			t.Fatalf("run %d: SpO2 frozen at 95 never judged stuck in 600 readings", run)
		}
		delays = append(delays, at)
	}
	if falses > 0 {
		t.Errorf("a live SpO2 under heavy-tailed noise judged stuck %d times in 40 h", falses)
	}
	t.Logf("frozen SpO2 judged stuck after %v readings", delays)
}

// TestStuckRunNotLearned: a run judged stuck is the anomaly, so it does not
// teach the tracker how long the soldier's runs go on: a second frozen
// sensor later in the hour is judged stuck as fast as the first.
func TestStuckRunNotLearned(t *testing.T) {
	c := DefaultStuckConfig()
	r := rand.New(rand.NewPCG(18, 3))
	var s stuckVital
	live := func(n int) {
		for range n {
			s.update(&c, engine.HeartRate, math.Round(70+3*r.NormFloat64()), false)
		}
	}
	frozen := func(n int) int {
		at := -1
		for i := range n {
			if st, _ := s.update(&c, engine.HeartRate, 71.5, false); st && at < 0 {
				at = i
			}
		}
		return at
	}
	live(600)
	first := frozen(150)
	live(300)
	second := frozen(150)
	if first < 0 || second < 0 || second > first+5 {
		t.Errorf("frozen heart rate judged stuck after %d readings the first time, %d the second (want both, the second within 5 of the first)", first, second)
	}
}
