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
