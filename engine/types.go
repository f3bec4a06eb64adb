package engine

import (
	"fmt"
	"math"
	"time"
)

// SoldierID identifies one soldier. Ids start at 1, as the prototype's
// soldier_id did.
type SoldierID int32

// Vital names one measured vital sign.
type Vital uint8

// The vitals every observation carries, in this order.
const (
	HeartRate Vital = iota // beats per minute
	Stamina                // 0–100, a fatigue reserve (100 = fresh)
	CoreTemp               // core body temperature, °C
	SpO2                   // peripheral oxygen saturation, %
	NumVitals = 4
)

var vitalNames = [NumVitals]string{"heart_rate", "stamina", "core_temp", "spo2"}
var vitalUnits = [NumVitals]string{"bpm", "%", "°C", "%"}

// String returns the vital's snake_case name, as used in JSON and files.
func (v Vital) String() string {
	if int(v) < NumVitals {
		return vitalNames[v]
	}
	return fmt.Sprintf("vital(%d)", v)
}

// Unit returns the vital's unit.
func (v Vital) Unit() string {
	if int(v) < NumVitals {
		return vitalUnits[v]
	}
	return ""
}

// ParseVital is the inverse of Vital.String.
func ParseVital(s string) (Vital, error) {
	for i, n := range vitalNames {
		if n == s {
			return Vital(i), nil
		}
	}
	return 0, fmt.Errorf("unknown vital %q", s)
}

// Phase is a squad's activity phase. The schedule of phases is a known
// future input: a scorer may know the phase of the next tick.
type Phase uint8

// The activity phases, from least to most strenuous in intent.
const (
	PhaseRest Phase = iota
	PhasePatrol
	PhaseMarch // march with load
	PhaseContact
	PhaseRecovery
	NumPhases = 5
)

var phaseNames = [NumPhases]string{"rest", "patrol", "march", "contact", "recovery"}

// String returns the phase's lowercase name.
func (p Phase) String() string {
	if int(p) < NumPhases {
		return phaseNames[p]
	}
	return fmt.Sprintf("phase(%d)", p)
}

// ParsePhase is the inverse of Phase.String.
func ParsePhase(s string) (Phase, error) {
	for i, n := range phaseNames {
		if n == s {
			return Phase(i), nil
		}
	}
	return 0, fmt.Errorf("unknown phase %q (want rest, patrol, march, contact or recovery)", s)
}

// FitnessClass is a soldier's aerobic fitness category.
type FitnessClass uint8

// Fitness classes.
const (
	FitnessLow FitnessClass = iota
	FitnessAverage
	FitnessHigh
	NumFitness = 3
)

var fitnessNames = [NumFitness]string{"low", "average", "high"}

// String returns the class's lowercase name.
func (f FitnessClass) String() string {
	if int(f) < NumFitness {
		return fitnessNames[f]
	}
	return fmt.Sprintf("fitness(%d)", f)
}

// ParseFitness is the inverse of FitnessClass.String.
func ParseFitness(s string) (FitnessClass, error) {
	for i, n := range fitnessNames {
		if n == s {
			return FitnessClass(i), nil
		}
	}
	return 0, fmt.Errorf("unknown fitness class %q (want low, average or high)", s)
}

// Profile holds a soldier's static covariates.
type Profile struct {
	ID           SoldierID
	Squad        int          // 0-based squad index
	Age          float64      // years
	Fitness      FitnessClass //
	RestingHR    float64      // bpm
	HRMax        float64      // bpm, ≈ 208 − 0.7·age (Tanaka 2001)
	Mass         float64      // kg
	Acclimatised float64      // heat acclimatisation, 0 (none) to 1 (full)
	BaseCoreTemp float64      // resting core temperature Tc0, °C
}

// DefaultProfile returns the covariates assumed for a soldier nobody has
// described (a 25-year-old of average fitness).
func DefaultProfile(id SoldierID) Profile {
	return Profile{ID: id, Age: 25, Fitness: FitnessAverage, RestingHR: 65,
		HRMax: HRMaxForAge(25), Mass: 78, Acclimatised: 0.5, BaseCoreTemp: 37.0}
}

// HRMaxForAge is the age-predicted maximal heart rate of Tanaka et al. (2001):
// 208 − 0.7·age, in bpm.
func HRMaxForAge(age float64) float64 { return 208 - 0.7*age }

// PSI is the Physiological Strain Index of Moran et al. (1998):
//
//	PSI = 5(Tc − Tc0)/(39.5 − Tc0) + 5(HR − HR0)/(180 − HR0)
//
// clamped to 0–10, with core temperature in °C and heart rate in bpm; Tc0 and
// HR0 are the resting values. PSI ≥ 7.5 is the usual heat-injury risk line.
// It returns NaN if either reading is NaN.
func PSI(tc, hr, tc0, hr0 float64) float64 {
	if math.IsNaN(tc) || math.IsNaN(hr) {
		return math.NaN()
	}
	p := 5*(tc-tc0)/(39.5-tc0) + 5*(hr-hr0)/(180-hr0)
	return min(max(p, 0), 10)
}

// Mask is a set of vitals, one bit per Vital.
type Mask uint8

// Has reports whether v is in the set.
func (m Mask) Has(v Vital) bool { return m&(1<<v) != 0 }

// With returns the set with v added.
func (m Mask) With(v Vital) Mask { return m | 1<<v }

// Observation is one soldier's readings at one tick together with the known
// inputs for that tick. A missing reading is explicit: its bit is set in
// Missing and its value is NaN, never zero.
type Observation struct {
	Soldier   SoldierID
	T         int64              // tick: simulated seconds since the scenario start
	Values    [NumVitals]float64 // readings, indexed by Vital; NaN where missing
	Missing   Mask               // vitals with no reading at this tick
	Phase     Phase              // the squad's phase at T (known input)
	NextPhase Phase              // the squad's phase at T+1 (known future input)
	// PhaseGuessed is set when nobody reported the phase: Phase and
	// NextPhase are a guess (an HTTP observation without "phase" gets the
	// monitor's own forecast or the server's default). A scorer then judges
	// heart rate against the soldier's own baseline instead of the phase's
	// band. The simulation never sets it and recordings do not carry it.
	PhaseGuessed bool
	Ambient      float64 // ambient temperature at T, °C (known input)
}

// Value returns the reading of v and whether it is present.
func (o *Observation) Value(v Vital) (float64, bool) {
	if o.Missing.Has(v) {
		return math.NaN(), false
	}
	return o.Values[v], true
}

// SetMissing marks v as missing at this tick.
func (o *Observation) SetMissing(v Vital) {
	o.Missing = o.Missing.With(v)
	o.Values[v] = math.NaN()
}

// AnomalyKind is the kind of a ground-truth label.
type AnomalyKind uint8

// Anomaly kinds. KindArtefact labels a one-sample motion artefact, which is
// a non-event: alerting on it counts as a false alert.
const (
	KindNone         AnomalyKind = iota
	KindTachycardia              // episode of abnormally high heart rate
	KindBradycardia              // bradycardia or collapse (casualty)
	KindDropout                  // sensor dropout: readings missing
	KindStuck                    // stuck sensor: a reading frozen at one value
	KindHeatStrain               // core temperature drifting up (heat strain)
	KindStaminaCrash             // sudden loss of stamina (injury)
	KindArtefact                 // one-sample motion artefact (a non-event)
	NumKinds         = 8
)

var kindNames = [NumKinds]string{"none", "tachycardia", "bradycardia", "dropout", "stuck", "heat_strain", "stamina_crash", "artefact"}

// String returns the kind's snake_case name.
func (k AnomalyKind) String() string {
	if int(k) < NumKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind is the inverse of AnomalyKind.String.
func ParseKind(s string) (AnomalyKind, error) {
	for i, n := range kindNames {
		if n == s {
			return AnomalyKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown anomaly kind %q", s)
}

// IsEvent reports whether a label of this kind is an event a detector should
// alert on (every kind but KindNone and KindArtefact).
func (k AnomalyKind) IsEvent() bool { return k != KindNone && k != KindArtefact }

// Label is one ground-truth anomaly window: soldier, first and last tick
// (inclusive) and kind. Labels travel beside observations and are never
// shown to a scorer.
type Label struct {
	Soldier SoldierID
	Start   int64 // first tick inside the window
	End     int64 // last tick inside the window (inclusive)
	Kind    AnomalyKind
}

// Contains reports whether tick t lies inside the label's window.
func (l Label) Contains(t int64) bool { return l.Start <= t && t <= l.End }

// Frame is everything one tick produced: one observation per soldier, sorted
// by soldier id, plus the ground truth active at that tick. Frames handed to
// consumers are immutable values: their slices are not reused.
type Frame struct {
	T     int64         // tick
	Time  time.Time     // simulated wall-clock time of the tick
	Obs   []Observation // one per soldier, sorted by Soldier
	Truth []Label       // labels whose window contains T (scorers never see these)
}

// PSI returns the observation's Physiological Strain Index (Moran 1998)
// against the soldier's resting values in p; NaN if heart rate or core
// temperature is missing.
func (o *Observation) PSI(p Profile) float64 {
	return PSI(o.Values[CoreTemp], o.Values[HeartRate], p.BaseCoreTemp, p.RestingHR)
}

// Clone returns a copy of f whose slices share nothing with f.
func (f Frame) Clone() Frame {
	c := f
	c.Obs = append([]Observation(nil), f.Obs...)
	c.Truth = append([]Label(nil), f.Truth...)
	return c
}
