package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/series"
)

// writeLabelled writes a 1 Hz file of n rows with columns
// timestamp,value,stress[,alert]: value 70 (80 inside episodes), stress 1
// inside the [from, to) episodes, alert 1 on the given rows (column only
// when alerts is not nil).
func writeLabelled(t *testing.T, path string, n int, episodes [][2]int, alerts []int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,value,stress")
	if alerts != nil {
		b.WriteString(",alert")
	}
	b.WriteString("\n")
	t0 := time.Date(2022, 2, 7, 9, 0, 0, 0, time.UTC)
	for i := range n {
		s, v := 0, 70.0
		for _, e := range episodes {
			if i >= e[0] && i < e[1] {
				s, v = 1, 80
			}
		}
		fmt.Fprintf(&b, "%s,%g,%d", t0.Add(time.Duration(i)*time.Second).Format(time.DateTime), v, s)
		if alerts != nil {
			a := 0
			for _, r := range alerts {
				if r == i {
					a = 1
				}
			}
			fmt.Fprintf(&b, ",%d", a)
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEvalCSVScored measures alert columns as they are: a.csv is the
// hand-worked file of series' TestOnsetRulesByHand (2 of 2 onsets, delays
// −9 s and 120 s, 4 false alerts in 540 s); b.csv has one onset, missed,
// and one false alert in 770 s (900 label-0 rows less 120 of recovery and
// 10 before the onset). Together: 2 of 3 onsets, median delay 55.5 s
// (shown rounded), 5 false alerts in 1310 s = 13.74 per hour.
func TestEvalCSVScored(t *testing.T) {
	dir := t.TempDir()
	writeLabelled(t, filepath.Join(dir, "a.csv"), 1000, [][2]int{{300, 400}, {700, 800}},
		[]int{100, 140, 190, 291, 295, 360, 450, 520, 689, 820, 950})
	writeLabelled(t, filepath.Join(dir, "b.csv"), 1000, [][2]int{{500, 600}}, []int{50})
	out, _, err := runCmd(t, "eval-csv", "--dir", dir, "--scored")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"a.csv       2         2  -9 120       8      4        0.15    26.67",
		"1      1        0.21     4.68",
		"onset recall 0.667 (2 of 3), median delay 56 s, 13.74 false alerts per hour (5 in 0.36 h)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestEvalCSVDetector runs the hr detector on files whose value steps up
// by 10 bpm at each onset from a noiseless 70: every onset is detected 9 s
// in, when 10 of the 20 rows of the level are risen (its median is then
// 75: 5 bpm, 5 floor spreads of 1 bpm, above the baseline), with no false
// alert.
func TestEvalCSVDetector(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		writeLabelled(t, filepath.Join(dir, fmt.Sprintf("S%02d.csv", i)), 1800, [][2]int{{600, 900}, {1300, 1400}}, nil)
	}
	out, _, err := runCmd(t, "eval-csv", "--dir", dir, "--detector", "hr", "--threshold", "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "hr: onset recall 1.000 (6 of 6), median delay 9 s, 0.00 false alerts per hour") {
		t.Errorf("output:\n%s", out)
	}
	// The folds choose among settings that all detect everything with no
	// false alert: the first of the grid wins each fold.
	out, _, err = runCmd(t, "eval-csv", "--dir", dir, "--detector", "hr", "--folds", "3")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "hr, 3 folds, left-out files pooled: onset recall 1.000 (6 of 6)") {
		t.Errorf("folds output:\n%s", out)
	}
}

// TestEvalCSVHROwnFolds: the per-person-threshold detector through the
// fold selection on the step files of TestEvalCSVDetector. Each file's
// first step is detected 9 s in; its second is not, because by then the
// first (300 rows of the same rise) is in the person's own history and
// sets their threshold above it. No false alert. The selection is
// deterministic: two runs (files in parallel, then one at a time) print
// the same report byte for byte. Two of the eight variants, over three
// thresholds, keep the test short under the race detector.
func TestEvalCSVHROwnFolds(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		writeLabelled(t, filepath.Join(dir, fmt.Sprintf("S%02d.csv", i)), 1800, [][2]int{{600, 900}, {1300, 1400}}, nil)
	}
	vs, err := foldVariants("hrown")
	if err != nil || len(vs) != 8 {
		t.Fatalf("hrown fold variants: %d, %v; want 8", len(vs), err)
	}
	vs = []variant{vs[0], vs[len(vs)-1]}
	for i := range vs {
		vs[i].ks = []float64{1, 2, 3}
	}
	run := func(jobs int) string {
		f := evalCSVFlags{scoreFlags: scoreFlags{dir: dir, detector: "hrown", jobs: jobs}, labelCol: "stress", folds: 3}
		data, err := loadEvalFiles(f)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := runFoldsOver(t.Context(), &b, f, data, series.StressPredictRules(), vs); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	out := run(0)
	if !strings.Contains(out, "hrown, 3 folds, left-out files pooled: onset recall 0.500 (3 of 6), median delay 9 s, 0.00 false alerts per hour") {
		t.Errorf("folds output:\n%s", out)
	}
	if again := run(1); again != out {
		t.Errorf("one job at a time differs:\n%s\nin parallel:\n%s", again, out)
	}
}

func TestEvalCSVErrors(t *testing.T) {
	dir := t.TempDir()
	writeLabelled(t, filepath.Join(dir, "a.csv"), 100, nil, nil)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"eval-csv"}, "give --dir"},
		{[]string{"eval-csv", "--dir", dir, "--folds", "1"}, "--folds 1"},
		{[]string{"eval-csv", "--dir", dir, "--scored", "--sweep"}, "--scored measures"},
		{[]string{"eval-csv", "--dir", dir, "--sweep", "--detector", "zscore"}, "--sweep knows"},
		{[]string{"eval-csv", "--dir", dir, "--scored"}, "alert"},
		{[]string{"eval-csv", "--dir", dir, "--label-col", "nope"}, "nope"},
	} {
		_, _, err := runCmd(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
}

func TestPick(t *testing.T) {
	r := func(det, falses int) series.OnsetResult {
		return series.OnsetResult{Onsets: 3, Detected: det, FalseAlerts: falses, Eligible: time.Hour}
	}
	vs := []variant{{label: "a", ks: []float64{1, 2}}, {label: "b", ks: []float64{1, 2}}}
	res := [][][]series.OnsetResult{
		{{r(3, 3), r(3, 3)}, {r(2, 1), r(1, 0)}}, // a: K1 recall 1 at 3/h; K2 0.5 at 0.5/h
		{{r(3, 2), r(3, 2)}, {r(3, 1), r(2, 1)}}, // b: K1 recall 1 at 2/h; K2 5/6 at 1/h
	}
	both := []int{0, 1}
	for _, c := range []struct {
		rate      float64
		v, k      int
		qualified bool
	}{
		{1, 1, 1, true},    // a at K2 (recall 0.5) against b at K2 (5/6)
		{3, 1, 0, true},    // both at K1, recall 1: b has fewer false alerts
		{2, 1, 0, true},    // a must stay at K2; b reaches 2/h at K1
		{0.1, 0, 1, false}, // none: the largest K, fewest false alerts
	} {
		v, k, ok := pick(res, vs, both, c.rate)
		if v != c.v || k != c.k || ok != c.qualified {
			t.Errorf("rate %v: variant %d K index %d (qualified %v), want %d %d %v", c.rate, v, k, ok, c.v, c.k, c.qualified)
		}
	}
	// On file 1 alone a's K2 has no false alert and recall 1/3, b's K2 1/h
	// and recall 2/3.
	if v, k, _ := pick(res, vs, []int{1}, 1); v != 1 || k != 1 {
		t.Errorf("file 1: variant %d K index %d, want 1 1", v, k)
	}
}

func TestThresholdFor(t *testing.T) {
	ks := []float64{1, 2, 3, 4, 5}
	perHour := []float64{8, 3, 0.9, 1.2, 0.5}
	for _, c := range []struct {
		rate float64
		k    float64
		ok   bool
	}{{1, 5, true}, {1.2, 3, true}, {8, 1, true}, {0.1, 0, false}} {
		if k, ok := thresholdFor(ks, perHour, c.rate); k != c.k || ok != c.ok {
			t.Errorf("rate %v: K %v %v, want %v %v", c.rate, k, ok, c.k, c.ok)
		}
	}
}

// TestEvalCSVAlias checks that `eval --csv DIR` (the spelling) is
// eval-csv with --dir DIR, in both flag forms, and that eval without --csv
// is left alone.
func TestEvalCSVAlias(t *testing.T) {
	dir := t.TempDir()
	writeLabelled(t, filepath.Join(dir, "b.csv"), 1000, [][2]int{{500, 600}}, []int{50})
	want, _, err := runCmd(t, "eval-csv", "--dir", dir, "--scored", "--label-col", "stress")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"eval", "--csv", dir, "--scored", "--label-col", "stress"},
		{"eval", "--scored", "-csv=" + dir, "--label-col", "stress"},
	} {
		got, _, err := runCmd(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if got != want {
			t.Errorf("%v printed\n%s\nwant (as eval-csv)\n%s", args, got, want)
		}
	}
	for _, args := range [][]string{{"--seeds", "1"}, {"--", "--csv", "x"}, {"--scored"}} {
		if _, ok := evalCSVAlias(args); ok {
			t.Errorf("evalCSVAlias(%q) took it for eval-csv", args)
		}
	}
}
