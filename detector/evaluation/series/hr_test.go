package series

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// hrSeries returns n rows of seeded heart rate at 1 Hz: 70 bpm with
// Gaussian noise of sd bpm, plus rise bpm from row at on (until the end,
// or for dur rows when dur > 0).
func hrSeries(n int, sd, rise float64, at, dur int, seed uint64) ([]time.Time, []float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	t0 := time.Date(2022, 2, 7, 9, 0, 0, 0, time.UTC)
	ts, xs := make([]time.Time, n), make([]float64, n)
	for i := range n {
		ts[i] = t0.Add(time.Duration(i) * time.Second)
		xs[i] = 70 + sd*rng.NormFloat64()
		if at >= 0 && i >= at && (dur <= 0 || i < at+dur) {
			xs[i] += rise
		}
	}
	return ts, xs
}

// observeAll runs d over the rows and returns the rows where alerts open.
func observeAll(d Detector, ts []time.Time, xs []float64) (alerts []int, scores []float64) {
	for i := range ts {
		s, a := d.Observe(ts[i], xs[i], !math.IsNaN(xs[i]))
		if a {
			alerts = append(alerts, i)
		}
		scores = append(scores, s)
	}
	return alerts, scores
}

func TestHRDetectsSustainedRise(t *testing.T) {
	ts, xs := hrSeries(1800, 2, 20, 900, 0, 1)
	alerts, _ := observeAll(NewHR(), ts, xs)
	if len(alerts) != 1 {
		t.Fatalf("alerts at rows %v, want exactly one (at the rise, row 900)", alerts)
	}
	// The level is a 20-row median: it crosses the rise after about 10
	// rows of it.
	if d := alerts[0] - 900; d < 5 || d > 15 {
		t.Errorf("alert %d rows after the rise, want 5..15", d)
	}
}

func TestHRIgnoresNoiseAndSmallRises(t *testing.T) {
	// 2 bpm of noise for an hour: the baseline explains it.
	ts, xs := hrSeries(3600, 2, 0, -1, 0, 2)
	if alerts, _ := observeAll(NewHR(), ts, xs); len(alerts) != 0 {
		t.Errorf("noise only: alerts at rows %v", alerts)
	}
	// With K = 1, a 2.5 bpm step on a nearly flat signal is 2.5 spreads
	// (the 1 bpm floor) high but under the 3 bpm minimum rise.
	ts, xs = hrSeries(1800, 0.2, 2.5, 900, 0, 3)
	if alerts, _ := observeAll(NewHR(WithHRThreshold(1)), ts, xs); len(alerts) != 0 {
		t.Errorf("2.5 bpm step: alerts at rows %v", alerts)
	}
	// The same step of 4 bpm alerts.
	ts, xs = hrSeries(1800, 0.2, 4, 900, 0, 3)
	if alerts, _ := observeAll(NewHR(WithHRThreshold(1)), ts, xs); len(alerts) != 1 {
		t.Errorf("4 bpm step: alerts at rows %v, want one", alerts)
	}
	// With a 5 bpm minimum it does not.
	if alerts, _ := observeAll(NewHR(WithHRThreshold(1), WithMinRise(5)), ts, xs); len(alerts) != 0 {
		t.Errorf("4 bpm step, 5 bpm minimum: alerts at rows %v", alerts)
	}
}

// TestHRFreezesBaselineWhileAlerting checks the baseline does not learn an
// ongoing rise: a rise lasting 250 rows (longer than the refractory period
// and most of the 300-row baseline) opens one alert, and the same rise
// again after it has gone opens a second. Without the freeze the first
// rise would have become the baseline and the level would have dropped
// below it when it ended.
func TestHRFreezesBaselineWhileAlerting(t *testing.T) {
	ts, xs := hrSeries(2400, 1, 15, 600, 250, 4)
	for i := 1500; i < 1700; i++ {
		xs[i] += 15
	}
	d := NewHR()
	alerts, scores := observeAll(d, ts, xs)
	if len(alerts) != 2 || alerts[0] < 600 || alerts[0] > 630 || alerts[1] < 1500 || alerts[1] > 1530 {
		t.Fatalf("alerts at rows %v, want one near 600 and one near 1500", alerts)
	}
	// While the first rise lasts, the alert stays open (its score capped
	// at the closing level): the baseline did not catch up with it.
	for i := alerts[0] + 1; i < 845; i++ {
		if scores[i] != 0.375 {
			t.Fatalf("row %d (inside the rise): score %v, want 0.375 (alert open, capped)", i, scores[i])
		}
	}
}

// TestHRLearnsNewLevelAfterMaxFreeze: a lasting shift alerts once, and
// after the longest freeze the baseline takes the new level, so a further
// rise from there alerts again.
func TestHRLearnsNewLevelAfterMaxFreeze(t *testing.T) {
	ts, xs := hrSeries(3000, 1, 15, 600, 0, 5)
	for i := 2000; i < len(xs); i++ {
		xs[i] += 15
	}
	alerts, _ := observeAll(NewHR(), ts, xs)
	if len(alerts) != 2 || alerts[0] > 630 || alerts[1] < 2000 || alerts[1] > 2030 {
		t.Fatalf("alerts at rows %v, want one near 600 and one near 2000", alerts)
	}
}

func TestHRMissingValues(t *testing.T) {
	ts, xs := hrSeries(1200, 2, 20, 900, 0, 6)
	for i := 880; i < 930; i++ {
		xs[i] = math.NaN() // the rise starts inside a gap
	}
	d := NewHR()
	alerts, scores := observeAll(d, ts, xs)
	for i := 881; i < 930; i++ {
		if scores[i] != scores[880] {
			t.Fatalf("row %d (missing): score %v, want the carried %v", i, scores[i], scores[880])
		}
	}
	if len(alerts) != 1 || alerts[0] < 930 || alerts[0] > 945 {
		t.Errorf("alerts at rows %v, want one soon after row 930", alerts)
	}
}

func TestHRThreshold(t *testing.T) {
	for _, c := range hrCalibration {
		if got := HRThreshold(c.rate); math.Abs(got-c.k) > 1e-12 {
			t.Errorf("HRThreshold(%v) = %v, want the table's %v", c.rate, got, c.k)
		}
	}
	if got := HRThreshold(0.01); got != hrCalibration[0].k {
		t.Errorf("below the table: %v, want %v", got, hrCalibration[0].k)
	}
	if got := HRThreshold(100); got != hrCalibration[len(hrCalibration)-1].k {
		t.Errorf("above the table: %v", got)
	}
	// Halfway in log(rate) between 1 and 2 is √2: halfway between their K.
	a, b := hrCalibration[2], hrCalibration[3]
	if got, want := HRThreshold(math.Sqrt2), (a.k+b.k)/2; math.Abs(got-want) > 1e-9 {
		t.Errorf("HRThreshold(√2) = %v, want %v", got, want)
	}
	for r := 0.1; r < 20; r *= 1.1 {
		if HRThreshold(r*1.1) > HRThreshold(r) {
			t.Fatalf("K rises with the rate at %v", r)
		}
	}
	if NewHR(WithFalseAlertsPerHour(4)).Threshold() != HRThreshold(4) || NewHR(WithHRThreshold(2.5), WithFalseAlertsPerHour(4)).Threshold() != 2.5 {
		t.Error("the threshold options are not applied")
	}
}

// TestHRScoreMatchesAlert: the score is 0.5 exactly at the alert level
// (ρ = 1), so a threshold on anomaly_score at 0.5 agrees with the alerts.
func TestHRScoreMatchesAlert(t *testing.T) {
	if got := Surprise(LogUpperTail(zHalf)); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("score at ρ = 1: %v, want 0.5", got)
	}
	ts, xs := hrSeries(1800, 2, 20, 900, 0, 7)
	alerts, scores := observeAll(NewHR(), ts, xs)
	for i, s := range scores {
		opened := len(alerts) > 0 && alerts[0] == i
		if (s >= 0.5) != opened {
			t.Fatalf("row %d: score %v, alert %v", i, s, opened)
		}
	}
}

var benchHR float64

// benchmarkHRObserve times one row through the HR detector on a seeded
// 1 Hz series with rises, after its baseline has filled.
func benchmarkHRObserve(b *testing.B, rows int) {
	ts, xs := hrSeries(rows, 3, 20, rows/2, 300, 1)
	d := NewHR()
	for i := range 600 {
		d.Observe(ts[i], xs[i], true)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 600
	for b.Loop() {
		if i == rows {
			i = 600
		}
		benchHR, _ = d.Observe(ts[i], xs[i], true)
		i++
	}
}

func BenchmarkHRObserve(b *testing.B) { benchmarkHRObserve(b, 3600) }

// TestHRCusumStep feeds a noiseless 70 bpm with ±1 bpm alternation (MAD 1)
// for 400 rows, then a step to 80: the level median rises 10 bpm 6 rows
// later (Short 10: rows 400–405 make the 6 of 10 values above), z = 10/1.48,
// the sum grows by z − Drift per row and the alert opens once it passes H
// (and the 3 bpm minimum); nothing alerts before the step or twice within
// the refractory period.
func TestHRCusumStep(t *testing.T) {
	p := DefaultCusumParams()
	p.Drift, p.H = 1, 30
	d := NewHRCusum(p)
	t0 := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	var alerts []int
	for i := range 520 {
		x := 70.0 + float64(i%2*2-1)
		if i >= 400 {
			x += 10
		}
		if _, a := d.Observe(t0.Add(time.Duration(i)*time.Second), x, true); a {
			alerts = append(alerts, i)
		}
	}
	// z = 10/1.4826 = 6.745, 5.745 per row over the drift: 30 is passed on
	// the 6th row of excess, row 405 + 5 = 410.
	if len(alerts) != 1 || alerts[0] < 405 || alerts[0] > 412 {
		t.Errorf("alerts at %v, want one at about row 410", alerts)
	}
}
