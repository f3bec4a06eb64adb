package engine

import (
	"math"
	"testing"
	"time"
)

// Reference beat-to-beat variability from real data: the ACTES graded cycle
// tests (Chabert et al., PhysioNet 2022, doi:10.13026/2qs3-kh43; 18
// subjects), RR intervals turned into the heart rate a 1 Hz wearable
// reports (the last beat's rate each second, rounded to 1 bpm), during
// exercise. Per subject: sd of the residual after a centred 31-s moving
// average, its lag-1 autocorrelation, and the sd of 1-s differences.
// Medians over subjects: 2.44 bpm (range 1.59–3.89), 0.45, 2.51 bpm.
// docs/engine.md has the script's description.
const (
	actesResidualSDMin, actesResidualSDMax = 1.59, 3.89
	actesLag1                              = 0.45
	actesDiffSD                            = 2.51
)

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
		sd, lag, diff, len(sds), 2.44, actesLag1, actesDiffSD)
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
