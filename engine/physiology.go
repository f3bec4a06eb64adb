package engine

import (
	"math"
	"math/rand/v2"
)

// phaseParams is what a phase asks of an average soldier.
type phaseParams struct {
	intensity float64 // target fraction of heart-rate reserve (HRR)
	effortSD  float64 // sd of the squad's shared effort fluctuation, fraction of HRR
	stamina   float64 // stamina change, points per minute (negative drains)
	tcRise    float64 // equilibrium core temperature above Tc0 at 20 °C ambient, °C
	spo2Drop  float64 // SpO2 below the soldier's baseline, % points
}

// phaseTable holds the phase parameters. With resting HR 64 and HRmax 190 an
// average soldier's targets are ≈79 bpm at rest, ≈102 on patrol, ≈121 on a
// loaded march, ≈160 in contact and ≈99 in recovery (plus heat and fatigue
// drift), close to the field reference in DESIGN.md.
var phaseTable = [NumPhases]phaseParams{
	PhaseRest:     {intensity: 0.12, effortSD: 0.01, stamina: +1.2, tcRise: 0.40, spo2Drop: 0},
	PhasePatrol:   {intensity: 0.30, effortSD: 0.03, stamina: -0.12, tcRise: 0.75, spo2Drop: 0.3},
	PhaseMarch:    {intensity: 0.45, effortSD: 0.03, stamina: -0.35, tcRise: 1.00, spo2Drop: 0.6},
	PhaseContact:  {intensity: 0.75, effortSD: 0.05, stamina: -1.6, tcRise: 1.50, spo2Drop: 1.2},
	PhaseRecovery: {intensity: 0.28, effortSD: 0.02, stamina: +0.6, tcRise: 0.60, spo2Drop: 0.3},
}

// fitnessParams scales the phase demands by fitness class.
type fitnessParams struct {
	intensity       float64 // multiplier of the phase's %HRR
	tauUp, tauDown  float64 // HR time constants, s: faster up than down
	drain, recovery float64 // multipliers of stamina drain and recovery
	tc              float64 // multiplier of the work-driven core temperature rise
}

var fitnessTable = [NumFitness]fitnessParams{
	FitnessLow:     {intensity: 1.08, tauUp: 25, tauDown: 80, drain: 1.25, recovery: 0.8, tc: 1.10},
	FitnessAverage: {intensity: 1.00, tauUp: 18, tauDown: 60, drain: 1.00, recovery: 1.0, tc: 1.00},
	FitnessHigh:    {intensity: 0.90, tauUp: 12, tauDown: 40, drain: 0.80, recovery: 1.2, tc: 0.92},
}

// Physiological constants.
const (
	hrARTau       = 3.5   // s, correlation time of the beat-to-beat fluctuation
	hrARSD        = 2.0   // bpm, its stationary sd at rest (scaled by 1 + intensity)
	hrWhiteSD     = 1.2   // bpm, white measurement noise
	hrHeatGain    = 6.0   // bpm per °C of core temperature above Tc0 + 0.5 (cardiovascular drift)
	hrFatigueGain = 0.06  // bpm per stamina point below 100
	staminaSD     = 0.15  // points, measurement noise
	tcTauUp       = 720.0 // s, core temperature time constant while warming
	tcTauDown     = 1200.0
	tcSD          = 0.015 // °C, measurement noise
	tcHeatGain    = 0.05  // °C of equilibrium per °C of ambient above 20 °C (unacclimatised)
	tcColdGain    = 0.02  // °C of equilibrium per °C of ambient below 20 °C
	spo2SD        = 0.5   // % points, measurement noise
	effortTau     = 60.0  // s, correlation time of a squad's shared effort fluctuation
)

// lag returns the per-tick factor of a first-order lag with time constant
// tau over a tick of dt seconds: x += (target − x)·lag.
func lag(tau, dt float64) float64 { return -math.Expm1(-dt / tau) }

// soldier is one soldier's hot state: static factors precomputed from the
// profile and the dynamic physiology, noise-free except the AR(1) term.
type soldier struct {
	id     SoldierID
	squad  int32
	active bool // an anomaly window, its tail or an artefact needs applying

	hr0, hrr, hrMax float64 // resting HR, HR reserve, HRmax, bpm
	fit             float64 // multiplier of the phase's %HRR
	kUp, kDown      float64 // HR lag factors per tick
	drain, recovery float64 // stamina multipliers, per tick
	tc0             float64 // resting core temperature, °C
	tcWork          float64 // multiplier of the phase's core temperature rise
	tcHeat          float64 // multiplier of the ambient heat load
	spo2            float64 // baseline SpO2, %

	hr      float64 // underlying HR (noise-free), bpm
	ar      float64 // AR(1) beat-to-beat fluctuation, bpm
	stamina float64 // 0–100
	tc      float64 // core temperature, °C
}

// newSoldier derives a soldier's factors from its profile and hidden
// individual variation drawn from r.
func newSoldier(p Profile, dt float64, r *rand.Rand) soldier {
	f := fitnessTable[p.Fitness%NumFitness]
	ind := clamp(1+0.05*r.NormFloat64(), 0.9, 1.1)
	tauJ := uniform(r, 0.85, 1.15)
	hrMax := max(p.HRMax, p.RestingHR+40)
	massF := 1 + 0.004*(p.Mass-78)
	return soldier{
		id:       p.ID,
		squad:    int32(p.Squad),
		hr0:      p.RestingHR,
		hrr:      hrMax - p.RestingHR,
		hrMax:    hrMax,
		fit:      f.intensity * ind,
		kUp:      lag(f.tauUp*tauJ, dt),
		kDown:    lag(f.tauDown*tauJ, dt),
		drain:    f.drain * uniform(r, 0.9, 1.1) * dt / 60,
		recovery: f.recovery * uniform(r, 0.9, 1.1) * dt / 60,
		tc0:      p.BaseCoreTemp,
		tcWork:   f.tc * massF * (1 - 0.1*p.Acclimatised),
		tcHeat:   1 - 0.6*p.Acclimatised,
		spo2:     uniform(r, 97, 99),
		stamina:  uniform(r, 92, 100),
	}
}

// heatLoad is the ambient part of the core temperature equilibrium for an
// unacclimatised soldier, °C.
func heatLoad(ambient float64) float64 {
	if ambient > 20 {
		return tcHeatGain * (ambient - 20)
	}
	return tcColdGain * (ambient - 20)
}

// hrTarget is the heart rate the soldier's phase, heat and fatigue ask for.
func (s *soldier) hrTarget(intensity float64) float64 {
	x := clamp(intensity*s.fit, 0, 1)
	t := s.hr0 + s.hrr*x + hrHeatGain*max(0, s.tc-s.tc0-0.5) + hrFatigueGain*(100-s.stamina)
	return min(t, s.hrMax)
}

// tcTarget is the core temperature the soldier's work and the heat ask for.
func (s *soldier) tcTarget(tcRise, heat float64) float64 {
	if heat > 0 {
		heat *= s.tcHeat
	}
	return s.tc0 + tcRise*s.tcWork + heat
}

// settle puts the soldier at the equilibrium of a phase (the initial state).
func (s *soldier) settle(sq *squad, heat float64) {
	s.tc = s.tcTarget(sq.tcRise, heat)
	s.hr = s.hrTarget(sq.intensity)
}
