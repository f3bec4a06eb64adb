package detector

import (
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Check names the check whose evidence opened an alert. Only these checks
// open alerts; the glitch rules (GlitchConfig) and the squad-wide rule
// (squadWide) only keep readings from being scored, so they never open one.
type Check uint8

// The checks that open alerts.
const (
	CheckNone     Check = iota
	CheckBand           // a reading outside the forecast's calibrated band (0.02–0.98 quantiles, floored)
	CheckDrift          // a reading that drifted over the drift horizon further than the forecasts expected
	CheckPrior          // a reading outside the population prior (no forecast for this soldier yet)
	CheckDropout        // every measured vital missing for the dropout length
	CheckStuck          // a reading frozen at one value longer than the soldier's variability allows
	CheckTrend          // a young series' core temperature rising faster than plausible in the phase (before the drift check has a value)
	CheckCusum          // core temperature's drift kept above its half-band for longer than a passing excursion (the heat CUSUM)
	CheckPersonal       // a heart rate, phase not reported, risen above the soldier's own baseline by more than its spread explains (personal.go)
	NumChecks
)

var checkNames = [NumChecks]string{"none", "band", "drift", "prior", "dropout", "stuck", "trend", "cusum", "personal"}

// String returns the check's snake_case name.
func (c Check) String() string {
	if c < NumChecks {
		return checkNames[c]
	}
	return "check(?)"
}

// ParseCheck returns the check named s.
func ParseCheck(s string) (Check, error) {
	for i, n := range checkNames {
		if n == s {
			return Check(i), nil
		}
	}
	return CheckNone, fmt.Errorf("%w: unknown check %q", ErrConfig, s)
}

// Evidence is what the check that opened an alert saw, at that check's own
// scale. Value lies outside [Lo, Hi] by Out units of Unit whenever the
// check is band, drift or prior (that is what opening means); the sentence
// is built from it (see Sentence).
//
//   - band: Value is the reading, Expected the forecast median, [Lo, Hi] the
//     band the reading is scored against (the 0.02–0.98 quantiles widened
//     to the sensor-noise floor and stretched by the soldier's band scale),
//     Unit its width.
//   - drift: Value is how far the reading moved over Ticks ticks beyond the
//     sum of the forecast median changes (in the vital's unit), Expected 0,
//     [Lo, Hi] = ±the drift half-band, Unit twice the half-band.
//   - prior: Value is the reading, [Lo, Hi] the population band of the
//     soldier's profile and phase, Expected NaN, Unit the prior's unit.
//   - dropout: Missing holds every measured vital that is missing, Ticks
//     how long they have been silent; the numbers are NaN.
//   - stuck: Value is the frozen reading, Ticks how many times it repeated.
//   - trend: Value is the fitted slope of the readings in the vital's unit
//     per minute, Expected 0, [Lo, Hi] = ±the steepest rise plausible in
//     the phase, Unit the trend's unit (prior.go), Ticks the readings
//     fitted.
//   - cusum: Value is the cumulative sum of the drift's excess over its
//     half-band (in half-bands, one term a tick), Expected 0, [Lo, Hi] =
//     ±the sum at which the heat CUSUM's score reaches the open level,
//     Unit the sum per unit of score, Ticks the drift horizon.
//   - personal: Value is the heart rate's level (the median of the last
//     PersonalLevel seconds), Expected the soldier's own baseline (the
//     median of the PersonalBaseline seconds before), [Lo, Hi] = the
//     baseline ± max(K·σ, PersonalMinRise), Unit the baseline's spread σ
//     (so K = (Hi − Expected)/Unit unless the minimum rise binds), Ticks
//     the baseline window in seconds.
type Evidence struct {
	Check    Check
	Vital    engine.Vital // the vital judged (dropout: the first missing)
	Missing  engine.Mask  // dropout: the vitals missing; stuck: the vitals stuck
	Seen     Activity     // heart rate judged while its reported phase was judged wrong: the activity seen (phasecheck.go)
	SeenRate float32      // the stamina trend then, points a minute
	Value    float64
	Expected float64
	Lo, Hi   float64
	Out      float64 // signed units of Unit outside [Lo, Hi]: + above, − below
	Unit     float64
	Ticks    int
	Channel  Channel // the channel whose state machine opened the alert
}

// Vitals returns the vitals the evidence names: the missing (dropout) or
// stuck ones, else its one vital.
func (e *Evidence) Vitals() []engine.Vital {
	if e.Missing != 0 && (e.Check == CheckDropout || e.Check == CheckStuck) {
		var vs []engine.Vital
		for v := range engine.Vital(engine.NumVitals) {
			if e.Missing.Has(v) {
				vs = append(vs, v)
			}
		}
		return vs
	}
	return []engine.Vital{e.Vital}
}

// Outside reports whether Value lies outside [Lo, Hi] (always, for the
// evidence of a band, drift, prior or personal check that opened an alert).
func (e *Evidence) Outside() bool {
	return e.Value > e.Hi || e.Value < e.Lo
}

// Alert is a soldier's incident: it opens when the first channel opens and
// stays one alert, with one kind and one explanation, until every channel
// has closed. A channel opening inside it extends it (Extended) instead of
// raising another alert.
type Alert struct {
	Open     bool // an incident is open
	Opened   bool // it opened at this tick: an alert event
	Extended bool // another channel opened inside it at this tick
	// Refined is set at the tick a more urgent kind took the incident
	// over, within RefineTicks of its opening (see RefineTicks): its kind,
	// evidence and attribution are new; the alert is the same.
	Refined  bool
	Since    int64              // tick it opened at
	Kind     engine.AnomalyKind // its kind, fixed at opening (or refinement)
	Evidence Evidence           // the evidence of the check that opened it, frozen at opening (or refinement)
	// Attribution is how much each input and past tick moved the forecast
	// the reading fell outside, computed once at opening (nil without a
	// forecast, for data-quality alerts, or for scorers without one). It
	// is shared by every verdict of the incident and must not be modified.
	Attribution *Attribution
}

// Attribution says how much each encoder variable and each past tick of
// the window moved the forecast bound the reading fell outside, by
// occlusion: the forecast again with that variable held neutral over the
// window (frozen at its value in the window's oldest row: as if it had not
// moved), or with a block of Block ticks replaced by the row before it
// (nothing new happened then). Values are in the vital's unit and signed
// as the excursion (the reading's distance outside the bound): + means the
// input widened it (it pushed the bound away from the reading: it made the
// alert), − it narrowed it. Now is the scored reading's own share: its
// distance from the forecast median, the excursion it would lose were it
// what the forecast expected.
type Attribution struct {
	Vital    engine.Vital
	Target   string    // the quantity attributed: "q98", "q02" or "median"
	Bound    float64   // its value in the forecast as fed, in the vital's unit (before the band floor and scale)
	VarNames []string  // encoder variables (shared, read only)
	Vars     []float64 // per variable
	// Steps holds one value per block of Block past ticks, oldest first;
	// the last block ends 1 s before the scored tick.
	Steps []float64
	Block int
	Now   float64
}

// TopVar returns the index of the variable with the largest |attribution|
// (−1 without one).
func (a *Attribution) TopVar() int {
	best, bi := -1.0, -1
	for i, x := range a.Vars {
		if math.Abs(x) > best {
			best, bi = math.Abs(x), i
		}
	}
	return bi
}

// PeakAgo returns how many ticks before the scored tick the block with
// the largest |attribution| lies: from (its oldest tick) to to (its newest;
// 1 is the tick before the scored one); 0, 0 when the scored reading (Now)
// outweighs every block, or without steps.
func (a *Attribution) PeakAgo() (from, to int) { return a.peakAgo(math.Abs(a.Now)) }

// PastPeakAgo is PeakAgo over the past ticks only (without Now).
func (a *Attribution) PastPeakAgo() (from, to int) { return a.peakAgo(-1) }

func (a *Attribution) peakAgo(now float64) (from, to int) {
	best, bi := now, -1
	for i, x := range a.Steps {
		if math.Abs(x) > best {
			best, bi = math.Abs(x), i
		}
	}
	if bi < 0 {
		return 0, 0
	}
	b := max(a.Block, 1)
	from = (len(a.Steps) - bi) * b
	return from, from - b + 1
}

// Ranked returns the variables' indices by decreasing |attribution|.
func (a *Attribution) Ranked() []int {
	idx := make([]int, len(a.Vars))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ { // insertion sort: a dozen variables
		for j := i; j > 0 && math.Abs(a.Vars[idx[j]]) > math.Abs(a.Vars[idx[j-1]]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}
