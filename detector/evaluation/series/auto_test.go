package series

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIsHRColumn(t *testing.T) {
	for name, want := range map[string]bool{
		"heart_rate": true, "HR": true, "Heart Rate": true, "bpm": true, "pulse-rate": true, " hr ": true,
		"value": false, "heart": false, "hrv": false, "rate": false, "": false,
	} {
		if got := IsHRColumn(name); got != want {
			t.Errorf("IsHRColumn(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestLooksLikeHR(t *testing.T) {
	ts, xs := hrSeries(HRProbe, 3, 0, -1, 0, 1)
	if !LooksLikeHR(ts, xs) {
		t.Error("1 Hz values around 70: not heart rate")
	}
	if LooksLikeHR(ts[:HRProbe-1], xs[:HRProbe-1]) {
		t.Error("too few rows: heart rate")
	}
	five := make([]time.Time, len(ts))
	for i := range ts {
		five[i] = ts[0].Add(time.Duration(i) * 5 * time.Minute)
	}
	if LooksLikeHR(five, xs) {
		t.Error("5-minute rows: heart rate")
	}
	// Three artefacts in 60 rows (5 %) are allowed, four are not.
	odd := append([]float64(nil), xs...)
	odd[10], odd[20], odd[30] = 29, 250, 0
	if !LooksLikeHR(ts, odd) {
		t.Error("three artefacts: not heart rate")
	}
	odd[40] = 221
	if LooksLikeHR(ts, odd) {
		t.Error("four values out of [30, 220]: heart rate")
	}
}

// TestAutoKeepsOtherForNonHR: on a NAB-like file (5-minute rows) the auto
// detector's output is exactly the other detector's, row by row.
func TestAutoKeepsOtherForNonHR(t *testing.T) {
	tab := mustRead(t, nabCSV(2000, 1500, 3))
	want, err := Run(tab, ZScoreFactory())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Run(tab, AutoFactory(HRFactory(), ZScoreFactory()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Score {
		if got.Score[i] != want.Score[i] || got.Alert[i] != want.Alert[i] {
			t.Fatalf("row %d: auto %v %v, zscore %v %v", i, got.Score[i], got.Alert[i], want.Score[i], want.Alert[i])
		}
	}
}

// hrCSV writes a 1 Hz heart-rate file with the value column named col.
func hrCSV(col string, n, rise, at int) string {
	ts, xs := hrSeries(n, 2, float64(rise), at, 0, 9)
	var b strings.Builder
	fmt.Fprintf(&b, "timestamp,%s\n", col)
	for i := range ts {
		fmt.Fprintf(&b, "%s,%.2f\n", ts[i].Format(time.DateTime), xs[i])
	}
	return b.String()
}

// TestAutoPicksHR: a 1 Hz heart-rate file gets the HR detector, whether
// its column is named as heart rate (from the first row) or "value" (after
// the probe rows): its alerts are exactly HR's after the probe.
func TestAutoPicksHR(t *testing.T) {
	for _, col := range []string{"heart_rate", "value"} {
		tab := mustRead(t, hrCSV(col, 1500, 20, 900))
		want, err := Run(tab, HRFactory())
		if err != nil {
			t.Fatal(err)
		}
		got, err := Run(tab, AutoFactory(HRFactory(), ZScoreFactory()))
		if err != nil {
			t.Fatal(err)
		}
		for i := HRProbe; i < tab.Rows(); i++ {
			if got.Score[i] != want.Score[i] || got.Alert[i] != want.Alert[i] {
				t.Fatalf("%s row %d: auto %v %v, hr %v %v", col, i, got.Score[i], got.Alert[i], want.Score[i], want.Alert[i])
			}
		}
		if !slices.Contains(want.Alert[900:930], true) {
			t.Errorf("%s: no HR alert at the rise", col)
		}
	}
}

// autoChoice returns what the auto detector settles on for column c of
// tab: "hr", "other", or "" when the file is too short to decide.
func autoChoice(t *testing.T, tab *Table, c int) string {
	t.Helper()
	d, err := AutoFactory(HRFactory(), ZScoreFactory()).New(Info{Name: tab.Name, Column: tab.Header[tab.ValueCols[c]], Rows: tab.Rows()})
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	for i := 0; i < tab.Rows() && Chosen(d) == ""; i++ {
		tm := tab.Times[i]
		if tab.TimeOK[i] {
			last = tm
		} else {
			tm = last
		}
		d.Observe(tm, tab.Values[c][i], tab.TimeOK[i] && !math.IsNaN(tab.Values[c][i]))
	}
	return Chosen(d)
}

// TestAutoChoiceOnRealData lists the detector the default picks for every
// NAB file (none may get hr) and every Stress-Predict development file
// (all must, with their column named heart_rate and renamed to value, as
// the held-out files are). It is skipped where the data is not present.
func TestAutoChoiceOnRealData(t *testing.T) {
	nab, _ := filepath.Glob("../../../../shared/nab/data/*/*.csv")
	dev, _ := filepath.Glob("../../../../shared/realhr/stress_predict_dev/S*.csv")
	if len(nab) == 0 || len(dev) == 0 {
		t.Skip("no NAB or Stress-Predict data here")
	}
	if len(nab) != 58 {
		t.Fatalf("%d NAB files, want 58", len(nab))
	}
	for _, p := range nab {
		tab, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got := autoChoice(t, tab, 0)
		t.Logf("%-60s %s", filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p), got)
		if got != "other" {
			t.Errorf("%s: auto picks %q, want the default (other)", p, got)
		}
	}
	for _, p := range dev {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range []string{"heart_rate", "value"} {
			text := strings.Replace(string(raw), "heart_rate", col, 1)
			tab, err := Read(strings.NewReader(text), filepath.Base(p), WithValueColumns(col))
			if err != nil {
				t.Fatal(err)
			}
			got := autoChoice(t, tab, 0)
			t.Logf("%s (%s) %s", filepath.Base(p), col, got)
			if got != "hr" {
				t.Errorf("%s with column %s: auto picks %q, want hr", p, col, got)
			}
		}
	}
}
