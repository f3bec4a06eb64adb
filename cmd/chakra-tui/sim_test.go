package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// simRun runs the binary's run with args and returns stdout and stderr.
func simRun(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestSimModeRecordsAndSummarises(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.gz")
	out, _, err := simRun(t, "sim", "--soldiers", "12", "--squad-size", "4", "--duration", "20m",
		"--seed", "3", "--poison-rate", "0.2", "--mix", "tachycardia=1,dropout=1", "--record", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1200 ticks × 12 soldiers in 3 squads", "poison rate achieved", "tachycardia",
		"contact", "ns per soldier-tick", "recorded " + path} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	r, err := engine.OpenReplay(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := r.Header()
	if r.Len() != 1200 || h.Config == nil || h.Config.Seed != 3 || h.Config.SquadSize != 4 || h.Config.Mix[engine.KindDropout] != 1 ||
		h.Config.Mix[engine.KindStuck] != 0 {
		t.Fatalf("recording: %d frames, config %+v", r.Len(), h.Config)
	}
}

// TestRecordRefusesExistingFile: --record never replaces a file without
// --force, and recordings are private (0600).
func TestRecordRefusesExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("field notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := simRun(t, "sim", "--soldiers", "2", "--duration", "1m", "--record", path)
	if !errors.Is(err, engine.ErrRecordingExists) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("existing file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "field notes\n" {
		t.Fatalf("the file was changed: %q", b)
	}
	if _, _, err := simRun(t, "sim", "--soldiers", "2", "--duration", "1m", "--record", path, "--force"); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	r, err := engine.OpenReplay(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("after --force: mode %v, %v", fi.Mode().Perm(), err)
	}
	r.Close()
}

func TestSimFlagsFromEnvironment(t *testing.T) {
	t.Setenv("CHAKRA_SOLDIERS", "7")
	t.Setenv("CHAKRA_DURATION", "1m")
	out, _, err := simRun(t, "sim")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "60 ticks × 7 soldiers") {
		t.Fatalf("environment ignored:\n%s", out)
	}
}

func TestSimFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--soldiers", "0"}, "soldiers must be at least 1"},
		{[]string{"--squad-size", "0"}, "squad size must be at least 1"},
		{[]string{"--poison-rate", "0.5"}, "poison rate must be in [0, 0.5)"},
		{[]string{"--poison-rate", "-0.1"}, "poison rate must be in [0, 0.5)"},
		{[]string{"--mix", "flu=1"}, `unknown anomaly kind "flu"`},
		{[]string{"--mix", "artefact=1"}, "artefact cannot be in the mix"},
		{[]string{"--poison-rate", "0.1", "--mix", "tachycardia=0"}, "needs at least one anomaly kind"},
		{[]string{"--tick", "1500ms"}, "whole number of seconds"},
		{[]string{"--start", "yesterday"}, "--start"},
		{[]string{"--duration", "0s"}, "--duration must be positive"},
		{[]string{"--ambient", "80"}, "ambient mean"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		_, _, err := simRun(t, append([]string{"sim"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("sim %v: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
}

func TestSimHelpListsEveryFlagWithExample(t *testing.T) {
	_, stderr, err := simRun(t, "sim", "--help")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, name := range []string{"soldiers", "squad-size", "seed", "tick", "duration", "start", "poison-rate", "mix",
		"artefact-rate", "ambient", "ambient-swing", "record"} {
		if !strings.Contains(stderr, "e.g. --"+name+" ") || !strings.Contains(stderr, envName(name)) {
			t.Errorf("--help lacks an example or variable for --%s", name)
		}
	}
}
