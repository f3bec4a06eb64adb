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
// and core temperature at 0.01 °C resolution can hold a value for a while.
// So "stuck" is judged against this soldier's own recent variability: the
// tracker keeps p̂, an exponentially weighted estimate (memory Memory ticks)
// of the probability that a reading repeats the previous one exactly,
// learnt from the runs that have ended (the current run is the evidence
// under test and is left out). A run of r repeats has probability ≈ p̂^r
// under normal behaviour; the vital is judged stuck once r ≥ MinRun and
// p̂^r < Alpha. A soldier whose readings often repeat (high p̂) needs a long
// run; one whose readings change every tick is judged stuck within a few
// ticks. p̂ starts at PriorP (high), so a soldier who is steady from the
// start is not called stuck before the tracker has seen the readings move.
//
// A reading pinned at the limit of its range (Saturated) is saturation, not
// a stuck sensor: stamina 100 at rest, SpO2 100.
type StuckConfig struct {
	MinRun    int                         // repeats needed before a run can be stuck
	Alpha     float64                     // run probability below which the vital is stuck
	Memory    float64                     // EWMA memory of p̂, in readings
	PriorP    float64                     // p̂ before any run has ended
	PMin      float64                     // floor of p̂
	Saturated [engine.NumVitals][]float64 // values at a range limit, never stuck
}

// DefaultStuckConfig returns the stuck rule used by every scorer.
func DefaultStuckConfig() StuckConfig {
	return StuckConfig{
		MinRun: 5,
		Alpha:  1e-6,
		Memory: 120,
		PriorP: 0.9,
		PMin:   0.02,
		Saturated: [engine.NumVitals][]float64{
			engine.Stamina: {0, 100},
			engine.SpO2:    {100},
		},
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
	case !(c.PriorP > 0 && c.PriorP < 1), !(c.PMin > 0 && c.PMin < 1):
		return fmt.Errorf("%w: stuck probabilities prior %g, min %g (want in (0,1))", ErrConfig, c.PriorP, c.PMin)
	}
	return nil
}

// stuckVital tracks the repeats of one vital of one soldier.
type stuckVital struct {
	last   float64
	primed bool
	run    int     // repeats of last so far (0: the last reading differed)
	p      float64 // estimated probability of a repeat
}

func (s *stuckVital) reset(c *StuckConfig) { *s = stuckVital{p: c.PriorP} }

// update feeds one reading (ignored if missing) and reports whether the
// vital is judged stuck and whether it is frozen: it has repeated its value
// at least MinRun times, a hint for classifying an alert on that vital.
func (s *stuckVital) update(c *StuckConfig, v engine.Vital, x float64, missing bool) (stuck, frozen bool) {
	if missing || math.IsNaN(x) {
		return s.judge(c, v), false
	}
	if !s.primed {
		s.last, s.primed, s.p = x, true, c.PriorP
		return false, false
	}
	if x == s.last {
		s.run++
		return s.judge(c, v), s.run >= c.MinRun
	}
	// The run ended: fold its repeats and the change into p̂.
	a := 1 / c.Memory
	if s.run > 0 {
		s.p = 1 - (1-s.p)*math.Pow(1-a, float64(s.run))
	}
	s.p *= 1 - a
	s.run, s.last = 0, x
	return false, false
}

func (s *stuckVital) judge(c *StuckConfig, v engine.Vital) bool {
	if s.run < c.MinRun {
		return false
	}
	for _, lim := range c.Saturated[v] {
		if s.last == lim {
			return false
		}
	}
	return float64(s.run)*math.Log(max(s.p, c.PMin)) < math.Log(c.Alpha)
}
