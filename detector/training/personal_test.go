package training

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
)

var personalFull = flag.Bool("personal-calibrate", false,
	"TestPersonalKCalibration: run the full calibration of detector.PersonalCalibratedK (dev seeds 9101–9112, 100 soldiers × 1 h) and print its grid")

// personalRuns are the calibration's normal runs: the field world (the
// default), motion artefacts at the engine's default rate, on development
// seeds (never the held-out 9601–9608).
func personalRuns(full bool) RunConfig {
	rc := RunConfig{Seeds: []uint64{9101, 9102, 9103, 9104}, Soldiers: 100, Duration: time.Hour, Artefacts: 1, Workers: 2}
	if !full {
		rc.Soldiers = 50
	}
	if full {
		rc.Seeds = nil
		for s := uint64(9101); s <= 9112; s++ {
			rc.Seeds = append(rc.Seeds, s)
		}
	}
	return rc
}

// TestPersonalKCalibration recomputes detector.PersonalCalibratedK: on four
// of its twelve development seeds with half the soldiers (a sixth of its
// soldier-hours) the K chosen for the same target lies within 4 of it, and
// no higher than detector.DefaultPersonalK (the default keeps its margin).
// With -personal-calibrate it runs the full calibration the constant came
// from and prints its grid (go test ./detector/training -run
// TestPersonalKCalibration -v -args -personal-calibrate).
func TestPersonalKCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 400 soldier-hours")
	}
	sc, err := detector.Default()
	if err != nil {
		t.Fatal(err)
	}
	alerts := sc.(interface{ AlertConfig() detector.AlertConfig }).AlertConfig()
	cal, err := CalibratePersonal(context.Background(), personalRuns(*personalFull), alerts, detector.DefaultPersonalTargetFA, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	w := os.Stdout
	if !*personalFull {
		w = nil
	}
	for _, r := range cal.Grid {
		line := fmt.Sprintf("K %5.1f: %4d alerts, %.4f per soldier-hour (%.2f per 100), %d soldiers", r.K, r.Alerts, r.PerHour, 100*r.PerHour, r.Soldiers)
		if w != nil {
			fmt.Fprintln(w, line)
		} else {
			t.Log(line)
		}
	}
	t.Logf("seeds %v, %.0f soldier-hours judged: K %g for ≤ %g false alerts per soldier-hour", cal.Seeds, cal.SoldierHours, cal.K, cal.TargetFA)
	if *personalFull {
		// The same replay for a kit without stamina (no activity gate), for
		// docs/realhr.md.
		bare, err := CalibratePersonal(context.Background(), personalRuns(true), alerts, detector.DefaultPersonalTargetFA, nil, false)
		fmt.Fprintf(os.Stdout, "without stamina (no activity gate): K %g (%v)\n", bare.K, err)
		for _, r := range bare.Grid {
			fmt.Fprintf(os.Stdout, "K %5.1f: %4d alerts, %.4f per soldier-hour (%.2f per 100), %d soldiers\n", r.K, r.Alerts, r.PerHour, 100*r.PerHour, r.Soldiers)
		}
		if cal.K != detector.PersonalCalibratedK {
			t.Errorf("the full calibration chose K %g; detector.PersonalCalibratedK is %g", cal.K, detector.PersonalCalibratedK)
		}
		return
	}
	if math.Abs(cal.K-detector.PersonalCalibratedK) > 4 || cal.K > detector.DefaultPersonalK {
		t.Errorf("K %g on %v, detector.PersonalCalibratedK %g, DefaultPersonalK %g", cal.K, cal.Seeds, detector.PersonalCalibratedK, detector.DefaultPersonalK)
	}
}

// TestCalibratePersonalRules: refusals, and a K chosen so that it and every
// larger K of the grid stay within the target.
func TestCalibratePersonalRules(t *testing.T) {
	alerts := detector.DefaultAlertConfig()
	rc := RunConfig{Seeds: []uint64{9105}, Soldiers: 10, Duration: 20 * time.Minute, Artefacts: 1}
	ctx := context.Background()
	if _, err := CalibratePersonal(ctx, RunConfig{Seeds: rc.Seeds, Soldiers: 10, Duration: time.Minute, PoisonRate: 0.05}, alerts, 0.01, nil, true); err == nil {
		t.Error("calibrated on runs with anomalies")
	}
	if _, err := CalibratePersonal(ctx, rc, alerts, 0, nil, true); err == nil {
		t.Error("calibrated to a target of 0")
	}
	cal, err := CalibratePersonal(ctx, rc, alerts, 5, []float64{8, 2, 4}, true)
	if len(cal.Grid) != 3 || cal.Grid[0].K != 2 || cal.SoldierHours <= 0 {
		t.Fatalf("grid %+v, %.2f soldier-hours", cal.Grid, cal.SoldierHours)
	}
	if err != nil {
		if cal.Grid[2].PerHour <= cal.TargetFA {
			t.Fatalf("%v, but K 8 gives %.3f per soldier-hour", err, cal.Grid[2].PerHour)
		}
		return
	}
	for _, r := range cal.Grid {
		if r.K >= cal.K && r.PerHour > cal.TargetFA {
			t.Errorf("K %g ≥ chosen %g gives %.3f per soldier-hour, above %g", r.K, cal.K, r.PerHour, cal.TargetFA)
		}
		if r.K < cal.K && r.K == cal.Grid[0].K && cal.Grid[1].PerHour <= cal.TargetFA && r.PerHour <= cal.TargetFA {
			t.Errorf("K %g is within the target too, yet %g was chosen", r.K, cal.K)
		}
	}
	t.Logf("grid %+v: K %g", cal.Grid, cal.K)
}
