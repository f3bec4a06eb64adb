package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/evaluation"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// recordSession writes a session of a simulation scored live by the
// threshold baseline, as the dashboard, --headless --simulate and --ssh do.
func recordSession(t *testing.T, path string, cfg engine.Config) {
	t.Helper()
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store, _ := featurestore.NewMemory()
	defer store.Close()
	sc, _ := detector.NewThreshold()
	mon, _ := monitor.New(store, sc)
	defer mon.Close()
	ctx := context.Background()
	mon.SetProfiles(ctx, sim.Profiles())
	rec, err := session.Create(path, recordHeader(sim), session.Meta{Detector: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, err := sim.Next(ctx)
		if err != nil {
			break
		}
		vs, err := mon.Ingest(ctx, f.Obs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Write(&f, vs); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestEvalReplay(t *testing.T) {
	dir := t.TempDir()
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Duration, cfg.Seed, cfg.PoisonRate = 8, 4, 15*time.Minute, 12, 0.3
	sess := filepath.Join(dir, "session.chakra.gz")
	recordSession(t, sess, cfg)

	out, _, err := simRun(t, "eval", "--replay", sess, "--detectors", "threshold", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep evaluation.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(rep.Detectors) != 2 || rep.Detectors[0].Name != "recorded:threshold" || rep.Detectors[1].Name != "threshold" {
		t.Fatalf("detectors: %+v", rep.Detectors)
	}
	a, b := rep.Detectors[0].Overall, rep.Detectors[1].Overall
	if a.Events == 0 || a.Events != b.Events || a.Detected != b.Detected || a.FalseAlerts != b.FalseAlerts {
		t.Fatalf("recorded %+v, re-scored %+v: a deterministic detector must agree with its recording", a.Counts, b.Counts)
	}
	if rep.Soldiers != 8 || len(rep.Seeds) != 1 || rep.Seeds[0] != 12 {
		t.Fatalf("report header %+v", rep)
	}

	// A frame recording (sim --record) is scored; it has no verdicts to show.
	frames := filepath.Join(dir, "frames.chakra.gz")
	if _, _, err := simRun(t, "sim", "--soldiers", "4", "--duration", "5m", "--record", frames); err != nil {
		t.Fatal(err)
	}
	out, _, err = simRun(t, "eval", "--replay", frames, "--detectors", "threshold")
	if err != nil || !strings.Contains(out, "threshold") || strings.Contains(out, "recorded") {
		t.Fatalf("frame recording: %v\n%s", err, out)
	}
	if _, _, err := simRun(t, "eval", "--replay", frames, "--detectors", "recorded"); err == nil || !strings.Contains(err.Error(), "frames only") {
		t.Fatalf("recorded verdicts of a frame recording: %v", err)
	}

	// A cut file (its recorder was killed) is evaluated up to its last
	// complete member, with a warning; damaged files give clear errors.
	data, _ := os.ReadFile(sess)
	bad := filepath.Join(dir, "bad.chakra.gz")
	os.WriteFile(bad, data[:len(data)*3/4], 0o600)
	out, errOut, err := simRun(t, "eval", "--replay", bad, "--detectors", "threshold", "--json")
	if err != nil || !strings.Contains(errOut, "warning: ") || !strings.Contains(errOut, "cut short") || !strings.Contains(errOut, bad) {
		t.Fatalf("cut file: %v\n%s", err, errOut)
	}
	var cut evaluation.Report
	if err := json.Unmarshal([]byte(out), &cut); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if h := cut.Detectors[0].Overall.SoldierHours; !(h > 0 && h < rep.Detectors[0].Overall.SoldierHours) {
		t.Fatalf("cut file: %v soldier-hours of %v", h, rep.Detectors[0].Overall.SoldierHours)
	}
	os.WriteFile(bad, data[:100], 0o600)
	if _, _, err := simRun(t, "eval", "--replay", bad, "--detectors", "threshold"); !errors.Is(err, engine.ErrTruncatedRecording) {
		t.Fatalf("cut inside the first member: %v", err)
	}
	os.WriteFile(bad, []byte("not a recording"), 0o600)
	if _, _, err := simRun(t, "eval", "--replay", bad, "--detectors", "threshold"); !errors.Is(err, engine.ErrNotRecording) {
		t.Fatalf("not a recording: %v", err)
	}
}
