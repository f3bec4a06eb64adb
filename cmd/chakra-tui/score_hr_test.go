package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeHR writes a 1 Hz heart-rate file, column col: 70 bpm (with a small
// deterministic wobble) and 90 bpm from row 700.
func writeHR(t *testing.T, path, col string, n int) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "timestamp,%s\n", col)
	t0 := time.Date(2022, 2, 7, 9, 0, 0, 0, time.UTC)
	for i := range n {
		v := 70 + float64(i%5)/2
		if i >= 700 {
			v += 20
		}
		fmt.Fprintf(&b, "%s,%g\n", t0.Add(time.Duration(i)*time.Second).Format(time.DateTime), v)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// alertRows returns the rows (0-based, header excluded) whose alert is 1.
func alertRows(out string) []int {
	var rows []int
	for i, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if strings.HasSuffix(l, ",1") {
			rows = append(rows, i)
		}
	}
	return rows
}

// TestScoreDefaultPicksHR: a 1 Hz file whose value column holds heart
// rate is scored by the hr detector by default, the same as with
// --detector hr: one alert about 10 s into the rise at row 700.
func TestScoreDefaultPicksHR(t *testing.T) {
	in := filepath.Join(t.TempDir(), "S01.csv")
	writeHR(t, in, "value", 1200)
	def, _, err := runCmd(t, "score", in)
	if err != nil {
		t.Fatal(err)
	}
	hr, _, err := runCmd(t, "score", "--detector", "hr", in)
	if err != nil {
		t.Fatal(err)
	}
	rows := alertRows(def)
	if len(rows) != 1 || rows[0] < 705 || rows[0] > 715 {
		t.Errorf("default: alerts at rows %v, want one at 705..715", rows)
	}
	if got := alertRows(hr); len(got) != 1 || got[0] != rows[0] {
		t.Errorf("--detector hr: alerts at %v, default at %v", got, rows)
	}
}

func TestScoreHRFlags(t *testing.T) {
	in := filepath.Join(t.TempDir(), "S01.csv")
	writeHR(t, in, "heart_rate", 1200)
	// A threshold no rise reaches: no alert.
	out, _, err := runCmd(t, "score", "--detector", "hr", "--threshold", "1000", in)
	if err != nil {
		t.Fatal(err)
	}
	if rows := alertRows(out); len(rows) != 0 {
		t.Errorf("--threshold 1000: alerts at %v", rows)
	}
	for _, args := range [][]string{
		{"--false-alerts-per-hour", "0"},
		{"--false-alerts-per-hour", "-1"},
		{"--threshold", "-2"},
	} {
		_, _, err := runCmd(t, append(append([]string{"score", "--detector", "hr"}, args...), in)...)
		if err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
