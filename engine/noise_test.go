package engine

import (
	"errors"
	"io/fs"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine/actes"
)

// Reference beat-to-beat variability from real data: the ACTES graded cycle
// tests (Chabert et al., PhysioNet 2022, doi:10.13026/2qs3-kh43; 18
// subjects), RR intervals turned into the heart rate a 1 Hz wearable
// reports, during exercise. Per subject: sd of the residual after a centred
// 31-s moving average, its lag-1 autocorrelation, and the sd of 1-s
// differences. Medians over subjects: 2.62 bpm (range 1.71–3.23), 0.46,
// 2.62 bpm. TestACTESReference recomputes them from the data when
// ../shared/realhr is there (package actes says how beats become 1 Hz).
const (
	actesResidualSD                        = 2.62
	actesResidualSDMin, actesResidualSDMax = 1.71, 3.23
	actesLag1                              = 0.46
	actesDiffSD                            = 2.62
)

// actesFile is the shared copy of the ACTES beat table, relative to this
// package.
const actesFile = "../" + actes.DefaultPath

// actesStats computes the reference figures from the ACTES beat table, read
// by package actes (its artefact rule and 1 Hz conversion), over each
// subject's exercise. Returns the medians over subjects and the range of
// the residual sd.
func actesStats(t *testing.T) (sd, sdMin, sdMax, lag1, diffSD float64) {
	t.Helper()
	subjects, err := actes.Load(actesFile)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("ACTES data not present at", actesFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	var sds, lags, diffs []float64
	for _, s := range subjects {
		hr, from, to := s.HeartRate()
		if to-from < 240 {
			t.Fatalf("subject %s: only %d s of exercise", s.ID, to-from)
		}
		a, b, c := hrNoise(hr[from:to])
		sds, lags, diffs = append(sds, a), append(lags, b), append(diffs, c)
	}
	sdMin, sdMax = math.Inf(1), math.Inf(-1)
	for _, x := range sds {
		sdMin, sdMax = math.Min(sdMin, x), math.Max(sdMax, x)
	}
	return midMedian(sds), sdMin, sdMax, midMedian(lags), midMedian(diffs)
}

// midMedian is the median that averages the two middle values of an even
// count (18 subjects).
func midMedian(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// TestACTESReference keeps the constants above honest: recomputed from the
// real data, they agree to the two decimals quoted.
func TestACTESReference(t *testing.T) {
	sd, lo, hi, lag, diff := actesStats(t)
	t.Logf("ACTES exercise: residual sd %.3f (%.3f–%.3f), lag-1 %.3f, 1-s diff sd %.3f", sd, lo, hi, lag, diff)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"residual sd", sd, actesResidualSD}, {"lowest residual sd", lo, actesResidualSDMin},
		{"highest residual sd", hi, actesResidualSDMax}, {"lag-1", lag, actesLag1}, {"1-s diff sd", diff, actesDiffSD},
	} {
		if math.Abs(c.got-c.want) > 0.005 {
			t.Errorf("%s: data give %.3f, the constant says %.2f", c.name, c.got, c.want)
		}
	}
}

// hrNoise computes the three statistics for one stretch of 1 Hz readings.
func hrNoise(s []float64) (sd, lag1, diffSD float64) {
	var res []float64
	for i := 15; i < len(s)-15; i++ {
		var m float64
		for _, x := range s[i-15 : i+16] {
			m += x
		}
		res = append(res, s[i]-m/31)
	}
	mu := mean(res)
	var v, c, d float64
	for i, x := range res {
		v += (x - mu) * (x - mu)
		if i > 0 {
			c += (x - mu) * (res[i-1] - mu)
		}
	}
	for i := 1; i < len(s); i++ {
		d += (s[i] - s[i-1]) * (s[i] - s[i-1])
	}
	return math.Sqrt(v / float64(len(res))), c / v, math.Sqrt(d / float64(len(s)-1))
}

func TestHeartRateNoiseLikeRealData(t *testing.T) {
	cfg := testConfig(30, 4*time.Hour, 1)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	frames, _ := runAll(t, cfg)
	var sds, lags, diffs []float64
	for id := range 30 {
		var cur []float64
		flush := func() {
			if len(cur) > 240 { // settled stretches of exercise: skip 2 min after a phase change
				sd, l, d := hrNoise(cur[120:])
				sds, lags, diffs = append(sds, sd), append(lags, l), append(diffs, d)
			}
			cur = cur[:0]
		}
		for _, f := range frames {
			if o := f.Obs[id]; o.Phase == PhasePatrol || o.Phase == PhaseMarch {
				cur = append(cur, o.Values[HeartRate])
			} else {
				flush()
			}
		}
		flush()
	}
	if len(sds) < 50 {
		t.Fatalf("only %d stretches of exercise", len(sds))
	}
	sd, lag, diff := median(sds), median(lags), median(diffs)
	t.Logf("simulated exercise: residual sd %.2f, lag-1 %.2f, 1-s diff sd %.2f over %d stretches (ACTES: %.2f, %.2f, %.2f)",
		sd, lag, diff, len(sds), actesResidualSD, actesLag1, actesDiffSD)
	if sd < actesResidualSDMin || sd > actesResidualSDMax {
		t.Errorf("residual sd %.2f bpm outside the real range %.2f–%.2f", sd, actesResidualSDMin, actesResidualSDMax)
	}
	if math.Abs(lag-actesLag1) > 0.15 {
		t.Errorf("lag-1 autocorrelation %.2f, real data %.2f ± 0.15", lag, actesLag1)
	}
	if math.Abs(diff-actesDiffSD) > 0.75 {
		t.Errorf("1-s difference sd %.2f bpm, real data %.2f ± 0.75", diff, actesDiffSD)
	}
}
