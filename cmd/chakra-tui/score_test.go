package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSeries writes a NAB-layout file of n rows with a spike at row spike.
func writeSeries(t *testing.T, path string, n, spike int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	t0 := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		v := 50 + 10*math.Sin(float64(i)/20) + float64(i%7)/7
		if i == spike {
			v = 500
		}
		fmt.Fprintf(&b, "%s,%g\n", t0.Add(time.Duration(i)*5*time.Minute).Format(time.DateTime), v)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestScoreOneFileToStdout(t *testing.T) {
	in := filepath.Join(t.TempDir(), "s.csv")
	writeSeries(t, in, 600, 500)
	out, _, err := runCmd(t, "score", "--detector", "zscore", in)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 601 || lines[0] != "timestamp,value,anomaly_score,alert" {
		t.Fatalf("%d lines, header %q", len(lines), lines[0])
	}
	if !strings.HasSuffix(lines[501], ",1") {
		t.Errorf("no alert at the spike: %q", lines[501])
	}
}

// TestScoreTFTWiring runs the default detector (the TFT ensemble) on a
// small file: it trains on the first 45 rows (a few examples, so the test
// stays fast; training proper is tested in detector/evaluation/series) and scores the
// rest.
func TestScoreTFTWiring(t *testing.T) {
	in := filepath.Join(t.TempDir(), "s.csv")
	writeSeries(t, in, 300, 250)
	out, _, err := runCmd(t, "score", in)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 301 || lines[0] != "timestamp,value,anomaly_score,alert" {
		t.Fatalf("%d lines, header %q", len(lines), lines[0])
	}
	if !strings.HasSuffix(lines[251], ",1") {
		t.Errorf("no alert at the spike: %q", lines[251])
	}
}

func TestScoreErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	if err := os.WriteFile(empty, []byte("timestamp,value\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"score", empty},
		{"score", "--detector", "nope", empty},
		{"score", "--detector", "tft", "--fit-fraction", "1.5", empty},
		{"score", "--dir", dir},
		{"score"},
	}
	for _, args := range cases {
		if _, _, err := runCmd(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	if _, _, err := runCmd(t, "score", empty); err == nil || !strings.Contains(err.Error(), "empty.csv") {
		t.Errorf("error %v does not name the file", err)
	}
}

// TestScoreDirThenNAB runs the two modes end to end on a tiny corpus.
func TestScoreDirThenNAB(t *testing.T) {
	root := t.TempDir()
	data, res := filepath.Join(root, "data"), filepath.Join(root, "results")
	writeSeries(t, filepath.Join(data, "catA", "a.csv"), 1000, 600)
	writeSeries(t, filepath.Join(data, "catB", "b.csv"), 1000, 900)
	labels := filepath.Join(root, "labels", "combined_windows.json")
	if err := os.MkdirAll(filepath.Dir(labels), 0o755); err != nil {
		t.Fatal(err)
	}
	// Windows around both spikes (rows 590..640 and 890..940).
	js := `{"catA/a.csv": [["2014-04-03 01:10:00.000000", "2014-04-03 05:20:00.000000"]],
	        "catB/b.csv": [["2014-04-04 02:10:00.000000", "2014-04-04 06:20:00.000000"]]}`
	if err := os.WriteFile(labels, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCmd(t, "score", "--detector", "zscore", "--dir", data, "--out", res)
	if err != nil {
		t.Fatal(err, stderr)
	}
	if !strings.Contains(stderr, "scored 2/2") {
		t.Errorf("no progress lines: %q", stderr)
	}
	out, _, err := runCmd(t, "nab", "--data", data, res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"own (alert column)", "optimised ≥", "reward_low_FP_rate", "catA", "catB", "2 files, 2 windows"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runCmd(t, "nab", "--data", data, "--labels", labels, "--json", res)
	if err != nil {
		t.Fatal(err)
	}
	var rep nabReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err, out)
	}
	if len(rep.Profiles) != 3 || rep.Profiles[0].Own == nil || rep.Windows != 2 {
		t.Fatalf("report %+v", rep)
	}
	own := rep.Profiles[0].Own.Total
	if own.Detected != 2 || float64(own.Normalised) <= 90 {
		t.Errorf("own threshold: %+v (both spikes start their windows' rows 10 in)", own)
	}
	if _, _, err := runCmd(t, "nab", res); err == nil {
		t.Error("nab without --data: no error")
	}
}

func TestProgressBar(t *testing.T) {
	got := progressBar(5, 10, 10, 1500*time.Millisecond, "x.csv")
	if got != "[█████░░░░░] 5/10  1.5s  x.csv" {
		t.Errorf("bar %q", got)
	}
}

// TestScoreArgs checks flags after the file, and that a bad command line
// is one line of error with no usage dump.
func TestScoreArgs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "s.csv")
	writeSeries(t, in, 200, 150)
	dashed := filepath.Join(dir, "-dash.csv")
	writeSeries(t, dashed, 200, 150)
	cases := []struct {
		name    string
		args    []string
		out     string // file that must be written, if any
		errHas  string // "" for success
		wantOut bool   // scores on stdout
	}{
		{"flags after the file", []string{"score", in, "--out", filepath.Join(dir, "a.csv"), "--detector", "zscore"}, filepath.Join(dir, "a.csv"), "", false},
		{"flags on both sides", []string{"score", "--detector", "zscore", in, "--out=" + filepath.Join(dir, "b.csv")}, filepath.Join(dir, "b.csv"), "", false},
		{"double dash", []string{"score", "--detector", "zscore", "--", dashed}, "", "", true},
		{"unknown flag after the file", []string{"score", in, "--nope"}, "", "flag provided but not defined: -nope (see chakra-tui score --help)", false},
		{"bad value", []string{"score", in, "--jobs", "many"}, "", `invalid value "many" for flag -jobs`, false},
		{"flag without its value", []string{"score", in, "--out"}, "", "flag needs an argument: -out (see chakra-tui score --help)", false},
		{"two files", []string{"score", in, in, "--detector", "zscore"}, "", "give one FILE.csv, not 2", false},
		{"no file", []string{"score", "--detector", "zscore"}, "", "give one FILE.csv, or --dir DIR --out OUT (see chakra-tui score --help)", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, err := runCmd(t, c.args...)
			if c.errHas == "" && err != nil {
				t.Fatalf("error %v\n%s", err, stderr)
			}
			if c.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %q, want one line containing %q", err, c.errHas)
				}
			}
			if stderr != "" {
				t.Errorf("stderr %q, want nothing (the error is returned, no usage)", stderr)
			}
			if got := strings.Count(stdout, "\n"); (got == 201) != c.wantOut {
				t.Errorf("%d lines on stdout", got)
			}
			if c.out != "" {
				if s, err := os.ReadFile(c.out); err != nil || strings.Count(string(s), "\n") != 201 {
					t.Errorf("output %s: %d lines, %v", c.out, strings.Count(string(s), "\n"), err)
				}
			}
		})
	}
	_, stderr, err := runCmd(t, "score", in, "--help")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "Usage: chakra-tui score") {
		t.Errorf("--help after the file: %v, %q", err, stderr)
	}
}

// TestScoreWarnings checks that input read with a guess or as missing is
// reported on stderr, one line per kind, in both modes, and that --quiet
// silences it while the scores stay on stdout.
func TestScoreWarnings(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("t,v\n")
	for i := range 200 {
		v := fmt.Sprint(50 + i%7)
		if i == 16 || i == 30 {
			v = "n/a"
		}
		ts := 1234567890 + 60*i
		if i == 100 {
			ts -= 600
		}
		fmt.Fprintf(&b, "%d,%s\n", ts, v)
	}
	in := filepath.Join(dir, "in", "w.csv")
	if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"chakra-tui: warning: " + in + `: timestamps in column "t" read as unix seconds (first: 1234567890 → 2009-02-13T23:31:30Z)`,
		"chakra-tui: warning: " + in + ": 2 values were not numbers and were treated as missing (first at line 18: 'n/a')",
		"chakra-tui: warning: " + in + ": 1 row goes back in time and was scored in file order (first at line 102: '1234573290' after '1234573830')",
	}
	stdout, stderr, err := runCmd(t, "score", "--detector", "zscore", in)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSpace(stderr), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, strings.Join(want, "\n"))
	}
	if strings.Count(stdout, "\n") != 201 {
		t.Errorf("%d lines on stdout", strings.Count(stdout, "\n"))
	}
	stdout, stderr, err = runCmd(t, "score", "--quiet", "--detector", "zscore", in)
	if err != nil || stderr != "" || strings.Count(stdout, "\n") != 201 {
		t.Errorf("--quiet: %v, stderr %q, %d lines", err, stderr, strings.Count(stdout, "\n"))
	}
	_, stderr, err = runCmd(t, "score", "--detector", "zscore", "--dir", filepath.Dir(in), "--out", filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w+"\n") {
			t.Errorf("--dir stderr lacks %q:\n%s", w, stderr)
		}
	}
}

// TestScoreProgressFlag checks that --progress shows how far each file is
// on stderr when stderr is not a terminal (a line per tenth, ending at
// 100%), in both modes, and that without it there are no such lines.
func TestScoreProgressFlag(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeSeries(t, filepath.Join(in, "s.csv"), 600, 500)
	_, stderr, err := runCmd(t, "score", "--detector", "zscore", "--progress", "--dir", in, "--out", filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "scoring s.csv 10% (60/600 rows)\n") || !strings.Contains(stderr, "scoring s.csv 100% (600/600 rows)\n") {
		t.Errorf("--dir --progress stderr:\n%s", stderr)
	}
	out, stderr, err := runCmd(t, "score", "--detector", "zscore", "--progress", filepath.Join(in, "s.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(stderr, "scoring ") != 11 || !strings.Contains(stderr, "s.csv 100% (600/600 rows)\n") || strings.Contains(out, "scoring") {
		t.Errorf("one file --progress: stderr\n%s", stderr)
	}
	_, stderr, err = runCmd(t, "score", "--detector", "zscore", "--dir", in, "--out", filepath.Join(dir, "out2"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr, "scoring ") {
		t.Errorf("without --progress, stderr has row progress:\n%s", stderr)
	}
}
