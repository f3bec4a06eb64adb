package detector

import (
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// The population prior: what is plausible for a soldier of a given profile
// in a given phase, before the scorer has seen enough of this soldier to
// forecast it (the TFT needs 30 rows, the z-score its window). A new
// soldier is judged from its first reading against this band instead of
// staying silent, and a soldier already unwell when the monitor starts (a
// heart rate of 130 at rest, 40 in any phase, a core temperature far above
// what the phase and the day explain) is flagged at once. The verdict says
// which basis each vital was judged on (VitalVerdict.Prior); the band is in
// Forecast[0] and Forecast[4], the middle quantiles NaN.
//
// The bands are wide: they hold the 1st to 99th percentile of every
// simulated soldier in the phase with room for the profile's errors
// (docs/engine.md, "Ranges per phase"), so a reading outside is far from
// anything the phase explains. Out is measured in priorUnit beyond the
// band, and a reading outside it counts as out of band for the alert state
// machine (persistence and hysteresis as usual).

// priorHR holds, per phase, the plausible heart rate as fractions of the
// heart-rate reserve above the resting rate (Karvonen): low and high.
var priorHR = [engine.NumPhases][2]float64{
	engine.PhaseRest:     {-0.15, 0.36},
	engine.PhasePatrol:   {0.0, 0.62},
	engine.PhaseMarch:    {0.1, 0.75},
	engine.PhaseContact:  {0.3, 1.05},
	engine.PhaseRecovery: {0.0, 0.85},
}

// priorCore holds, per phase, the plausible core temperature above the
// resting one, °C (before the day's heat).
var priorCore = [engine.NumPhases]float64{
	engine.PhaseRest:     1.15,
	engine.PhasePatrol:   1.3,
	engine.PhaseMarch:    1.4,
	engine.PhaseContact:  1.7,
	engine.PhaseRecovery: 1.6,
}

// A heart rate low for the reported phase at a series' start. The prior
// judges a soldier's first readings, before the forecaster and the phase
// check (which needs PhaseWindow rows) can say anything; a heart rate
// below the reported phase's band but one rest explains is then as likely
// a phase reported wrong (told contact while resting: on dev seeds 9101–
// 9104, with 30 % of the soldiers told contact, 71 false bradycardias,
// most at t = 1) as a slow heart. So the prior's low end for heart rate is
// the reported phase's, but no higher than the lowest any phase explains
// (the union band, rest's) or priorSlowHR, whichever is higher: below that
// a waking heart is slow whatever the soldier does (marked bradycardia).
// The simulated bradycardias fall to 30–50 bpm. Rest's band is the
// union's lowest, so a soldier reported at rest is judged as before; the
// high end keeps the reported phase's (judging it against the union would
// lose a tachycardia under way at rest, which lies inside contact's band).

// priorSlowHR is the heart rate below which a waking heart is slow in any
// activity, bpm.
const priorSlowHR = 50.0

// priorLowHR returns the low end of the prior band of heart rate for a
// soldier of profile p at ambient amb whose reported phase's band starts
// at lo (see above).
func priorLowHR(p *engine.Profile, amb, lo float64) float64 {
	ulo, _ := unionBand(p, amb)
	return min(lo, max(ulo, priorSlowHR))
}

// priorUnit is the unit of Out against the prior band, per vital.
var priorUnit = [engine.NumVitals]float64{10, 10, 0.25, 2}

// populationBand returns the plausible range [lo, hi] of vital v for a
// soldier with profile p in phase ph at ambient temperature amb (°C).
func populationBand(p *engine.Profile, ph engine.Phase, amb float64, v engine.Vital) (lo, hi float64) {
	if int(ph) >= engine.NumPhases {
		ph = engine.PhaseRest
	}
	switch v {
	case engine.HeartRate:
		hrr := max(p.HRMax-p.RestingHR, 60)
		f := priorHR[ph]
		return max(40, p.RestingHR+f[0]*hrr-5), min(240, p.RestingHR+f[1]*hrr+5)
	case engine.Stamina:
		if ph == engine.PhaseRest {
			return 65, 100
		}
		return 50, 100
	case engine.CoreTemp:
		heat := 0.05 * max(0, amb-20)
		if math.IsNaN(amb) {
			heat = 0.6
		}
		return p.BaseCoreTemp - 0.6, p.BaseCoreTemp + priorCore[ph] + heat
	default: // SpO2
		return 92, 100
	}
}

// The start trend: a soldier already in heat strain when the monitor starts
// has a core temperature that is not far from plausible yet (halfway up a
// rise of 0.5–1.5 °C, inside the prior band) but climbing at 0.1–0.2 °C per
// minute, while a soldier at rest holds or sheds heat. The drift check that
// catches heat strain later needs a forecast and minutes of history
// (driftOf), so until it has a value, and only while the series is young
// (startTrendAge rows), the core also judges core temperature's trend:
// an exponentially weighted least-squares slope of the readings (time
// constant startTrendTau ticks, judged from startTrendMin readings) against
// the steepest rise plausible in the phase (startTrendMax). On the field
// world's development runs (seeds 9101–9104, 367 soldiers well at the
// start) the 60-tick slope of a well soldier at rest had an sd of 0.020
// °C/min and a maximum of 0.055; every soldier in heat strain at the start
// rose at 0.09–0.20.

// startTrendMax holds, per phase, the steepest plausible rise of core
// temperature, °C per minute (+Inf: not judged: a firefight heats fast).
var startTrendMax = [engine.NumPhases]float64{
	engine.PhaseRest:     0.08,
	engine.PhasePatrol:   0.12,
	engine.PhaseMarch:    0.2,
	engine.PhaseContact:  math.Inf(1),
	engine.PhaseRecovery: 0.08,
}

const (
	startTrendTau   = 30.0 // ticks: the slope's weighting time constant
	startTrendMin   = 45   // readings before the slope is judged
	startTrendAge   = 240  // rows after which the series is no longer young
	startTrendUnit  = 0.05 // °C per minute: the unit of Out beyond the bound
	startTrendDecay = 1 - 1/startTrendTau
)

// trend is an exponentially weighted least-squares fit of one vital's
// readings against time (ticks since the series started).
type trend struct {
	w, st, sx, stt, stx float64
	t0                  int64 // tick of the first reading (times are relative to it)
	n                   int32
}

func (tr *trend) reset() { *tr = trend{} }

// add takes reading x at tick t (simulated seconds).
func (tr *trend) add(tick int64, x float64) {
	const d = startTrendDecay
	if tr.n == 0 {
		tr.t0 = tick
	}
	t := float64(tick - tr.t0)
	tr.w = d*tr.w + 1
	tr.st = d*tr.st + t
	tr.sx = d*tr.sx + x
	tr.stt = d*tr.stt + t*t
	tr.stx = d*tr.stx + t*x
	tr.n++
}

// slope returns the fitted slope per second, and false before
// startTrendMin readings.
func (tr *trend) slope() (float64, bool) {
	if tr.n < startTrendMin {
		return 0, false
	}
	den := tr.w*tr.stt - tr.st*tr.st
	if !(den > 0) {
		return 0, false
	}
	return (tr.w*tr.stx - tr.st*tr.sx) / den, true
}

// startTrendOut returns how far a core temperature slope of perSec °C per
// second lies above the steepest plausible in phase ph, in startTrendUnit
// (0 when not above).
func startTrendOut(perSec float64, ph engine.Phase) float64 {
	if int(ph) >= engine.NumPhases {
		ph = engine.PhaseRest
	}
	perMin := perSec * 60
	if lim := startTrendMax[ph]; perMin > lim {
		return (perMin - lim) / startTrendUnit
	}
	return 0
}
