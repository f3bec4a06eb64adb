package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/nab"
)

// writeOOSCorpus writes a tiny NAB layout under dir: four 200-row files,
// two in each half of the out-of-sample split, each with one window
// (rows 120–139), and its labels JSON. It returns the files' keys.
func writeOOSCorpus(t *testing.T, dir string) []string {
	t.Helper()
	var keys []string
	var count [2]int
	for i := 0; len(keys) < 4; i++ {
		k := fmt.Sprintf("cat/f%d.csv", i)
		if h := nab.HalfOf(k); count[h] < 2 {
			count[h]++
			keys = append(keys, k)
		}
	}
	t0 := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
	at := func(i int) string { return t0.Add(time.Duration(i) * 5 * time.Minute).Format(time.DateTime) }
	var lab []string
	for _, k := range keys {
		var b strings.Builder
		b.WriteString("timestamp,value\n")
		for i := range 200 {
			fmt.Fprintf(&b, "%s,%d\n", at(i), i%5)
		}
		writeFile(t, filepath.Join(dir, "data", k), b.String())
		lab = append(lab, fmt.Sprintf("%q: [[%q, %q]]", k, at(120)+".000000", at(139)+".000000"))
	}
	writeFile(t, filepath.Join(dir, "labels", "combined_windows.json"), "{"+strings.Join(lab, ", ")+"}")
	return keys
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeOOSResults writes a results folder: every file scores 0 except
// score on each row in fire, with an alert column of 1 on alerts.
func writeOOSResults(t *testing.T, dir string, keys []string, fire map[int]float64, alerts []int) {
	t.Helper()
	t0 := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, k := range keys {
		var b strings.Builder
		b.WriteString("timestamp,value,anomaly_score,alert\n")
		for i := range 200 {
			a := 0
			for _, r := range alerts {
				if r == i {
					a = 1
				}
			}
			fmt.Fprintf(&b, "%s,%d,%g,%d\n", t0.Add(time.Duration(i)*5*time.Minute).Format(time.DateTime), i%5, fire[i], a)
		}
		writeFile(t, filepath.Join(dir, k), b.String())
	}
}

// TestNABOutOfSample runs nab --oos over two candidates and two seeds:
// "late" alerts at the end of each window and scores 0.9 at its start;
// "noisy" alerts at the start but also outside. The best setting on either
// half is late's threshold 0.9 (a perfect detection), so the out-of-sample
// and in-sample scores are 100 for every seed; late's own alerts score
// little; the mean and range lines say so.
func TestNABOutOfSample(t *testing.T) {
	dir := t.TempDir()
	keys := writeOOSCorpus(t, dir)
	for _, seed := range []string{"1", "2"} {
		writeOOSResults(t, filepath.Join(dir, "late"+seed), keys, map[int]float64{120: 0.9, 139: 0.6}, []int{139})
		writeOOSResults(t, filepath.Join(dir, "noisy"+seed), keys, map[int]float64{120: 0.8, 160: 0.8, 180: 0.8}, []int{120, 160, 180})
	}
	out, _, err := runCmd(t, "nab", "--oos", "--data", filepath.Join(dir, "data"), "--seeds", "1-2",
		"late="+filepath.Join(dir, "late{seed}"), "noisy="+filepath.Join(dir, "noisy{seed}"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"half 0 2 files, 2 windows; half 1 2 files, 2 windows",
		"1     standard            late ≥ 0.9                      late ≥ 0.9                      100.00",
		"2     reward_low_FN_rate  late ≥ 0.9",
		"standard            100.00 (100.00–100.00)  100.00 (100.00–100.00)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := runCmd(t, "nab", "--oos", "--data", filepath.Join(dir, "data")); err == nil {
		t.Error("nab --oos without a results folder: no error")
	}
	if _, _, err := runCmd(t, "nab", "--oos", "--data", filepath.Join(dir, "data"), "--seeds", "3", "x="+filepath.Join(dir, "late{seed}")); err == nil {
		t.Error("nab --oos with a missing seed folder: no error")
	}
}
