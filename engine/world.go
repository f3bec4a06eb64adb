package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// World describes how the sensors and the plan misbehave: motion artefacts,
// sensor noise and bias, missing readings, drift of the real phases from the
// known schedule, soldiers already unwell at the start, and errors in the
// profiles a scorer is given. The physiology underneath is the same in every
// world.
//
// The zero value of every field is "off" (for the artefact durations: one
// tick), so the zero World is CleanWorld, today's idealised world (one-tick
// artefacts, bounded Gaussian noise, nothing else); FieldWorld is the
// field-realistic one. docs/engine.md gives each default its source.
type World struct {
	// ArtefactMin and ArtefactMax bound a motion artefact's duration. A
	// duration is drawn from a bounded Pareto distribution (shape 1: most
	// short, a heavy tail) and rounded to whole ticks,
	// at least one. Both zero (CleanWorld) means exactly one tick, as today.
	ArtefactMin, ArtefactMax time.Duration
	// ArtefactExertion multiplies Config.ArtefactRate while the squad
	// actually marches or is in contact (arm swing, running); 0 or 1 leaves
	// the rate as it is.
	ArtefactExertion float64
	// CadenceLock is the fraction of artefacts during march or contact in
	// which the optical sensor locks onto the step cadence and reports it as
	// the heart rate, in [0, 1]. The other artefacts are jumps or dips
	// added to the true rate. It applies to lasting artefacts only: with
	// ArtefactMin and ArtefactMax zero every artefact is today's one-tick
	// spike.
	CadenceLock float64
	// CadenceMin and CadenceMax bound the step cadence a locked sensor
	// reports, steps per minute.
	CadenceMin, CadenceMax float64
	// NoiseDF is the degrees of freedom of the Student-t sensor noise, > 2,
	// scaled to the same variance as the Gaussian it replaces; 0 keeps the
	// bounded Gaussian (an Irwin–Hall sum, tails stop at ±3.46 sd).
	NoiseDF float64
	// SensorBias scales each device's constant bias (sd per vital in
	// deviceBiasSD; 1 = the documented sd, 0 = none).
	SensorBias float64
	// SensorDrift scales each device's slow drift, an Ornstein–Uhlenbeck
	// process with time constant driftTau (stationary sd per vital in
	// deviceDriftSD; 1 = the documented sd, 0 = none).
	SensorDrift float64
	// PartialDropoutRate is the mean number of single-vital dropouts per
	// soldier-hour (one vital missing while the others report). They are
	// sensor-world noise, not labelled events.
	PartialDropoutRate float64
	// PartialDropoutMin and PartialDropoutMax bound a partial dropout's
	// duration (bounded Pareto, like artefacts), rounded to whole ticks, at
	// least one.
	PartialDropoutMin, PartialDropoutMax time.Duration
	// MissingRate is the long-run fraction of ticks at which a soldier's
	// whole reading is lost or arrives too late for its tick (radio loss),
	// in [0, 0.5); losses come in bursts (a two-state Gilbert–Elliott
	// chain) of mean length MissingBurst, each at most maxBurstTicks ticks.
	MissingRate float64
	// MissingBurst is the mean length of a burst of lost readings; a mean
	// under one tick is one tick (a burst loses at least one reading), so
	// the field world's 2 s holds at any tick.
	MissingBurst time.Duration
	// ScheduleJitter shifts every actual phase change from the plan by a
	// uniform draw in ±ScheduleJitter. Observation.Phase, NextPhase,
	// PhaseAt and Schedule keep showing the plan.
	ScheduleJitter time.Duration
	// UnplannedContact is the mean number of unplanned contacts per
	// squad-hour: the squad actually fights for unplannedContact, then
	// recovers for unplannedRecovery, while the plan shows its phase.
	UnplannedContact float64
	// StartAnomalous is the fraction of soldiers whose first anomaly window
	// is already under way, at full strength, at tick 0 (label starting at
	// 0), in [0, 1]. It applies only to runs with a poison rate above 0.
	StartAnomalous float64
	// ProfileHRError is the sd of the error of the resting HR the scorer is
	// given, bpm (the physiology uses the true one).
	ProfileHRError float64
	// ProfileAgeError is the sd of the error of the age the scorer is
	// given, years; the given HRmax is the age-predicted one (Tanaka) of the
	// given age whenever this or ProfileHRError is above 0.
	ProfileAgeError float64
}

// World presets: the names --world accepts.
const (
	WorldClean = "clean" // today's idealised world, frame for frame
	WorldField = "field" // the field-realistic sensor world
)

// DefaultWorldName is the preset DefaultConfig starts from: the field
// world, the one the detector is trained in. WorldClean is kept for
// comparison (--world clean); tests about it ask for it explicitly.
const DefaultWorldName = WorldField

// WorldNames lists the presets in the order --help shows them.
var WorldNames = []string{WorldClean, WorldField}

// CleanWorld returns today's idealised sensor world: one-tick artefacts,
// bounded Gaussian noise, no bias, no lost readings, phases exactly as
// planned, every soldier well at tick 0 and exact profiles.
func CleanWorld() World { return World{} }

// FieldWorld returns the field-realistic sensor world (sources of every
// number in docs/engine.md).
func FieldWorld() World {
	return World{
		ArtefactMin: time.Second, ArtefactMax: 30 * time.Second,
		ArtefactExertion: 4,
		CadenceLock:      0.5, CadenceMin: 150, CadenceMax: 170,
		NoiseDF:    4,
		SensorBias: 1, SensorDrift: 1,
		PartialDropoutRate: 0.5, PartialDropoutMin: 5 * time.Second, PartialDropoutMax: 5 * time.Minute,
		MissingRate: 0.02, MissingBurst: 2 * time.Second,
		ScheduleJitter:   time.Minute,
		UnplannedContact: 0.1,
		StartAnomalous:   0.03,
		ProfileHRError:   4, ProfileAgeError: 1,
	}
}

// WorldPreset returns the preset called name ("clean" or "field").
func WorldPreset(name string) (World, error) {
	switch name {
	case WorldClean:
		return CleanWorld(), nil
	case WorldField:
		return FieldWorld(), nil
	}
	return World{}, fmt.Errorf("%w: unknown world %q (want %s)", ErrInvalidConfig, name, strings.Join(WorldNames, " or "))
}

// Constants of the sensor world that are not worth a flag.
const (
	artefactShape       = 1.0   // Pareto shape of artefact and partial-dropout durations
	artefactUpMinField  = 20.0  // bpm, field jump up …
	artefactUpMaxField  = 60.0  //
	artefactDownMinF    = 20.0  // … or dip, bpm
	artefactDownMaxF    = 40.0  //
	artefactDownShare   = 0.35  // share of field jumps that are dips
	cadenceWander       = 1.5   // spm, per-tick sd of a locked cadence
	driftTau            = 3600. // s, time constant of device drift
	maxBurstTicks       = 9     // a lost-reading burst stays shorter than the shortest dropout event (10 s)
	unplannedContactMin = 60.0  // s
	unplannedContactMax = 300.0 //
	unplannedRecovery   = 300.0 // s of recovery after an unplanned contact
	maxJitter           = time.Hour
	maxDuration         = 24 * time.Hour
)

// deviceBiasSD is the sd of a device's constant bias per vital at
// SensorBias 1; deviceDriftSD that of its slow drift at SensorDrift 1.
var (
	deviceBiasSD  = [NumVitals]float64{HeartRate: 3, Stamina: 0, CoreTemp: 0.15, SpO2: 1}
	deviceDriftSD = [NumVitals]float64{HeartRate: 2, Stamina: 0, CoreTemp: 0.1, SpO2: 0.7}
)

// partialVitalWeights is the chance of each vital being the one a partial
// dropout loses (stamina is computed from the others on the device).
var partialVitalWeights = [NumVitals]float64{HeartRate: 0.45, Stamina: 0, CoreTemp: 0.2, SpO2: 0.35}

// validate reports the first thing wrong with w, wrapping ErrInvalidConfig.
func (w World) validate(tick time.Duration) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, a...)...)
	}
	frac := func(x float64) bool { return x >= 0 && x <= 1 }
	fin := func(x, lo, hi float64) bool { return !math.IsNaN(x) && x >= lo && x <= hi }
	switch {
	case (w.ArtefactMin == 0) != (w.ArtefactMax == 0):
		return bad("artefact duration: set both bounds or neither (got %v–%v)", w.ArtefactMin, w.ArtefactMax)
	case w.ArtefactMin < 0 || w.ArtefactMax < w.ArtefactMin || w.ArtefactMax > 10*time.Minute:
		return bad("artefact duration must be 0 ≤ min ≤ max ≤ 10m (got %v–%v)", w.ArtefactMin, w.ArtefactMax)
	case !fin(w.ArtefactExertion, 0, 100):
		return bad("artefact exertion factor must be in [0, 100] (got %v)", w.ArtefactExertion)
	case !frac(w.CadenceLock):
		return bad("cadence lock share must be in [0, 1] (got %v)", w.CadenceLock)
	case w.CadenceLock > 0 && !(w.CadenceMin >= 40 && w.CadenceMin <= w.CadenceMax && w.CadenceMax <= 240):
		return bad("cadence must be 40 ≤ min ≤ max ≤ 240 steps/min (got %v–%v)", w.CadenceMin, w.CadenceMax)
	case w.NoiseDF != 0 && !fin(w.NoiseDF, 2.05, 1e6):
		return bad("noise degrees of freedom must be 0 (Gaussian) or in (2, 1e6] so the variance is finite (got %v)", w.NoiseDF)
	case !fin(w.SensorBias, 0, 10):
		return bad("sensor bias scale must be in [0, 10] (got %v)", w.SensorBias)
	case !fin(w.SensorDrift, 0, 10):
		return bad("sensor drift scale must be in [0, 10] (got %v)", w.SensorDrift)
	case !fin(w.PartialDropoutRate, 0, 3600):
		return bad("partial dropout rate must be in [0, 3600] per soldier-hour (got %v)", w.PartialDropoutRate)
	case w.PartialDropoutRate > 0 && !(w.PartialDropoutMin > 0 && w.PartialDropoutMax >= w.PartialDropoutMin && w.PartialDropoutMax <= maxDuration):
		return bad("partial dropout duration must be 0 < min ≤ max ≤ 24h (got %v–%v)", w.PartialDropoutMin, w.PartialDropoutMax)
	case !(w.MissingRate >= 0 && w.MissingRate < 0.5):
		return bad("missing rate must be in [0, 0.5) (got %v)", w.MissingRate)
	case w.MissingRate > 0 && !(w.MissingBurst > 0 && w.MissingBurst <= maxBurstTicks*tick/2):
		return bad("missing burst must be above 0 and at most %v (got %v)", maxBurstTicks*tick/2, w.MissingBurst)
	case w.ScheduleJitter < 0 || w.ScheduleJitter > maxJitter:
		return bad("schedule jitter must be in [0, %v] (got %v)", maxJitter, w.ScheduleJitter)
	case !fin(w.UnplannedContact, 0, 60):
		return bad("unplanned contact rate must be in [0, 60] per squad-hour (got %v)", w.UnplannedContact)
	case !frac(w.StartAnomalous):
		return bad("start-anomalous fraction must be in [0, 1] (got %v)", w.StartAnomalous)
	case !fin(w.ProfileHRError, 0, 20):
		return bad("profile resting-HR error must be in [0, 20] bpm (got %v)", w.ProfileHRError)
	case !fin(w.ProfileAgeError, 0, 10):
		return bad("profile age error must be in [0, 10] years (got %v)", w.ProfileAgeError)
	}
	return nil
}

// oneTickArtefacts reports whether artefacts last exactly one tick with
// today's amplitudes (the clean world's artefacts).
func (w World) oneTickArtefacts() bool { return w.ArtefactMax == 0 }

// phaseDrift reports whether the actual phases may differ from the plan.
func (w World) phaseDrift() bool { return w.ScheduleJitter > 0 || w.UnplannedContact > 0 }

// deviceErrors reports whether devices have bias or drift.
func (w World) deviceErrors() bool { return w.SensorBias > 0 || w.SensorDrift > 0 }

// lossy reports whether readings get lost outside event windows.
func (w World) lossy() bool { return w.MissingRate > 0 || w.PartialDropoutRate > 0 }

// ParseSpan reads a duration range such as "1-30" (seconds) or "1s-30s" as
// --artefact-secs and --partial-dropout-secs take it; "0" or "" is no range.
func ParseSpan(s string) (lo, hi time.Duration, err error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		b = a
	}
	if lo, err = parseSecs(a); err == nil {
		hi, err = parseSecs(b)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%w: span %q: want MIN-MAX in seconds such as 1-30 (%v)", ErrInvalidConfig, s, err)
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("%w: span %q: max below min", ErrInvalidConfig, s)
	}
	return lo, hi, nil
}

func parseSecs(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if x, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(x) || x < 0 || x > 1e6 {
			return 0, fmt.Errorf("%q out of range", s)
		}
		return time.Duration(x * float64(time.Second)), nil
	}
	return time.ParseDuration(s)
}

// FormatSpan is the inverse of ParseSpan, in seconds: "1-30", or "0".
func FormatSpan(lo, hi time.Duration) string {
	if lo == 0 && hi == 0 {
		return "0"
	}
	f := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'g', -1, 64) }
	return f(lo) + "-" + f(hi)
}

// ParseRange reads a number range such as "150-170".
func ParseRange(s string) (lo, hi float64, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		b = a
	}
	if lo, err = strconv.ParseFloat(strings.TrimSpace(a), 64); err == nil {
		hi, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
	}
	if err != nil || math.IsNaN(lo) || math.IsNaN(hi) || hi < lo {
		return 0, 0, fmt.Errorf("%w: range %q: want MIN-MAX with MIN ≤ MAX such as 150-170", ErrInvalidConfig, s)
	}
	return lo, hi, nil
}

// FormatRange is the inverse of ParseRange.
func FormatRange(lo, hi float64) string {
	return strconv.FormatFloat(lo, 'g', -1, 64) + "-" + strconv.FormatFloat(hi, 'g', -1, 64)
}
