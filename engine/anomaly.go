package engine

import (
	"math"
	"math/rand/v2"
)

// kindDuration is the range of each event kind's window, seconds, uniform.
var kindDuration = [NumKinds][2]float64{
	KindTachycardia:  {60, 300},
	KindBradycardia:  {60, 240},
	KindDropout:      {10, 120},
	KindStuck:        {30, 300},
	KindHeatStrain:   {300, 600},
	KindStaminaCrash: {60, 300},
}

// Anomaly signatures. Onsets are first-order lags with the time constants
// below; after a window ends each offset decays to zero with its kind's tail
// time constant, so vitals return to what the physiology underneath (which
// never stops) says.
const (
	tachyMin, tachyMax = 30.0, 60.0 // bpm above what the phase explains
	tachyOnset         = 3.0        // s
	tachyTail          = 8.0        // s

	bradyLevelMin, bradyLevelMax = 30.0, 50.0 // bpm the heart falls to
	bradyOnset                   = 4.0        // s
	bradyStaminaMin              = 20.0       // points lost
	bradyStaminaMax              = 40.0
	bradyStaminaOnset            = 5.0 // s
	bradySpO2Min, bradySpO2Max   = 3.0, 8.0
	bradySpO2Onset               = 15.0 // s
	bradyHRTail                  = 20.0 // s
	bradyStaminaTail             = 60.0
	bradySpO2Tail                = 20.0

	heatRateMin, heatRateMax = 0.10, 0.20 // °C per minute above what the phase explains
	heatRiseMin, heatRiseMax = 0.5, 1.5   // °C over the window
	heatHRGain               = 12.0       // bpm per °C of excess core temperature
	heatHROnset              = 10.0       // s
	heatTail                 = 90.0       // s (cooling, rest)
	heatHRTail               = 30.0

	crashMin, crashMax   = 30.0, 60.0 // stamina points lost
	crashOnset           = 2.0        // s
	crashHRMin           = 15.0       // bpm spike at onset
	crashHRMax           = 30.0
	crashHROnset         = 3.0  // s
	crashSpikeFor        = 20   // s of the spike, then crashHRHold
	crashHRHold          = 5.0  // bpm
	crashStaminaTail     = 60.0 // s
	crashHRTail          = 10.0
	artefactUpMin        = 35.0 // bpm, upward spike (cadence lock) …
	artefactUpMax        = 80.0
	artefactDownMin      = 25.0 // … or downward (lost beats), one in five
	artefactDownMax      = 40.0
	minGapSeconds        = 300.0 // s between windows on one soldier (if the rate allows)
	tailEpsHR, tailEpsSt = 0.3, 0.05
	tailEpsTc, tailEpsSp = 0.003, 0.05
)

// stuckVitalWeights is the chance of each vital being the one a stuck
// sensor freezes.
var stuckVitalWeights = [NumVitals]float64{HeartRate: 0.5, Stamina: 0.1, CoreTemp: 0.2, SpO2: 0.2}

// meanDuration returns the mean event window of a mix, seconds.
func (m Mix) meanDuration() float64 {
	var s, w float64
	for k, wk := range m {
		if wk > 0 {
			s += wk * (kindDuration[k][0] + kindDuration[k][1]) / 2
			w += wk
		}
	}
	if w == 0 {
		return 0
	}
	return s / w
}

// anomaly is one soldier's anomaly state: the active window (if any), the
// offsets it adds to the readings and the sensor faults it imposes.
type anomaly struct {
	label Label // the active window; Kind is KindNone between windows

	off, tgt, k [NumVitals]float64 // offsets added to the readings, their targets and lag factors
	level       float64            // bradycardia: HR the soldier falls to, bpm
	rate        float64            // heat strain: core temperature drift per tick, °C
	tail        bool               // offsets still decaying after a window

	stuck   Vital   // stuck sensor: the frozen vital
	held    bool    // stuck sensor: heldVal is set
	heldVal float64 // stuck sensor: the frozen reading

	artStart, artEnd int64   // first and last tick of the current or pending artefact, −1 for none
	spike            float64 // its HR jump (or dip), bpm
	lock             bool    // the sensor reports the step cadence instead
	cadence          float64 // the cadence it reports, steps per minute

	full bool // the next window starts at full strength (under way before tick 0)

	presetKind AnomalyKind // kind of the next window if already drawn (KindNone: draw at its start)
	presetSpan int64       // its length, seconds
	nextStart  int64       // tick the next window is queued to start (MaxInt64: none)
}

// start opens the window lbl, drawing its parameters from r.
func (a *anomaly) start(lbl Label, dt float64, r *rand.Rand) {
	a.label = lbl
	a.tail = false
	a.held = false
	for v := range a.tgt {
		a.tgt[v] = 0
	}
	switch lbl.Kind {
	case KindTachycardia:
		a.tgt[HeartRate] = uniform(r, tachyMin, tachyMax)
		a.k[HeartRate] = lag(tachyOnset, dt)
	case KindBradycardia:
		a.level = uniform(r, bradyLevelMin, bradyLevelMax)
		a.k[HeartRate] = lag(bradyOnset, dt)
		a.tgt[Stamina] = -uniform(r, bradyStaminaMin, bradyStaminaMax)
		a.k[Stamina] = lag(bradyStaminaOnset, dt)
		a.tgt[SpO2] = -uniform(r, bradySpO2Min, bradySpO2Max)
		a.k[SpO2] = lag(bradySpO2Onset, dt)
	case KindStuck:
		u := r.Float64()
		a.stuck = HeartRate
		for v, w := range stuckVitalWeights {
			if u < w {
				a.stuck = Vital(v)
				break
			}
			u -= w
		}
	case KindHeatStrain:
		a.rate = uniform(r, heatRateMin, heatRateMax) / 60 * dt
		a.k[HeartRate] = lag(heatHROnset, dt)
	case KindStaminaCrash:
		a.tgt[Stamina] = -uniform(r, crashMin, crashMax)
		a.k[Stamina] = lag(crashOnset, dt)
		a.tgt[HeartRate] = uniform(r, crashHRMin, crashHRMax)
		a.k[HeartRate] = lag(crashHROnset, dt)
	}
}

// end closes the window: every offset decays to zero with the kind's tail.
func (a *anomaly) end(dt float64) {
	tails := [NumVitals]float64{bradyHRTail, bradyStaminaTail, heatTail, bradySpO2Tail}
	switch a.label.Kind {
	case KindTachycardia:
		tails[HeartRate] = tachyTail
	case KindHeatStrain:
		tails[HeartRate] = heatHRTail
	case KindStaminaCrash:
		tails[HeartRate], tails[Stamina] = crashHRTail, crashStaminaTail
	}
	for v := range a.tgt {
		a.tgt[v] = 0
		a.k[v] = lag(tails[v], dt)
	}
	a.label = Label{}
	a.tail = true
}

// offsets adds the window's (or tail's) offsets to the raw readings x at
// tick t; hr is the soldier's underlying noise-free heart rate.
func (a *anomaly) offsets(t int64, hr float64, x *[NumVitals]float64) {
	kind := a.label.Kind
	switch kind {
	case KindBradycardia:
		a.tgt[HeartRate] = a.level - hr
	case KindHeatStrain:
		a.off[CoreTemp] += a.rate
		a.tgt[HeartRate] = heatHRGain * a.off[CoreTemp]
	case KindStaminaCrash:
		if t-a.label.Start >= crashSpikeFor {
			a.tgt[HeartRate] = crashHRHold
		}
	}
	if a.full {
		// Under way before tick 0: the onset is already over.
		for v := range a.off {
			if kind != KindHeatStrain || v != int(CoreTemp) {
				a.off[v] = a.tgt[v]
			}
		}
		a.full = false
	}
	for v := range a.off {
		if kind != KindHeatStrain || v != int(CoreTemp) {
			a.off[v] += (a.tgt[v] - a.off[v]) * a.k[v]
		}
		x[v] += a.off[v]
	}
	if a.artStart <= t && t <= a.artEnd {
		if a.lock {
			x[HeartRate] = a.cadence
		} else {
			x[HeartRate] += a.spike
		}
	}
	if a.tail && math.Abs(a.off[HeartRate]) < tailEpsHR && math.Abs(a.off[Stamina]) < tailEpsSt &&
		math.Abs(a.off[CoreTemp]) < tailEpsTc && math.Abs(a.off[SpO2]) < tailEpsSp {
		a.off = [NumVitals]float64{}
		a.tail = false
	}
}

// sensor imposes the window's sensor faults on the rounded observation.
func (a *anomaly) sensor(o *Observation) {
	switch a.label.Kind {
	case KindDropout:
		for v := range Vital(NumVitals) {
			o.SetMissing(v)
		}
	case KindStuck:
		if !a.held {
			a.heldVal, a.held = o.Values[a.stuck], true
		}
		o.Values[a.stuck] = a.heldVal
	}
}

// busy reports whether the soldier still needs anomaly processing after
// tick t.
func (a *anomaly) busy(t int64) bool {
	return a.label.Kind != KindNone || a.tail || a.artEnd > t
}
