package detector

import (
	"math"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
)

// The TFT's feature engineering. Every vital is normalised per soldier from
// the static profile, never per window: a per-window normaliser would make
// a sustained anomaly look normal within its own window.
//
// Encoder rows (one per past tick, EncoderLen of them, oldest first):
//
//	hr            (HR − HR0) / (HRmax − HR0)        fraction of heart-rate reserve
//	stamina       stamina / 100
//	core_temp     Tc − Tc0                           °C above the soldier's resting value
//	spo2          (SpO2 − 97) / 3
//	d_hr … d_spo2 the change since the previous row, in target units (below)
//	phase         the squad's phase (categorical, 5)
//	imputed       1 when any vital of the row was imputed (categorical, 2)
//	ambient       (ambient − 20) / 10
//
// Decoder row (the tick being scored): phase, next_phase (categorical, 5
// each: the schedule is a known future input) and ambient.
//
// Static covariates: age, fitness (categorical, 3), resting HR, HRmax,
// mass, acclimatisation and resting core temperature, each centred and
// scaled to about unit range.
//
// Targets: the change of each vital from the last cleaned row to the scored
// row, in target units: heart rate ×50/(HRmax − HR0) (per cent of the heart
// -rate reserve ×0.5), stamina ×5, core temperature ×50, SpO2 ×1.5 — about
// one unit per typical one-tick change, so the quantile loss weighs the
// vitals alike. The forecast quantiles are added back to the last cleaned
// value. Forecasting the change rather than the level spares the network
// reproducing a level to a fraction of a per cent; a sustained anomaly is
// still caught because out-of-band readings are replaced by the forecast
// median before they become the next row's anchor (see AlertConfig).

// Indices of the encoder variables.
const (
	encHR = iota
	encStamina
	encCoreTemp
	encSpO2
	encDHR
	encDStamina
	encDCoreTemp
	encDSpO2
	encPhase
	encImputed
	encAmbient
	numEncoder
)

// Indices of the decoder variables.
const (
	decPhase = iota
	decNextPhase
	decAmbient
	numDecoder
)

// Indices of the static variables.
const (
	stAge = iota
	stFitness
	stRestingHR
	stHRMax
	stMass
	stAcclimatised
	stBaseCoreTemp
	numStatic
)

// FeatureVersion changes whenever the feature engineering changes in a way
// that makes older model files meaningless; a model file records it and
// one with another version is refused.
const FeatureVersion = 1

// NetConfig returns the TFT configuration the detector's features fill:
// the shape of every network the detector trains or loads.
func NetConfig() tft.Config {
	c := tft.DefaultConfig()
	c.Static = []tft.Variable{
		tft.Real("age"), tft.Categorical("fitness", engine.NumFitness), tft.Real("resting_hr"),
		tft.Real("hr_max"), tft.Real("mass"), tft.Real("acclimatised"), tft.Real("base_core_temp"),
	}
	c.Encoder = []tft.Variable{
		tft.Real("heart_rate"), tft.Real("stamina"), tft.Real("core_temp"), tft.Real("spo2"),
		tft.Real("d_heart_rate"), tft.Real("d_stamina"), tft.Real("d_core_temp"), tft.Real("d_spo2"),
		tft.Categorical("phase", engine.NumPhases), tft.Categorical("imputed", 2), tft.Real("ambient"),
	}
	c.Decoder = []tft.Variable{
		tft.Categorical("phase", engine.NumPhases), tft.Categorical("next_phase", engine.NumPhases), tft.Real("ambient"),
	}
	c.Targets = []string{"heart_rate", "stamina", "core_temp", "spo2"}
	c.Quantiles = QuantileLevels[:]
	return c
}

// norm holds a soldier's profile-derived normalisation.
type norm struct {
	hr0, hrr, tc0 float64
	scale         [engine.NumVitals]float64 // target units per vital unit
}

// normFor returns the normalisation of profile p; a profile without
// plausible heart-rate values falls back to DefaultProfile's.
func normFor(p *engine.Profile) norm {
	hr0, hrmax, tc0 := p.RestingHR, p.HRMax, p.BaseCoreTemp
	if !(hr0 > 20 && hrmax > hr0+20) {
		d := engine.DefaultProfile(p.ID)
		hr0, hrmax = d.RestingHR, d.HRMax
	}
	if !(tc0 > 35 && tc0 < 39) {
		tc0 = 37
	}
	n := norm{hr0: hr0, hrr: hrmax - hr0, tc0: tc0}
	n.scale = [engine.NumVitals]float64{50 / n.hrr, 5, 50, 1.5}
	return n
}

// staticRow fills dst (numStatic values) from profile p.
func staticRow(p *engine.Profile, dst []float64) {
	fit := p.Fitness
	if fit >= engine.NumFitness {
		fit = engine.FitnessAverage
	}
	nz := func(x, centre, scale float64) float64 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0
		}
		return (x - centre) / scale
	}
	dst[stAge] = nz(p.Age, 30, 10)
	dst[stFitness] = float64(fit)
	dst[stRestingHR] = nz(p.RestingHR, 64, 10)
	dst[stHRMax] = nz(p.HRMax, 185, 10)
	dst[stMass] = nz(p.Mass, 78, 10)
	dst[stAcclimatised] = nz(p.Acclimatised, 0.5, 0.5)
	dst[stBaseCoreTemp] = nz(p.BaseCoreTemp, 37, 0.2)
}

// encoderRow fills dst (numEncoder values) from cleaned row r and the row
// before it (prev, nil for the first row of a series).
func (n *norm) encoderRow(r, prev *row, dst []float64) {
	v := &r.values
	dst[encHR] = (v[engine.HeartRate] - n.hr0) / n.hrr
	dst[encStamina] = v[engine.Stamina] / 100
	dst[encCoreTemp] = v[engine.CoreTemp] - n.tc0
	dst[encSpO2] = (v[engine.SpO2] - 97) / 3
	for i := range engine.NumVitals {
		d := 0.0
		if prev != nil {
			d = (v[i] - prev.values[i]) * n.scale[i]
		}
		dst[encDHR+i] = d
	}
	dst[encPhase] = float64(min(r.phase, engine.NumPhases-1))
	dst[encImputed] = 0
	if r.imputed != 0 {
		dst[encImputed] = 1
	}
	dst[encAmbient] = ambientFeature(r.ambient)
	for i := range numEncoder {
		if math.IsNaN(dst[i]) || math.IsInf(dst[i], 0) {
			dst[i] = 0 // no value yet (a series that starts missing)
		}
	}
}

// level returns vital v's value in its unit from encoder row e: the
// inverse of encoderRow's normalisation.
func (n *norm) level(v int, e []float64) float64 {
	switch engine.Vital(v) {
	case engine.HeartRate:
		return n.hr0 + e[encHR]*n.hrr
	case engine.Stamina:
		return e[encStamina] * 100
	case engine.CoreTemp:
		return e[encCoreTemp] + n.tc0
	default:
		return e[encSpO2]*3 + 97
	}
}

// decoderRow fills dst (numDecoder values) with the known inputs of o.
func decoderRow(o *engine.Observation, dst []float64) {
	dst[decPhase] = float64(min(o.Phase, engine.NumPhases-1))
	dst[decNextPhase] = float64(min(o.NextPhase, engine.NumPhases-1))
	dst[decAmbient] = ambientFeature(o.Ambient)
}

func ambientFeature(a float64) float64 {
	if math.IsNaN(a) || math.IsInf(a, 0) {
		return 0
	}
	return (a - 20) / 10
}
