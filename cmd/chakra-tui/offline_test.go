package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/parquet"
	"github.com/chakra-tui/chakra-tui/featurestore/s3/miniotest"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
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
	if !strings.Contains(out, "labels") || !strings.Contains(out, "soldiers  5") || !strings.Contains(out, "observed  5 soldiers") {
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

// offlineKillEnv names the --offline directory of TestOfflineKillChild.
const offlineKillEnv = "CHAKRA_TEST_OFFLINE_KILL"

// TestOfflineKillChild is the child of TestOfflineKillKeepsAcknowledged:
// --headless --simulate writing to the offline store until it is killed.
func TestOfflineKillChild(t *testing.T) {
	dir := os.Getenv(offlineKillEnv)
	if dir == "" {
		t.Skip("the child process of TestOfflineKillKeepsAcknowledged")
	}
	err := run(context.Background(), []string{"--headless", "--simulate", "--speed", "100", "--soldiers", "10", "--seed", "12",
		"--addr", "127.0.0.1:0", "--offline", dir, "--offline-flush", "100ms"}, strings.NewReader(""), os.Stdout, io.Discard)
	t.Fatalf("the server stopped: %v", err)
}

// TestOfflineKillKeepsAcknowledged kills a process writing a run with
// SIGKILL: the run opens, holds every row the process had reported written
// (/metrics) and they are the simulation's frames, whole, from the first.
func TestOfflineKillKeepsAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOfflineKillChild$")
	cmd.Env = append(os.Environ(), offlineKillEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	addr := ""
	for addr == "" && sc.Scan() {
		addr, _ = strings.CutPrefix(sc.Text(), "listening ")
	}
	go io.Copy(io.Discard, out)
	if addr == "" {
		t.Fatal("the child never listened")
	}
	// Wait until a few thousand rows are acknowledged (a generous bound).
	written := 0.0
	for deadline := time.Now().Add(60 * time.Second); written < 3000; {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s only %v rows written", written)
		}
		time.Sleep(20 * time.Millisecond)
		written = scrapeMetric(t, addr, "chakra_offline_written_rows_total")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	runs, _ := filepath.Glob(filepath.Join(dir, "*-http+simulation-seed12"))
	if len(runs) != 1 {
		t.Fatalf("runs %v", runs)
	}
	r, err := parquet.OpenRun(runs[0])
	if err != nil {
		t.Fatalf("open the killed run: %v", err)
	}
	defer r.Close()
	if float64(r.NumRows()) < written {
		t.Fatalf("the run holds %d rows; %v were acknowledged before the kill", r.NumRows(), written)
	}
	js, _ := r.Meta(parquet.MetaConfig)
	var cfg engine.Config
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		t.Fatal(err)
	}
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := r.Source(math.MinInt64, math.MaxInt64)
	frames := 0
	for {
		got, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var want engine.Frame
		if err := sim.Step(&want); err != nil {
			t.Fatal(err)
		}
		if got.T != want.T || len(got.Obs) != len(want.Obs) {
			t.Fatalf("frame %d: tick %d with %d rows, want tick %d with %d", frames, got.T, len(got.Obs), want.T, len(want.Obs))
		}
		for i := range got.Obs {
			if !storetest.SameObs(got.Obs[i], want.Obs[i]) {
				t.Fatalf("tick %d row %d: %+v, want %+v", got.T, i, got.Obs[i], want.Obs[i])
			}
		}
		frames++
	}
	t.Logf("killed after %v rows acknowledged; the run holds %d rows, %d whole frames, in %d parts", written, r.NumRows(), frames, len(r.Parts()))
}

// scrapeMetric reads one unlabelled metric from a server's /metrics.
func scrapeMetric(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get(addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("%s not in /metrics", name)
	return 0
}

// TestOfflineS3 writes a run to MinIO with --offline s3://…, lists it,
// describes it and materializes from it.
func TestOfflineS3(t *testing.T) {
	srv := miniotest.Start(t)
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	out, _, err := simRun(t, "sim", "--seed", "5", "--soldiers", "4", "--duration", "3m", "--offline", "s3://chakra/field")
	if err != nil || !strings.Contains(out, "offline: 720 rows in 1 parts to s3://chakra/field/") {
		t.Fatalf("sim --offline s3://: %v\n%s", err, out)
	}
	out, _, err = simRun(t, "runs", "ls", "s3://chakra/field")
	if err != nil || !strings.Contains(out, "-simulation-seed5  720") {
		t.Fatalf("runs ls: %v\n%s", err, out)
	}
	name := strings.Fields(strings.Split(out, "\n")[1])[0]
	out, _, err = simRun(t, "runs", "show", "s3://chakra/field/"+name)
	if err != nil || !strings.Contains(out, "rows      720 in 1 parts") || !strings.Contains(out, "soldiers  4 with profiles") {
		t.Fatalf("runs show: %v\n%s", err, out)
	}
	c, sf, f := newHeadlessCommand(io.Discard)
	if err := c.parse([]string{"--scorer", "threshold", "--materialize", "s3://chakra/field", "--as-of", "2025-06-01T09:01:00Z"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(sf, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := openHeadless(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.close()
	w, err := rt.store.Window(context.Background(), 2, 100, nil)
	if err != nil || len(w) != 32 || w[len(w)-1].T != 60 {
		t.Fatalf("soldier 2 after --materialize --as-of T+60: %d rows, last %v, %v", len(w), w[len(w)-1].T, err)
	}
}

// TestEvalRunsSameReport: eval --runs on runs written by sim --offline
// reports what eval --seeds reports for the same seeds.
func TestEvalRunsSameReport(t *testing.T) {
	dir := t.TempDir()
	for _, seed := range []string{"9601", "9602"} {
		if _, _, err := simRun(t, "sim", "--seed", seed, "--soldiers", "8", "--duration", "15m", "--offline", dir); err != nil {
			t.Fatal(err)
		}
	}
	det := []string{"--detectors", "zscore,threshold", "--json", "--workers", "1"}
	fromRuns, _, err := simRun(t, append([]string{"eval", "--runs", dir}, det...)...)
	if err != nil {
		t.Fatal(err)
	}
	fromSeeds, _, err := simRun(t, append([]string{"eval", "--seeds", "9601-9602", "--soldiers", "8", "--duration", "15m"}, det...)...)
	if err != nil {
		t.Fatal(err)
	}
	// Elapsed times differ from run to run; everything else must not.
	strip := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "elapsed") && !strings.Contains(l, "per_soldier_tick") && !strings.Contains(l, "_ns") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	if strip(fromRuns) != strip(fromSeeds) {
		t.Fatalf("eval --runs:\n%s\neval --seeds:\n%s", fromRuns, fromSeeds)
	}
}

// TestTextModeOffline: the dashboard's battlefield (text mode) writes the
// run it scores, with its ground truth, and says where.
func TestTextModeOffline(t *testing.T) {
	dir := t.TempDir()
	_, errs, err := simRun(t, "--text", "--speed", "0", "--duration", "3m", "--seed", "2", "--soldiers", "6", "--poison-rate", "0.3", "--offline", dir)
	if err != nil || !strings.Contains(errs, "offline: 1080 rows") {
		t.Fatalf("text mode --offline: %v\n%s", err, errs)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "*-simulation-seed2"))
	if len(runs) != 1 {
		t.Fatalf("runs %v", runs)
	}
	r, err := parquet.OpenRun(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != 1080 || len(r.Labels()) == 0 || len(r.Profiles()) != 6 {
		t.Fatalf("%d rows, %d labels, %d profiles", r.NumRows(), len(r.Labels()), len(r.Profiles()))
	}
}
