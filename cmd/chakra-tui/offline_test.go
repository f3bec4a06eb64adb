package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainFromRunsSameModel: runs written by `sim --offline` from the
// seeds that `train` simulates give, through `train --runs`, the same
// model file byte for byte as training on the fly (with --artefacts, the
// on-the-fly path uses each seed's frames once, as a stored run does).
func TestTrainFromRunsSameModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains twice (about 30 s)")
	}
	dir := t.TempDir()
	var runs []string
	for _, seed := range []string{"7001", "7002", "7101", "7201", "7202"} {
		d := filepath.Join(dir, seed)
		out, _, err := simRun(t, "sim", "--seed", seed, "--soldiers", "10", "--duration", "10m", "--poison-rate", "0", "--offline", d)
		if err != nil || !strings.Contains(out, "offline: 6000 rows") {
			t.Fatalf("sim %s: %v\n%s", seed, err, out)
		}
		runs = append(runs, d)
	}
	small := []string{"--seed", "7", "--artefacts", "--epochs", "1", "--steps-per-epoch", "5", "--batch", "16", "--workers", "1", "--force"}
	fly := filepath.Join(dir, "fly.bin")
	if _, errs, err := simRun(t, append([]string{"train", "--soldiers", "10", "--duration", "10m", "--out", fly}, small...)...); err != nil {
		t.Fatalf("train on the fly: %v\n%s", err, errs)
	}
	stored := filepath.Join(dir, "runs.bin")
	if _, errs, err := simRun(t, append([]string{"train", "--runs", strings.Join(runs, ","), "--out", stored}, small...)...); err != nil {
		t.Fatalf("train --runs: %v\n%s", err, errs)
	}
	a, _ := os.ReadFile(fly)
	b, _ := os.ReadFile(stored)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("train --runs wrote %d bytes, training on the fly %d, and they differ", len(b), len(a))
	}
	// Runs that do not add up to the roles are refused, saying why.
	if _, _, err := simRun(t, append([]string{"train", "--runs", strings.Join(runs[:4], ","), "--out", stored}, small...)...); err == nil ||
		!strings.Contains(err.Error(), "4 runs for 2 training + 1 validation + 2 calibration") {
		t.Fatalf("4 runs for 5 roles: %v", err)
	}
}

// TestRunsShowDamaged: runs ls and runs show report a run with a
// truncated part, with what is readable, and fail.
func TestRunsShowDamaged(t *testing.T) {
	root := t.TempDir()
	if out, _, err := simRun(t, "sim", "--seed", "4", "--soldiers", "5", "--duration", "2m", "--offline", root, "--offline-flush", "1ns"); err != nil {
		t.Fatalf("sim: %v\n%s", err, out)
	}
	runs, err := filepath.Glob(filepath.Join(root, "*-simulation-seed4"))
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	run := runs[0]
	out, _, err := simRun(t, "runs", "ls", root)
	if err != nil || !strings.Contains(out, "600") || !strings.Contains(out, "simulation seed 4") {
		t.Fatalf("runs ls: %v\n%s", err, out)
	}
	parts, _ := filepath.Glob(filepath.Join(run, "observations-*.parquet"))
	if len(parts) < 2 {
		t.Fatalf("%d parts; the test wants several", len(parts))
	}
	data, _ := os.ReadFile(parts[0])
	if err := os.WriteFile(parts[0], data[:len(data)-20], 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = simRun(t, "runs", "show", run)
	if err == nil || !strings.Contains(out, "DAMAGED   "+filepath.Base(parts[0])) || !strings.Contains(out, "rows) is readable") {
		t.Fatalf("runs show of a damaged run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "labels") || !strings.Contains(out, "soldiers  5") {
		t.Fatalf("runs show does not describe what is readable:\n%s", out)
	}
	out, _, err = simRun(t, "runs", "ls", root)
	if err == nil || !strings.Contains(out, "1 (runs show)") {
		t.Fatalf("runs ls of a damaged run: %v\n%s", err, out)
	}
	if _, _, err := simRun(t, "train", "--runs", root, "--train-runs", "1", "--val-runs", "0"); err == nil || !strings.Contains(err.Error(), filepath.Base(parts[0])) {
		t.Fatalf("train on a damaged run: %v", err)
	}
}
