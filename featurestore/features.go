package featurestore

import (
	"fmt"
	"math"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Kind says where a feature's value comes from.
type Kind uint8

// Feature kinds, in the TFT's vocabulary.
const (
	// Observed features are measured every tick and may be missing
	// (explicitly: Missing bit set, value NaN).
	Observed Kind = iota
	// Known features are known inputs: known for the current tick and, for
	// the phase, the next one.
	Known
	// Static features are per-soldier covariates from engine.Profile.
	Static
	// Derived features are computed from a window by Derive.
	Derived
)

var kindNames = [...]string{"observed", "known", "static", "derived"}

// String returns the kind's lowercase name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Feature describes one feature: its name (as used in files and JSON), where
// it comes from, its unit and its valid range. A value outside [Min, Max] is
// physically impossible (or a unit error) and is refused at ingest.
type Feature struct {
	Name     string
	Kind     Kind
	Unit     string
	Min, Max float64 // valid range, inclusive
	Doc      string
}

// Contains reports whether x is a finite value inside the valid range.
func (f Feature) Contains(x float64) bool {
	return !math.IsNaN(x) && !math.IsInf(x, 0) && f.Min <= x && x <= f.Max
}

// check returns a *RangeError if x is not valid for f.
func (f Feature) check(x float64) error {
	if f.Contains(x) {
		return nil
	}
	return &RangeError{Feature: f.Name, Value: x, Min: f.Min, Max: f.Max, Unit: f.Unit}
}

// The feature table: the one place where names, units and valid ranges are
// defined. The first engine.NumVitals entries are the vitals, in engine.Vital
// order.
var features = [...]Feature{
	// Observed vitals. The ranges are wide on purpose: they reject the
	// impossible (a negative heart rate, SpO2 above 100 %, a core temperature
	// nobody survives), not the alarming — alarming values are what the
	// detector is for. HR 0 is kept valid: asystole is a reading.
	{"heart_rate", Observed, "bpm", 0, 300, "heart rate"},
	{"stamina", Observed, "%", 0, 100, "fatigue reserve, 100 = fresh"},
	{"core_temp", Observed, "°C", 25, 45, "core body temperature"},
	{"spo2", Observed, "%", 0, 100, "peripheral oxygen saturation"},

	// Known inputs.
	{"phase", Known, "category", 0, engine.NumPhases - 1, "squad activity phase at the tick (engine.Phase)"},
	{"next_phase", Known, "category", 0, engine.NumPhases - 1, "squad activity phase at the next tick (known future input)"},
	{"ambient", Known, "°C", -60, 60, "ambient air temperature"},
	{"time_of_day", Known, "h", 0, 24, "hour of the day of the tick, see TimeOfDay"},

	// Static covariates (engine.Profile).
	{"squad", Static, "index", 0, 1 << 20, "0-based squad index"},
	{"age", Static, "years", 16, 70, "age"},
	{"fitness", Static, "category", 0, engine.NumFitness - 1, "aerobic fitness class (engine.FitnessClass)"},
	{"resting_hr", Static, "bpm", 25, 120, "resting heart rate HR0"},
	{"hr_max", Static, "bpm", 100, 240, "maximal heart rate"},
	{"mass", Static, "kg", 35, 200, "body mass"},
	{"acclimatised", Static, "fraction", 0, 1, "heat acclimatisation, 0 none to 1 full"},
	{"base_core_temp", Static, "°C", 35.5, 38.5, "resting core temperature Tc0"},

	// Derived features (Derive). Deltas are per simulated second (unit of
	// Observation.T); rolling statistics cover the last span rows, present
	// readings only.
	{"delta_heart_rate", Derived, "bpm/s", -300, 300, "heart-rate change per second since the previous row"},
	{"delta_stamina", Derived, "%/s", -100, 100, "stamina change per second since the previous row"},
	{"delta_core_temp", Derived, "°C/s", -20, 20, "core-temperature change per second since the previous row"},
	{"delta_spo2", Derived, "%/s", -100, 100, "SpO2 change per second since the previous row"},
	{"mean_heart_rate", Derived, "bpm", 0, 300, "rolling mean of heart rate"},
	{"mean_stamina", Derived, "%", 0, 100, "rolling mean of stamina"},
	{"mean_core_temp", Derived, "°C", 25, 45, "rolling mean of core temperature"},
	{"mean_spo2", Derived, "%", 0, 100, "rolling mean of SpO2"},
	{"std_heart_rate", Derived, "bpm", 0, 150, "rolling standard deviation of heart rate"},
	{"std_stamina", Derived, "%", 0, 50, "rolling standard deviation of stamina"},
	{"std_core_temp", Derived, "°C", 0, 10, "rolling standard deviation of core temperature"},
	{"std_spo2", Derived, "%", 0, 50, "rolling standard deviation of SpO2"},
	{"psi", Derived, "index", 0, 10, "Physiological Strain Index (Moran 1998), engine.PSI"},
}

// Features returns a copy of the feature table, vitals first (in
// engine.Vital order), then known inputs, static covariates and derived
// features.
func Features() []Feature {
	out := make([]Feature, len(features))
	copy(out, features[:])
	return out
}

// FeatureByName returns the feature called name.
func FeatureByName(name string) (Feature, bool) {
	for _, f := range features {
		if f.Name == name {
			return f, true
		}
	}
	return Feature{}, false
}

// VitalFeature returns the definition of vital v. It panics if v is not a
// vital (a programmer error).
func VitalFeature(v engine.Vital) Feature {
	if int(v) >= engine.NumVitals {
		panic(fmt.Sprintf("featurestore: %v is not a vital", v))
	}
	return features[v]
}

var ambientFeature, _ = FeatureByName("ambient")

// Valid returns nil if x is a possible reading of vital v, a *RangeError
// (matching ErrOutOfRange) if it is outside v's valid range or not a finite
// number, and an error matching ErrInvalid if v is not a vital. A missing
// reading is not a value: mark it missing instead of validating NaN.
func Valid(v engine.Vital, x float64) error {
	if int(v) >= engine.NumVitals {
		return fmt.Errorf("validate %v: %w: not a vital", v, ErrInvalid)
	}
	return features[v].check(x)
}

// ValidateObservation checks an observation arriving from outside: every
// present reading within its valid range, every missing reading NaN with its
// Missing bit set, phases that exist, a plausible ambient temperature and a
// tick within ±2^53. It returns the first problem found.
func ValidateObservation(o *engine.Observation) error {
	if err := CheckTick(o.T); err != nil {
		return err
	}
	for v := range engine.Vital(engine.NumVitals) {
		x := o.Values[v]
		if o.Missing.Has(v) {
			if !math.IsNaN(x) {
				return fmt.Errorf("soldier %d tick %d: %v is marked missing but holds %g: %w", o.Soldier, o.T, v, x, ErrInvalid)
			}
			continue
		}
		if math.IsNaN(x) {
			return fmt.Errorf("soldier %d tick %d: %v is NaN without its missing bit: %w", o.Soldier, o.T, v, ErrInvalid)
		}
		if err := features[v].check(x); err != nil {
			return fmt.Errorf("soldier %d tick %d: %w", o.Soldier, o.T, err)
		}
	}
	if o.Phase >= engine.NumPhases || o.NextPhase >= engine.NumPhases {
		return fmt.Errorf("soldier %d tick %d: phase %d/%d does not exist: %w", o.Soldier, o.T, o.Phase, o.NextPhase, ErrInvalid)
	}
	if err := ambientFeature.check(o.Ambient); err != nil {
		return fmt.Errorf("soldier %d tick %d: %w", o.Soldier, o.T, err)
	}
	return nil
}

// maxTick bounds |T|: ticks must survive a float64 round trip (Redis's Lua
// numbers are doubles).
const maxTick = 1 << 53

// CheckTick returns an error matching ErrInvalid if tick t (simulated
// seconds) is at or beyond ±2^53, where a float64 no longer holds every
// integer: every store refuses such rows.
func CheckTick(t int64) error {
	if t <= -maxTick || t >= maxTick {
		return fmt.Errorf("tick %d beyond ±2^53: %w", t, ErrInvalid)
	}
	return nil
}

// TimeOfDay returns the hour of the day, in [0, 24), at T = t (simulated
// seconds) of a scenario whose T = 0 fell at start, in start's location.
func TimeOfDay(start time.Time, t int64) float64 {
	at := start.Add(time.Duration(t) * time.Second)
	h, m, s := at.Clock()
	return float64(h) + float64(m)/60 + (float64(s)+float64(at.Nanosecond())/1e9)/3600
}

// DefaultSpan is the number of rows the rolling statistics of Derive cover
// when a caller has no better idea.
const DefaultSpan = 10

// DerivedRow holds the derived features of one row. Every field is NaN when
// its inputs are missing.
type DerivedRow struct {
	// Delta is the change per second (unit of T) since the previous row,
	// (x_i − x_{i−1}) / (T_i − T_{i−1}); NaN if either reading is missing or
	// there is no previous row.
	Delta [engine.NumVitals]float64
	// Mean and Std are the mean and population standard deviation of the
	// present readings among the last span rows (this one included); Std is
	// 0 with one reading, both are NaN with none.
	Mean [engine.NumVitals]float64
	Std  [engine.NumVitals]float64
	// PSI is engine.PSI of the row's core temperature and heart rate against
	// the profile's resting values.
	PSI float64
}

// present returns the reading of v in o, or NaN if it is missing.
func present(o *engine.Observation, v engine.Vital) float64 {
	if o.Missing.Has(v) {
		return math.NaN()
	}
	return o.Values[v]
}

// DeriveAt computes the derived features of rows[i] from rows[:i+1] only:
// nothing after row i is read, so the features are safe to use as inputs at
// row i's tick. rows must be one soldier's rows in tick order. It does not
// allocate.
func DeriveAt(p *engine.Profile, rows []engine.Observation, i, span int) DerivedRow {
	var d DerivedRow
	o := &rows[i]
	lo := max(0, i-max(span, 1)+1)
	for v := range engine.Vital(engine.NumVitals) {
		x := present(o, v)
		d.Delta[v] = math.NaN()
		if i > 0 {
			prev := &rows[i-1]
			if dt := o.T - prev.T; dt > 0 {
				d.Delta[v] = (x - present(prev, v)) / float64(dt) // NaN propagates
			}
		}
		var sum float64
		n := 0
		for j := lo; j <= i; j++ {
			if y := present(&rows[j], v); !math.IsNaN(y) {
				sum += y
				n++
			}
		}
		if n == 0 {
			d.Mean[v], d.Std[v] = math.NaN(), math.NaN()
			continue
		}
		mean := sum / float64(n)
		var ss float64
		for j := lo; j <= i; j++ {
			if y := present(&rows[j], v); !math.IsNaN(y) {
				ss += (y - mean) * (y - mean)
			}
		}
		d.Mean[v], d.Std[v] = mean, math.Sqrt(ss/float64(n))
	}
	d.PSI = engine.PSI(present(o, engine.CoreTemp), present(o, engine.HeartRate), p.BaseCoreTemp, p.RestingHR)
	return d
}

// Derive computes the derived features of every row of a window (one
// soldier's rows in tick order), each from that row and the rows before it,
// into dst, which is grown to len(rows) and returned. It allocates only when
// dst is too short.
func Derive(p *engine.Profile, rows []engine.Observation, span int, dst []DerivedRow) []DerivedRow {
	if cap(dst) < len(rows) {
		dst = make([]DerivedRow, len(rows))
	}
	dst = dst[:len(rows)]
	for i := range rows {
		dst[i] = DeriveAt(p, rows, i, span)
	}
	return dst
}
