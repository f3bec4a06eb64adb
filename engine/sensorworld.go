package engine

import (
	"math"
	"math/rand/v2"
)

// sensorWorld is the Sim's state of the World beyond the clean one. Every
// draw it makes comes from its own streams (streamArtefactShape …
// streamProfileError), never from the clean world's, so a clean run draws
// exactly what it drew before the sensor world existed.
type sensorWorld struct {
	w World

	shape  *rand.Rand // artefact durations, amplitudes, cadence, thinning
	tnoise *studentT  // Student-t sensor noise (nil: bounded Gaussian)
	drift  *rand.Rand // per-tick drift innovations (nil: no device errors)
	loss   *rand.Rand // lost readings and partial dropouts (nil: none)

	artFactor float64 // ArtefactExertion when it raises the rate, else 1
	dev       []device
	lost      []lossState
	actual    []actualPhases // per squad (nil: phases as planned)

	driftPhi, driftInnov float64
	burstEnter           float64 // per-tick chance of a lost-reading burst starting
	burstLeave           float64 // per-tick chance of it ending
	partialP             float64 // per-tick chance of a partial dropout starting
	partialCum           [NumVitals]float64
}

// device is one soldier's sensor errors: a constant bias and a slow
// Ornstein–Uhlenbeck drift per vital.
type device struct {
	bias, drift, driftSD [NumVitals]float64
}

// lossState is one soldier's lost-reading burst and partial dropout.
type lossState struct {
	burst      int   // ticks of the current burst so far (0: none)
	partial    Vital // the vital a partial dropout has lost
	partialEnd int64 // its last tick (−1: none)
}

// actualPhases is one squad's actual phase changes: the plan's, each
// shifted by the jitter, and unplanned contacts on top.
type actualPhases struct {
	rng          *rand.Rand
	starts       []int64 // actual start of plan segment i
	cur          int     // plan segment actually under way
	nextContact  int64   // tick of the next unplanned contact onset (MaxInt64: none)
	contactUntil int64   // first tick after the current unplanned contact
	recoverUntil int64   // first tick after the recovery that follows it
}

// newSensorWorld prepares the sensor world of cfg for n soldiers in nsq
// squads; it returns nil for the clean world.
func newSensorWorld(cfg Config, n, nsq int, dt float64) *sensorWorld {
	w := cfg.World
	if w == CleanWorld() {
		return nil
	}
	sw := &sensorWorld{w: w, artFactor: 1}
	sw.shape = newStream(cfg.Seed, streamArtefactShape, 0)
	if w.ArtefactExertion > 1 {
		sw.artFactor = w.ArtefactExertion
	}
	if w.NoiseDF > 0 {
		t := newStudentT(newStream(cfg.Seed, streamStudentT, 0), w.NoiseDF)
		sw.tnoise = &t
	}
	if w.deviceErrors() {
		init := newStream(cfg.Seed, streamDevice, 0)
		sw.drift = newStream(cfg.Seed, streamDevice, 1)
		sw.driftPhi = math.Exp(-dt / driftTau)
		sw.driftInnov = math.Sqrt(1 - sw.driftPhi*sw.driftPhi)
		sw.dev = make([]device, n)
		for i := range sw.dev {
			d := &sw.dev[i]
			for v := range d.bias {
				d.bias[v] = w.SensorBias * deviceBiasSD[v] * clamp(init.NormFloat64(), -3, 3)
				d.driftSD[v] = w.SensorDrift * deviceDriftSD[v]
				d.drift[v] = d.driftSD[v] * init.NormFloat64()
			}
		}
	}
	if w.lossy() {
		sw.loss = newStream(cfg.Seed, streamLoss, 0)
		sw.lost = make([]lossState, n)
		for i := range sw.lost {
			sw.lost[i].partialEnd = -1
		}
		if r := w.MissingRate; r > 0 {
			m := w.MissingBurst.Seconds() / dt // mean burst, ticks, before the cap
			sw.burstLeave = 1 / max(m, 1)
			// Mean of a geometric length capped at maxBurstTicks.
			capped := (1 - math.Pow(1-sw.burstLeave, maxBurstTicks)) / sw.burstLeave
			sw.burstEnter = r / (capped * (1 - r))
		}
		sw.partialP = -math.Expm1(-w.PartialDropoutRate * dt / 3600)
		var acc float64
		for v, wt := range partialVitalWeights {
			acc += wt
			sw.partialCum[v] = acc
		}
	}
	if w.phaseDrift() {
		sw.actual = make([]actualPhases, nsq)
		for q := range sw.actual {
			ap := &sw.actual[q]
			ap.rng = newStream(cfg.Seed, streamActual, uint64(q))
			ap.starts = []int64{0}
			ap.nextContact = math.MaxInt64
			if w.UnplannedContact > 0 {
				ap.nextContact = wholeTicks(ap.rng.ExpFloat64()*3600/w.UnplannedContact, dt)
			}
		}
	}
	return sw
}

// wholeTicks rounds seconds to a whole number of ticks of dt seconds, at least
// one, and returns it in seconds.
func wholeTicks(seconds, dt float64) int64 {
	n := int64(math.Round(seconds / dt))
	return max(n, 1) * int64(dt)
}

// phase returns squad q's actual phase at tick t (t never decreases between
// calls) given its plan sc.
func (sw *sensorWorld) phase(q int, sc *schedule, t int64, dt float64) Phase {
	ap := &sw.actual[q]
	jit := sw.w.ScheduleJitter.Seconds()
	for {
		i := ap.cur + 1
		for len(ap.starts) <= i {
			k := len(ap.starts)
			for len(sc.segs) <= k {
				sc.extend()
			}
			start := sc.segs[k].Start
			if jit > 0 {
				start += int64(math.Round(uniform(ap.rng, -jit, jit)/dt)) * int64(dt)
			}
			ap.starts = append(ap.starts, max(start, ap.starts[k-1]+int64(dt)))
		}
		if t < ap.starts[i] {
			break
		}
		ap.cur = i
	}
	p := sc.segs[ap.cur].Phase
	for t >= ap.nextContact {
		if t >= ap.recoverUntil && p != PhaseContact && p != PhaseRecovery {
			ap.contactUntil = t + wholeTicks(uniform(ap.rng, unplannedContactMin, unplannedContactMax), dt)
			ap.recoverUntil = ap.contactUntil + wholeTicks(unplannedRecovery, dt)
		}
		ap.nextContact += wholeTicks(ap.rng.ExpFloat64()*3600/sw.w.UnplannedContact, dt)
	}
	switch {
	case t < ap.contactUntil:
		return PhaseContact
	case t < ap.recoverUntil:
		return PhaseRecovery
	}
	return p
}

// noise replaces the bounded Gaussian noise e with Student-t draws.
func (sw *sensorWorld) noise(e *[NumVitals]float64) {
	for v := range e {
		e[v] = sw.tnoise.draw()
	}
}

// deviceError steps soldier i's drift and adds bias and drift to x.
func (sw *sensorWorld) deviceError(i int, x *[NumVitals]float64) {
	d := &sw.dev[i]
	for v := range x {
		if d.driftSD[v] > 0 {
			d.drift[v] = sw.driftPhi*d.drift[v] + sw.driftInnov*d.driftSD[v]*sw.drift.NormFloat64()
		}
		x[v] += d.bias[v] + d.drift[v]
	}
}

// lose imposes lost-reading bursts and partial dropouts on soldier i's
// observation at tick t.
func (sw *sensorWorld) lose(i int, t int64, dt float64, o *Observation) {
	ls := &sw.lost[i]
	if sw.burstEnter > 0 {
		u := sw.loss.Float64()
		if ls.burst == 0 && u < sw.burstEnter {
			ls.burst = 1
		} else if ls.burst > 0 && (u < sw.burstLeave || ls.burst >= maxBurstTicks) {
			ls.burst = 0
		} else if ls.burst > 0 {
			ls.burst++
		}
		if ls.burst > 0 {
			for v := range Vital(NumVitals) {
				o.SetMissing(v)
			}
		}
	}
	if sw.partialP > 0 {
		if ls.partialEnd < t && sw.loss.Float64() < sw.partialP {
			u := sw.loss.Float64() * sw.partialCum[NumVitals-1]
			for v := range sw.partialCum {
				if partialVitalWeights[v] > 0 && u < sw.partialCum[v] {
					ls.partial = Vital(v)
					break
				}
			}
			w := sw.w
			d := boundedPareto(sw.loss, w.PartialDropoutMin.Seconds(), w.PartialDropoutMax.Seconds(), artefactShape)
			ls.partialEnd = t + wholeTicks(d, dt) - int64(dt)
		}
		if ls.partialEnd >= t {
			o.SetMissing(ls.partial)
		}
	}
}

// exertion reports whether a phase shakes a wrist sensor hard enough for
// more artefacts and cadence lock.
func exertion(p Phase) bool { return p == PhaseMarch || p == PhaseContact }

// artefact draws a field artefact's span (seconds, whole ticks) and shape
// for a squad in phase p into a.
func (sw *sensorWorld) artefact(a *anomaly, p Phase, dt float64) int64 {
	w := sw.w
	r := sw.shape
	span := wholeTicks(boundedPareto(r, w.ArtefactMin.Seconds(), w.ArtefactMax.Seconds(), artefactShape), dt)
	a.lock = false
	switch {
	case exertion(p) && r.Float64() < w.CadenceLock:
		a.lock, a.cadence = true, uniform(r, w.CadenceMin, w.CadenceMax)
	case r.Float64() < artefactDownShare:
		a.spike = -uniform(r, artefactDownMinF, artefactDownMaxF)
	default:
		a.spike = uniform(r, artefactUpMinField, artefactUpMaxField)
	}
	return span
}

// wander moves a locked cadence by a small step, inside the cadence range.
func (sw *sensorWorld) wander(a *anomaly) {
	a.cadence = clamp(a.cadence+cadenceWander*sw.shape.NormFloat64(), sw.w.CadenceMin, sw.w.CadenceMax)
}

// misreport returns the profiles a scorer is given: ps with the resting HR
// and age off by the world's profile errors (each draw bounded at ±3 sd)
// and HRmax the age-predicted one of the given age. With no profile error
// it returns ps itself.
func misreport(ps []Profile, w World, seed uint64) []Profile {
	if w.ProfileHRError == 0 && w.ProfileAgeError == 0 {
		return ps
	}
	r := newStream(seed, streamProfileError, 0)
	out := make([]Profile, len(ps))
	for i, p := range ps {
		hrErr := w.ProfileHRError * clamp(r.NormFloat64(), -3, 3)
		ageErr := w.ProfileAgeError * clamp(r.NormFloat64(), -3, 3)
		p.RestingHR = clamp(math.Round(p.RestingHR+hrErr), 30, 120)
		p.Age = clamp(math.Round(p.Age+ageErr), 16, 70)
		p.HRMax = math.Round(HRMaxForAge(p.Age))
		out[i] = p
	}
	return out
}
