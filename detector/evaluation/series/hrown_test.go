package series

import (
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine/actes"
)

func TestHROwnSteadyAndStep(t *testing.T) {
	// An hour of 2 bpm noise: no alert.
	ts, xs := hrSeries(3600, 2, 0, -1, 0, 2)
	if alerts, _ := observeAll(NewHROwn(DefaultOwnParams()), ts, xs); len(alerts) != 0 {
		t.Errorf("noise only: alerts at rows %v", alerts)
	}
	// A 20 bpm step at row 900: one alert, about half the 20-row level
	// window into it (the person's history is calm, so K decides).
	ts, xs = hrSeries(1800, 2, 20, 900, 0, 1)
	alerts, _ := observeAll(NewHROwn(DefaultOwnParams()), ts, xs)
	if len(alerts) != 1 || alerts[0] < 905 || alerts[0] > 915 {
		t.Errorf("20 bpm step at 900: alerts at rows %v, want one at 905..915", alerts)
	}
}

// TestHROwnRaisesItsOwnThreshold: a person whose heart rate keeps jumping
// by the same amount alerts at the first jumps; once those rises are in
// their history, an equal rise no longer clears max(K, C·quantile), while
// with the history switched off (quantile threshold never above K) each
// jump alerts.
func TestHROwnRaisesItsOwnThreshold(t *testing.T) {
	ts, xs := hrSeries(7200, 1, 0, -1, 0, 8)
	var jumps []int
	for at := 600; at+120 < len(xs); at += 600 {
		jumps = append(jumps, at)
		for i := at; i < at+120; i++ {
			xs[i] += 12
		}
	}
	p := DefaultOwnParams()
	p.K, p.Quantile = 3, 1 // the largest z so far
	d := NewHROwn(p)
	own, _ := observeAll(d, ts, xs)
	if len(own) == 0 || own[0] < jumps[0] || own[0] > jumps[0]+20 {
		t.Fatalf("alerts at %v: want the first at the first jump (row %d)", own, jumps[0])
	}
	if len(own) > 3 {
		t.Errorf("alerts at %v: want at most 3 of the %d equal jumps once they are the person's own", own, len(jumps))
	}
	if d.PersonalThreshold() <= p.K {
		t.Errorf("personal threshold %v, want above K %v after the jumps", d.PersonalThreshold(), p.K)
	}
	p.C = 1e-9 // C·quantile never reaches K: HR's fixed threshold
	fixed, _ := observeAll(NewHROwn(p), ts, xs)
	if len(fixed) != len(jumps) {
		t.Errorf("fixed threshold: alerts at %v, want one per jump %v", fixed, jumps)
	}
}

// TestHROwnQuantile checks the histogram quantile against the sorted
// history: within one bin (1/ownBinsPerZ) and never above the largest.
func TestHROwnQuantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for _, q := range []float64{0.5, 0.9, 0.99, 1} {
		d := NewHROwn(OwnParams{Lag: 0, Quantile: q, C: 1, K: 1e-9})
		var all []float64
		for range 5000 {
			z := 3 * rng.NormFloat64()
			d.learn(z)
			all = append(all, z)
		}
		slices.Sort(all)
		want := all[int(math.Ceil(q*float64(len(all))))-1]
		got := d.quantile()
		if got < want || got > want+1.0/ownBinsPerZ || got > all[len(all)-1] {
			t.Errorf("quantile %v: %v, want in [%v, %v]", q, got, want, want+1.0/ownBinsPerZ)
		}
	}
	// Values outside the histogram's range fall into its end bins.
	d := NewHROwn(OwnParams{Quantile: 0.5, C: 1, K: 1e-9})
	for range 10 {
		d.learn(1e6)
	}
	if got := d.quantile(); got != ownZMax {
		t.Errorf("all values above the range: quantile %v, want %v", got, ownZMax)
	}
}

// TestHROwnLag: a z joins the history only Lag valid rows later.
func TestHROwnLag(t *testing.T) {
	d := NewHROwn(OwnParams{Lag: 3, Quantile: 1, C: 1, K: 1e-9})
	for i, z := range []float64{5, 1, 1, 1} {
		d.learn(z)
		if want := i + 1 - 3; max(want, 0) != d.histN {
			t.Fatalf("after %d values: %d in the history, want %d", i+1, d.histN, max(want, 0))
		}
	}
	if d.quantile() != 5 {
		t.Errorf("largest %v, want 5", d.quantile())
	}
}

func TestOwnThreshold(t *testing.T) {
	for _, c := range ownCalibration {
		if got := OwnThreshold(c.rate); math.Abs(got-c.k) > 1e-12 {
			t.Errorf("OwnThreshold(%v) = %v, want the table's %v", c.rate, got, c.k)
		}
	}
	p := DefaultOwnParams()
	p.FalseAlertsPerHour = 4
	if NewHROwn(p).Threshold() != OwnThreshold(4) {
		t.Error("K does not come from the rate")
	}
	p.K = 2.5
	if NewHROwn(p).Threshold() != 2.5 {
		t.Error("K is not applied")
	}
}

// TestHRDefaultsOnACTES holds the heart-rate detectors at their defaults
// against 6.4 hours of real exercise (the 18 ACTES graded cycle tests in
// package actes' 1 Hz form: artefacts dropped, the last beat's rate each
// second): a steady ramp to exhaustion is this person's own variability,
// not a rise to flag. hr alerts twice in this form (subject 18 as the
// exercise starts, subject 11 near the peak; docs/realhr.md's per-second
// average gives it none); hrown may not alert more than hr. Skipped when
// the shared data is absent.
func TestHRDefaultsOnACTES(t *testing.T) {
	path := "../../../" + actes.DefaultPath
	subjects, err := actes.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("ACTES data not present at", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	count := func(f Factory) (alerts int, hours float64) {
		for _, s := range subjects {
			hr, _, _ := s.HeartRate()
			d, err := f.New(Info{Name: s.ID, Column: "value", Rows: len(hr)})
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, x := range hr {
				if _, a := d.Observe(t0.Add(time.Duration(i)*time.Second), x, !math.IsNaN(x)); a {
					alerts++
					t.Logf("%s: subject %s, second %d of %d, %.0f bpm", f.Name, s.ID, i, len(hr), x)
				}
			}
			hours += float64(len(hr)) / 3600
		}
		return alerts, hours
	}
	hr, hours := count(HRFactory())
	own, _ := count(HROwnFactory(DefaultOwnParams()))
	t.Logf("ACTES, %.1f h: hr %d alerts, hrown %d", hours, hr, own)
	if hr > 2 || own > hr {
		t.Errorf("%.1f h of graded exercise: hr %d alerts (want at most 2), hrown %d (want at most hr's)", hours, hr, own)
	}
}

// benchmarkHROwnObserve times one row through HROwn on a seeded 1 Hz
// series with rises, after its baseline has filled.
func benchmarkHROwnObserve(b *testing.B, rows int) {
	ts, xs := hrSeries(rows, 3, 20, rows/2, 300, 1)
	d := NewHROwn(DefaultOwnParams())
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

func BenchmarkHROwnObserve(b *testing.B) { benchmarkHROwnObserve(b, 3600) }
