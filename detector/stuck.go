package detector

import (
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// StuckConfig decides when a reading that keeps repeating one value is a
// stuck sensor rather than a vital that is legitimately steady.
//
// A value can be constant for good reasons: stamina sits at 100 at rest,
// SpO2 is reported in whole per cent and often repeats, and core
// temperature at 0.01 °C resolution can hold a value for a while. So
// "stuck" is judged against what this soldier's own recent variability
// makes plausible. Per vital the tracker keeps, as exponentially weighted
// averages over about Memory readings, the rate p̂ at which a reading
// repeated the previous one exactly and the mean squared change between
// consecutive readings d̄². The current run of repeats is the evidence
// under test and is left out of both until it ends. The repeat probability
// is taken as the largest of p̂,
//
//	p_noise = erf(q / (2·√d̄²))   (d̄² corrected for rounding: − q²/6)
//
// the chance that a reading with white noise of that size and sensor
// resolution q (Resolution) rounds to the same value as the one before, at
// its worst (the signal centred in a rounding step), and the rate p̂c at
// which a repeat was followed by another one, over the soldier's own
// finished runs. Repeats come in clusters: while the body's level sits
// inside one rounding step the reading holds, and heavy-tailed sensor noise
// (most of its mass near zero, a few large jumps) holds it longer than a
// Gaussian of the same mean square change, so a run once started goes on
// with a probability well above p̂ and above the white-noise bound. p̂c
// measures that from the soldier's runs, whatever the noise's shape; a
// frozen sensor is a run longer than the soldier's own runs make
// plausible. A run of r repeats has
// probability at most p^r under normal behaviour; the vital is judged stuck
// once r ≥ MinRun, p^r < Alpha and the run is also improbable once the
// spread of continuation rates is allowed for: p^MinRun times the Beta
// predictive probability of the r − MinRun repeats beyond, the Beta fitted
// to the soldier's own deep repeats (those at depth ≥ MinRun; see
// deepLogTail), which falls with the run like a power, not geometrically. A vital whose readings change every
// tick (heart rate) is judged stuck within about ten ticks, one that often
// repeats (SpO2) only after tens of ticks, one that has been steady (small
// d̄², high p̂) not at all. Until Warmup readings have been seen the tracker
// judges nothing.
//
// The averages start from a population prior: PriorReadings pseudo-readings
// that repeat at PriorRepeat[v] (p̂c starts there too) and change by
// PriorStep[v] (root mean square) — a simulated soldier's. So a sensor frozen from its first
// reading (no variability of its own ever seen) is judged against what a
// body does, and the soldier's own readings take over within minutes.
// PriorReadings 0 (model files written before the prior) means no prior.
//
// A reading pinned at the limit of its range (Saturated) is saturation, not
// a stuck sensor: stamina 100 at rest or 0 when spent, SpO2 100.
type StuckConfig struct {
	MinRun     int                         // repeats needed before a run can be stuck
	Alpha      float64                     // run probability below which the vital is stuck
	Memory     float64                     // EWMA memory, in readings
	Warmup     int                         // readings seen before anything is judged stuck
	Resolution [engine.NumVitals]float64   // sensor resolution per vital, in its unit
	Saturated  [engine.NumVitals][]float64 // values at a range limit, never stuck
	// PriorReadings, PriorRepeat and PriorStep are the population prior
	// the averages start from (see above).
	PriorReadings float64
	PriorRepeat   [engine.NumVitals]float64
	PriorStep     [engine.NumVitals]float64
}

// DefaultStuckConfig returns the stuck rule used by every scorer: at least 5
// repeats with probability below 10⁻⁸ (about one false stuck alert per 700
// soldier-hours at the worst case of the bound, measured lower), memory 120
// readings, nothing judged before 20 readings, sensor resolutions 1 bpm, 0.1
// stamina point, 0.01 °C and 1 %, and a prior of 30 readings repeating at
// 0.15, 0.3, 0.3, 0.5 and changing by 2.7 bpm, 0.2, 0.022 °C, 0.85 %.
func DefaultStuckConfig() StuckConfig {
	return StuckConfig{
		MinRun:     5,
		Alpha:      1e-8,
		Memory:     120,
		Warmup:     20,
		Resolution: [engine.NumVitals]float64{1, 0.1, 0.01, 1},
		Saturated: [engine.NumVitals][]float64{
			engine.Stamina: {0, 100},
			engine.SpO2:    {100},
		},
		PriorReadings: 30,
		PriorRepeat:   [engine.NumVitals]float64{0.15, 0.3, 0.3, 0.5},
		PriorStep:     [engine.NumVitals]float64{2.7, 0.2, 0.022, 0.85},
	}
}

// Validate reports a configuration the tracker cannot run.
func (c *StuckConfig) Validate() error {
	switch {
	case c.MinRun < 1:
		return fmt.Errorf("%w: stuck min run %d (want ≥ 1)", ErrConfig, c.MinRun)
	case !(c.Alpha > 0 && c.Alpha < 1):
		return fmt.Errorf("%w: stuck alpha %g (want 0 < α < 1)", ErrConfig, c.Alpha)
	case !(c.Memory >= 1):
		return fmt.Errorf("%w: stuck memory %g (want ≥ 1)", ErrConfig, c.Memory)
	case c.Warmup < 0:
		return fmt.Errorf("%w: stuck warm-up %d (want ≥ 0)", ErrConfig, c.Warmup)
	case !(c.PriorReadings >= 0) || math.IsInf(c.PriorReadings, 0):
		return fmt.Errorf("%w: stuck prior readings %g (want a finite value ≥ 0)", ErrConfig, c.PriorReadings)
	}
	for v := range c.PriorRepeat {
		if !(c.PriorRepeat[v] >= 0 && c.PriorRepeat[v] <= 1) || !(c.PriorStep[v] >= 0) || math.IsInf(c.PriorStep[v], 0) {
			return fmt.Errorf("%w: stuck prior of %s: repeat %g, step %g (want 0–1 and ≥ 0)", ErrConfig, engine.Vital(v), c.PriorRepeat[v], c.PriorStep[v])
		}
	}
	for v, q := range c.Resolution {
		if !(q >= 0) || math.IsInf(q, 0) {
			return fmt.Errorf("%w: resolution %g of %s (want a finite value ≥ 0)", ErrConfig, q, engine.Vital(v))
		}
	}
	return nil
}

// stuckVital tracks the repeats of one vital of one soldier.
type stuckVital struct {
	last   float64
	primed bool
	seen   int     // readings seen
	run    int     // repeats of last so far (0: the last reading differed)
	w      float64 // EWMA weight of the pairs folded in (bias correction)
	p      float64 // EWMA of "repeated the previous reading"
	d2     float64 // EWMA of the squared change between readings
	wc     float64 // EWMA weight of the repeats folded in (bias correction)
	pc     float64 // EWMA over repeats of "the next reading repeated too"
	wd     float64 // EWMA weight of the deep repeats folded in (bias correction)
	pd     float64 // EWMA over repeats at depth ≥ MinRun of "the next repeated too"
	judged bool    // the current run has been judged stuck
}

func (s *stuckVital) reset() { *s = stuckVital{} }

// foldRepeats folds into the EWMA p of "the next reading repeated too" (and
// its bias-correcting weight w) n repeats that were followed by another and
// then one that was not: n+1 steps of x ← (1−a)x + a·y at once.
func foldRepeats(p, w *float64, n int, a float64) {
	k := math.Pow(1-a, float64(n))
	*p = k**p + (1 - k)
	*w = k**w + (1 - k)
	*p *= 1 - a
	*w = (1-a)**w + a
}

// update feeds one reading (ignored if missing) and reports whether the
// vital is judged stuck and whether it is frozen: it has repeated its value
// at least MinRun times, a hint for classifying an alert on that vital.
func (s *stuckVital) update(c *StuckConfig, v engine.Vital, x float64, missing bool) (stuck, frozen bool) {
	if missing || math.IsNaN(x) {
		return s.judge(c, v), false
	}
	s.seen++
	if !s.primed {
		s.last, s.primed = x, true
		if n := c.PriorReadings; n > 0 {
			w := 1 - math.Pow(1-1/c.Memory, n)
			st := c.PriorStep[v]
			s.w, s.p, s.d2 = w, w*c.PriorRepeat[v], w*st*st
			s.wc, s.pc = w, w*c.PriorRepeat[v]
			s.wd, s.pd = w, w*c.PriorRepeat[v]
		}
		return false, false
	}
	if x == s.last {
		s.run++
		return s.judge(c, v), s.run >= c.MinRun
	}
	// The run ended: fold its repeats, then this change, into the averages.
	// A run judged stuck is the anomaly, not the soldier's normal: folded
	// in, one frozen sensor would teach a repeat rate and a deep rate near
	// 1 and hide the next for the rest of the hour.
	a := 1 / c.Memory
	if s.run > 0 && !s.judged {
		k := math.Pow(1-a, float64(s.run)) // r steps of x ← (1−a)x + a·y at once
		s.p = k*s.p + (1 - k)
		s.d2 *= k
		s.w = k*s.w + (1 - k)
		// r−1 repeats were followed by another, the last by this change.
		foldRepeats(&s.pc, &s.wc, s.run-1, a)
		// The deep repeats (depth MinRun … run): all but the last were
		// followed by another.
		if d := s.run - c.MinRun; d >= 0 {
			foldRepeats(&s.pd, &s.wd, d, a)
		}
	}
	d := x - s.last
	s.p *= 1 - a
	s.d2 = (1-a)*s.d2 + a*d*d
	s.w = (1-a)*s.w + a
	s.run, s.last, s.judged = 0, x, false
	return false, false
}

// repeatProb is the probability of a repeat the tracker assumes: the
// largest of the observed repeat rate, the rate at which a repeat was
// followed by another and the white-noise bound.
func (s *stuckVital) repeatProb(c *StuckConfig, v engine.Vital) float64 {
	if s.w <= 0 {
		return 1
	}
	p := s.p / s.w
	q := c.Resolution[v]
	d2 := s.d2/s.w - q*q/6
	if d2 <= 0 {
		return 1
	}
	if s.wc > 0 {
		p = max(p, s.pc/s.wc)
	}
	return min(max(p, math.Erf(q/(2*math.Sqrt(d2)))), 1)
}

func (s *stuckVital) judge(c *StuckConfig, v engine.Vital) bool {
	if s.run < c.MinRun || s.seen < c.Warmup {
		return false
	}
	for _, lim := range c.Saturated[v] {
		if s.last == lim {
			return false
		}
	}
	p := s.repeatProb(c, v)
	if !(p < 1 && float64(s.run)*math.Log(p) < math.Log(c.Alpha)) {
		return false
	}
	if s.deepLogTail(c, p) < math.Log(c.Alpha) {
		s.judged = true
		return true
	}
	return false
}

// deepLogTail is the log probability of the current run under a model whose
// continuation rate is not one known constant: the run reaches depth
// MinRun with probability p^MinRun, and each repeat beyond continues with
// a rate drawn from the Beta distribution of the soldier's own deep
// repeats (those at depth ≥ MinRun of its finished runs, pd over wd·Memory
// effective repeats, with the prior's pseudo-repeats). A rounded reading
// repeats in spells (while the body's level sits inside one rounding step,
// longer the more the noise's mass lies near zero), so run lengths are a
// mixture of geometric ones whose tail p^r understates (Jensen); the Beta
// predictive P(k more) = B(α+k, β)/B(α, β) falls like a power of k, not
// geometrically, and the deep rate measures the spells, not the ticks
// between them.
func (s *stuckVital) deepLogTail(c *StuckConfig, p float64) float64 {
	if s.wd <= 0 {
		return math.Inf(-1)
	}
	n := s.wd * c.Memory
	al := s.pd / s.wd * n
	be := n - al
	k := float64(s.run - c.MinRun)
	if al <= 0 || k <= 0 {
		return float64(s.run) * math.Log(p)
	}
	if be <= 0 {
		return 0
	}
	lg := func(x float64) float64 { y, _ := math.Lgamma(x); return y }
	return float64(c.MinRun)*math.Log(p) + lg(al+k) - lg(al) + lg(al+be) - lg(al+be+k)
}
