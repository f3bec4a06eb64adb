package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// worldFlags are --world and one flag per sensor-world property. A property
// flag given on the command line or in the environment overrides the preset
// --world names; the others keep the preset's value.
type worldFlags struct {
	preset string
	props  []*worldValue
}

// worldValue is one property flag: its text, whether it was given, and how
// to apply it to a World.
type worldValue struct {
	text  string
	given bool
	apply func(w *engine.World, s string) error
}

// String returns the flag's text (flag.Value).
func (v *worldValue) String() string { return v.text }

// Set checks s on a scratch world and keeps it (flag.Value).
func (v *worldValue) Set(s string) error {
	var scratch engine.World
	if err := v.apply(&scratch, s); err != nil {
		return err
	}
	v.text, v.given = s, true
	return nil
}

// worldProp describes one property flag.
type worldProp struct {
	name, usage, example string
	show                 func(engine.World) string // the preset's value as flag text
	apply                func(w *engine.World, s string) error
}

func floatProp(name, usage, example string, field func(*engine.World) *float64) worldProp {
	return worldProp{name: name, usage: usage, example: example,
		show: func(w engine.World) string { return strconv.FormatFloat(*field(&w), 'g', -1, 64) },
		apply: func(w *engine.World, s string) error {
			x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("want a number, got %q", s)
			}
			*field(w) = x
			return nil
		}}
}

func durationProp(name, usage, example string, field func(*engine.World) *time.Duration) worldProp {
	return worldProp{name: name, usage: usage, example: example,
		show: func(w engine.World) string { return field(&w).String() },
		apply: func(w *engine.World, s string) error {
			s = strings.TrimSpace(s)
			d, err := time.ParseDuration(s)
			if err != nil {
				x, ferr := strconv.ParseFloat(s, 64)
				if ferr != nil || math.IsNaN(x) || math.Abs(x) > 1e9 {
					return fmt.Errorf("want a duration such as 60s, got %q", s)
				}
				d = time.Duration(x * float64(time.Second))
			}
			*field(w) = d
			return nil
		}}
}

func spanProp(name, usage, example string, lo, hi func(*engine.World) *time.Duration) worldProp {
	return worldProp{name: name, usage: usage, example: example,
		show: func(w engine.World) string { return engine.FormatSpan(*lo(&w), *hi(&w)) },
		apply: func(w *engine.World, s string) error {
			a, b, err := engine.ParseSpan(s)
			if err != nil {
				return err
			}
			*lo(w), *hi(w) = a, b
			return nil
		}}
}

// worldProps lists the property flags in the order of engine.World.
var worldProps = []worldProp{
	spanProp("artefact-secs", "motion artefact duration range, seconds (heavy-tailed: most short; 0: exactly one tick)", "1-30",
		func(w *engine.World) *time.Duration { return &w.ArtefactMin }, func(w *engine.World) *time.Duration { return &w.ArtefactMax }),
	floatProp("artefact-exertion", "artefact rate multiplier during march and contact (0 or 1: same rate in every phase)", "4",
		func(w *engine.World) *float64 { return &w.ArtefactExertion }),
	floatProp("cadence-lock", "share of march/contact artefacts in which the optical HR locks onto the step cadence, 0–1", "0.5",
		func(w *engine.World) *float64 { return &w.CadenceLock }),
	{name: "cadence", usage: "step cadence a locked optical HR sensor reports, steps/min MIN-MAX", example: "150-170",
		show: func(w engine.World) string { return engine.FormatRange(w.CadenceMin, w.CadenceMax) },
		apply: func(w *engine.World, s string) error {
			a, b, err := engine.ParseRange(s)
			w.CadenceMin, w.CadenceMax = a, b
			return err
		}},
	floatProp("noise-df", "Student-t degrees of freedom of sensor noise, > 2 (0: bounded Gaussian)", "4",
		func(w *engine.World) *float64 { return &w.NoiseDF }),
	floatProp("sensor-bias", "scale of each device's constant bias (1: HR sd 3 bpm, core 0.15 °C, SpO2 1 %; 0: none)", "1",
		func(w *engine.World) *float64 { return &w.SensorBias }),
	floatProp("sensor-drift", "scale of each device's slow drift, τ 1 h (1: HR sd 2 bpm, core 0.1 °C, SpO2 0.7 %; 0: none)", "1",
		func(w *engine.World) *float64 { return &w.SensorDrift }),
	floatProp("partial-dropout-rate", "one vital missing while the others report, per soldier-hour (not labelled)", "0.5",
		func(w *engine.World) *float64 { return &w.PartialDropoutRate }),
	spanProp("partial-dropout-secs", "partial dropout duration range, seconds (heavy-tailed)", "5-300",
		func(w *engine.World) *time.Duration { return &w.PartialDropoutMin }, func(w *engine.World) *time.Duration { return &w.PartialDropoutMax }),
	floatProp("missing-rate", "fraction of readings lost or too late for their tick, in bursts, [0, 0.5) (not labelled)", "0.02",
		func(w *engine.World) *float64 { return &w.MissingRate }),
	durationProp("missing-burst", "mean length of a burst of lost readings (each at most 9 ticks)", "2s",
		func(w *engine.World) *time.Duration { return &w.MissingBurst }),
	durationProp("schedule-jitter", "actual phase changes drift from the known plan by up to ± this", "60s",
		func(w *engine.World) *time.Duration { return &w.ScheduleJitter }),
	floatProp("unplanned-contact", "unplanned contacts per squad-hour (1–5 min of contact, then 5 min recovery; the plan does not show them)", "0.1",
		func(w *engine.World) *float64 { return &w.UnplannedContact }),
	floatProp("start-anomalous", "fraction of soldiers already inside an anomaly at tick 0 (needs --poison-rate > 0)", "0.03",
		func(w *engine.World) *float64 { return &w.StartAnomalous }),
	floatProp("profile-hr-error", "sd of the error of the resting HR the scorer is given, bpm", "4",
		func(w *engine.World) *float64 { return &w.ProfileHRError }),
	floatProp("profile-age-error", "sd of the error of the age the scorer is given, years (its HRmax then follows the given age)", "1",
		func(w *engine.World) *float64 { return &w.ProfileAgeError }),
}

// addWorldFlags registers --world and the property flags on c.
func addWorldFlags(c *command) *worldFlags {
	f := &worldFlags{}
	presets := make([]engine.World, len(engine.WorldNames))
	for i, n := range engine.WorldNames {
		presets[i], _ = engine.WorldPreset(n)
	}
	c.fs.StringVar(&f.preset, "world", engine.DefaultWorldName,
		"sensor world preset: "+strings.Join(engine.WorldNames, " (idealised sensors, for comparison) or ")+
			" (realistic artefacts, noise, losses, schedule drift, profile errors); the flags below override it")
	c.example("world", engine.WorldClean)
	for _, p := range worldProps {
		var notes []string
		for i, n := range engine.WorldNames {
			notes = append(notes, n+" "+p.show(presets[i]))
		}
		v := &worldValue{apply: p.apply} // no single default: the bracket shows each preset's
		c.fs.Var(v, p.name, p.usage+" ["+strings.Join(notes, ", ")+"]")
		c.example(p.name, p.example)
		f.props = append(f.props, v)
	}
	return f
}

// world returns the preset with every given property flag applied.
func (f *worldFlags) world() (engine.World, error) {
	w, err := engine.WorldPreset(strings.TrimSpace(f.preset))
	if err != nil {
		return w, fmt.Errorf("--world: %w", err)
	}
	for i, v := range f.props {
		if v.given {
			if err := v.apply(&w, v.text); err != nil {
				return w, fmt.Errorf("--%s: %w", worldProps[i].name, err)
			}
		}
	}
	return w, nil
}

// worldName names w's preset, or "custom" for a preset with overrides.
func worldName(w engine.World) string {
	for _, n := range engine.WorldNames {
		if p, _ := engine.WorldPreset(n); p == w {
			return n
		}
	}
	return "custom"
}
