package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// parseSimFlags parses args as a simulating mode does and returns the
// config.
func parseSimFlags(t *testing.T, args ...string) (engine.Config, error) {
	t.Helper()
	c := newCommand("x", "x", "x", io.Discard)
	sf := addSimFlags(c, time.Hour)
	if err := c.parse(args); err != nil {
		return engine.Config{}, err
	}
	return sf.config()
}

func TestWorldFlagsOverridePreset(t *testing.T) {
	field := engine.FieldWorld()
	noGauss := field
	noGauss.NoiseDF = 0
	cleanLong := engine.CleanWorld()
	cleanLong.ArtefactMin, cleanLong.ArtefactMax = time.Second, 30*time.Second
	everything := engine.CleanWorld()
	everything.ArtefactMin, everything.ArtefactMax = 2*time.Second, 20*time.Second
	everything.ArtefactExertion, everything.CadenceLock = 3, 0.25
	everything.CadenceMin, everything.CadenceMax = 140, 180
	everything.NoiseDF, everything.SensorBias, everything.SensorDrift = 6, 0.5, 2
	everything.PartialDropoutRate, everything.PartialDropoutMin, everything.PartialDropoutMax = 1, 10*time.Second, time.Minute
	everything.MissingRate, everything.MissingBurst = 0.03, 3*time.Second
	everything.ScheduleJitter, everything.UnplannedContact = 90*time.Second, 0.2
	everything.StartAnomalous, everything.ProfileHRError, everything.ProfileAgeError = 0.05, 5, 2
	def, _ := engine.WorldPreset(engine.DefaultWorldName)
	for _, tc := range []struct {
		args []string
		want engine.World
	}{
		{nil, def},
		{[]string{"--world", "clean"}, engine.CleanWorld()},
		{[]string{"--world", "field"}, field},
		{[]string{"--world", "field", "--noise-df", "0"}, noGauss},
		{[]string{"--world", "clean", "--artefact-secs", "1-30"}, cleanLong},
		{[]string{"--world", "clean", "--artefact-secs", "2s-20s", "--artefact-exertion", "3", "--cadence-lock", "0.25",
			"--cadence", "140-180", "--noise-df", "6", "--sensor-bias", "0.5", "--sensor-drift", "2",
			"--partial-dropout-rate", "1", "--partial-dropout-secs", "10-60", "--missing-rate", "0.03", "--missing-burst", "3s",
			"--schedule-jitter", "90", "--unplanned-contact", "0.2", "--start-anomalous", "0.05",
			"--profile-hr-error", "5", "--profile-age-error", "2"}, everything},
	} {
		cfg, err := parseSimFlags(t, tc.args...)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if cfg.World != tc.want {
			t.Errorf("%v: world %+v, want %+v", tc.args, cfg.World, tc.want)
		}
	}
}

func TestWorldFlagsFromEnvironment(t *testing.T) {
	t.Setenv("CHAKRA_WORLD", "field")
	t.Setenv("CHAKRA_SCHEDULE_JITTER", "90s")
	t.Setenv("CHAKRA_NOISE_DF", "8")
	cfg, err := parseSimFlags(t, "--noise-df", "5")
	if err != nil {
		t.Fatal(err)
	}
	want := engine.FieldWorld()
	want.ScheduleJitter, want.NoiseDF = 90*time.Second, 5 // the command line beats the environment
	if cfg.World != want {
		t.Fatalf("world %+v, want %+v", cfg.World, want)
	}
	t.Setenv("CHAKRA_MISSING_RATE", "lots")
	if _, err := parseSimFlags(t); err == nil || !strings.Contains(err.Error(), "CHAKRA_MISSING_RATE") {
		t.Fatalf("a bad environment value: %v", err)
	}
}

func TestWorldFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--world", "mars"}, `unknown world "mars"`},
		{[]string{"--noise-df", "1.5"}, "degrees of freedom"},
		{[]string{"--noise-df", "many"}, "want a number"},
		{[]string{"--artefact-secs", "30-1"}, "max below min"},
		{[]string{"--world", "clean", "--artefact-secs", "1-900"}, "artefact duration must be"},
		{[]string{"--cadence", "fast"}, "MIN-MAX"},
		{[]string{"--world", "field", "--cadence", "20-30"}, "cadence must be"},
		{[]string{"--missing-rate", "0.6"}, "missing rate"},
		{[]string{"--schedule-jitter", "soon"}, "want a duration"},
		{[]string{"--schedule-jitter", "2h"}, "schedule jitter"},
		{[]string{"--start-anomalous", "2"}, "start-anomalous fraction"},
		{[]string{"--profile-hr-error", "-1"}, "resting-HR error"},
	} {
		_, err := parseSimFlags(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
	_, err := parseSimFlags(t, "--world", "field", "--sensor-drift", "11")
	if !errors.Is(err, engine.ErrInvalidConfig) {
		t.Errorf("an invalid world does not wrap ErrInvalidConfig: %v", err)
	}
}

func TestSimHelpListsWorldFlags(t *testing.T) {
	_, stderr, err := simRun(t, "sim", "--help")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	names := []string{"world"}
	for _, p := range worldProps {
		names = append(names, p.name)
	}
	for _, name := range names {
		if !strings.Contains(stderr, "e.g. --"+name+" ") || !strings.Contains(stderr, envName(name)) {
			t.Errorf("--help lacks an example or variable for --%s", name)
		}
	}
	if !strings.Contains(stderr, "[clean 0, field 4]") {
		t.Errorf("--help does not show each preset's value:\n%s", stderr)
	}
}

func TestSimModeFieldWorld(t *testing.T) {
	out, _, err := simRun(t, "sim", "--world", "field", "--noise-df", "0", "--soldiers", "4", "--duration", "1m")
	if err != nil || !strings.Contains(out, "sensor world: custom\n") {
		t.Fatalf("a field world with an override: %v\n%s", err, out)
	}
	out, _, err = simRun(t, "sim", "--world", "field", "--soldiers", "20", "--duration", "30m", "--seed", "4")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "1800 ticks × 20 soldiers") || !strings.Contains(out, "sensor world: field\n") ||
		strings.Contains(out, "missing readings: heart_rate 0,") {
		t.Fatalf("field summary:\n%s", out)
	}
}
