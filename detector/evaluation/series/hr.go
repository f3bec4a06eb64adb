package series

import (
	"math"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/hrbase"
)

// zHalf is the z whose upper tail probability is 1e-5, the surprise that
// scores 0.5: a detector that scores Surprise(LogUpperTail(zHalf·ratio))
// opens an alert exactly when ratio reaches 1.
var zHalf = func() float64 {
	lo, hi := 0.0, 10.0
	for range 100 {
		mid := (lo + hi) / 2
		if LogUpperTail(mid) > -5*math.Ln10 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}()

// HR detects sustained rises of heart rate above a person's own baseline,
// for people it has never seen: nothing is learnt across streams, every
// stream starts from scratch.
//
// Per row (windows in rows, seconds at 1 Hz):
//
//   - level s = median of the last Short values (the rise being judged);
//   - baseline b = median of the Long values before them, and spread
//     σ = max(1.4826·MAD of those values, SpreadFloor) in bpm: what this
//     person's recent variability explains;
//   - rise r = s − b (bpm) and z = r/σ.
//
// The alert level is reached when z ≥ K and r ≥ MinRise: the ratio
// ρ = min(z/K, r/MinRise) ≥ 1. The score is Surprise(LogUpperTail(zHalf·ρ)),
// so it is 0.5 exactly at ρ = 1 and the shared Alarm opens there (closing
// below 0.375, ρ ≈ 0.54), with a refractory period after each opening.
//
// The baseline learns only what has left the short window, and it stops
// learning while an alert is open (for at most MaxFreeze rows, after which
// it adapts to the new level): an ongoing rise does not become its own
// baseline. Until the baseline holds Warmup values the score is 0.
//
// K is set directly (WithHRThreshold) or from a target rate of false alerts
// per hour (WithFalseAlertsPerHour, default 1) through a calibration table
// measured on the Stress-Predict development half (docs/realhr.md).
// Missing values carry the previous score and are not learnt.
type HR struct {
	cfg   config
	k     float64
	base  hrbase.Base
	alarm Alarm
	last  float64
}

// NewHR returns a heart-rate rise detector.
func NewHR(opts ...Option) *HR {
	c := build(opts)
	k := c.hrK
	if k <= 0 {
		k = HRThreshold(c.faPerHour)
	}
	return &HR{cfg: c, k: k, base: hrbase.New(c.hrShort, c.hrLong),
		alarm: Alarm{On: 0.5, Off: 0.375, Refractory: c.hrRefractory}}
}

// HRFactory makes an HR detector per stream.
func HRFactory(opts ...Option) Factory {
	return Factory{Name: "hr", New: func(Info) (Detector, error) { return NewHR(opts...), nil }}
}

// Threshold returns the detector's K.
func (d *HR) Threshold() float64 { return d.k }

// Observe implements Detector.
func (d *HR) Observe(_ time.Time, x float64, ok bool) (float64, bool) {
	if !ok {
		return d.last, false
	}
	score := 0.0
	if r, sigma, ok := d.base.Rise(x, d.cfg.hrMaxFreeze, d.cfg.hrWarmup, d.cfg.hrSpreadFloor); ok {
		rho := math.Min(r/sigma/d.k, r/d.cfg.hrMinRise)
		if rho > 0 {
			score = Surprise(LogUpperTail(zHalf * rho))
		}
	}
	score, alert := d.alarm.Filter(score)
	// Frozen for rows 1…MaxFreeze of an open alert; after that the new
	// level is learnt as the baseline.
	d.base.Track(d.alarm.Open())
	d.last = score
	return score, alert
}

// hrCalibration maps a target rate of false alerts per hour to the
// threshold K, in increasing rate; HRThreshold interpolates it in
// log(rate). Measured with `chakra-tui eval-csv --calibrate` on the 17
// development participants of Stress-Predict at the default settings: for
// each rate, the smallest K of the grid 1, 1.25, …, 12 at which that K and
// every larger one give at most that rate (docs/realhr.md).
var hrCalibration = []struct{ rate, k float64 }{
	{0.25, 11.25},
	{0.5, 9.75},
	{1, 6.5},
	{2, 5.5},
	{4, 3.25},
	{8, 2},
}

// HRThreshold returns the K that gives about rate false alerts per hour on
// the calibration data (clamped to the table's ends).
func HRThreshold(rate float64) float64 { return interpolateK(hrCalibration, rate) }

// interpolateK reads a calibration table (rates increasing): the K at rate,
// interpolated linearly in log(rate) and clamped to the table's ends.
func interpolateK(cal []struct{ rate, k float64 }, rate float64) float64 {
	if !(rate > cal[0].rate) {
		return cal[0].k
	}
	for i := 1; i < len(cal); i++ {
		if rate <= cal[i].rate {
			a, b := cal[i-1], cal[i]
			f := math.Log(rate/a.rate) / math.Log(b.rate/a.rate)
			return a.k + f*(b.k-a.k)
		}
	}
	return cal[len(cal)-1].k
}
