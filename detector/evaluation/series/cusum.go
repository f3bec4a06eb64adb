package series

import (
	"math"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/hrbase"
)

// HRCusum accumulates a person's heart-rate excess over their own baseline,
// measured in their own robust spread, and alerts when the sum is large: a
// CUSUM of the standardised rise, for sustained rises rather than a level
// crossing. It was tried as an alternative to HR on Stress-Predict and
// selected less well by the leave-participant-out folds (docs/realhr.md);
// `score --detector hrcusum` and `eval-csv --folds --detector hrcusum`
// keep it reproducible.
//
// Per row, windows in rows (seconds at 1 Hz): level s = median of the last
// Short values; baseline b = median of the Long values before them and
// spread σ = max(1.4826·MAD, SpreadFloor) of those values; z = (s − b)/σ;
// the sum S = max(0, S + z − Drift). The alert level is reached when
// S ≥ H and s − b ≥ MinRise: ρ = min(S/H, (s − b)/MinRise) ≥ 1, scored
// Surprise(LogUpperTail(zHalf·ρ)) and alarmed as HR is (open at 0.5, close
// below 0.375, refractory rows). The sum restarts at 0 when an alert opens;
// the baseline freezes while an alert is open (at most MaxFreeze rows), as
// HR's does. Missing values carry the previous score and are not learnt.
type HRCusum struct {
	p     CusumParams
	base  hrbase.Base
	alarm Alarm
	sum   float64
	last  float64
}

// CusumParams are HRCusum's settings.
type CusumParams struct {
	Short, Long, Warmup int     // rows: level, baseline, baseline values before scoring
	Drift               float64 // spreads of excess forgotten per row
	H                   float64 // alert when the sum reaches H
	MinRise             float64 // bpm; 0: no minimum
	SpreadFloor         float64 // bpm
	Refractory          int     // rows after an opening without a new one
	MaxFreeze           int     // rows
}

// DefaultCusumParams are HRCusum's defaults: the fold procedure's choice on
// all 17 development participants (docs/realhr.md).
func DefaultCusumParams() CusumParams {
	return CusumParams{Short: 5, Long: 300, Warmup: 200, Drift: 3, H: 190.8, MinRise: 3, SpreadFloor: 1, Refractory: 120, MaxFreeze: 300}
}

// NewHRCusum returns a CUSUM heart-rate detector.
func NewHRCusum(p CusumParams) *HRCusum {
	p.Short, p.Long, p.Warmup = max(1, p.Short), max(2, p.Long), max(1, p.Warmup)
	return &HRCusum{p: p, base: hrbase.New(p.Short, p.Long),
		alarm: Alarm{On: 0.5, Off: 0.375, Refractory: max(0, p.Refractory)}}
}

// HRCusumFactory makes an HRCusum detector per stream.
func HRCusumFactory(p CusumParams) Factory {
	return Factory{Name: "hrcusum", New: func(Info) (Detector, error) { return NewHRCusum(p), nil }}
}

// Observe implements Detector.
func (d *HRCusum) Observe(_ time.Time, x float64, ok bool) (float64, bool) {
	if !ok {
		return d.last, false
	}
	score := 0.0
	if r, sigma, ok := d.base.Rise(x, d.p.MaxFreeze, d.p.Warmup, d.p.SpreadFloor); ok {
		d.sum = math.Max(0, d.sum+r/sigma-d.p.Drift)
		rho := d.sum / d.p.H
		if d.p.MinRise > 0 {
			rho = math.Min(rho, r/d.p.MinRise)
		}
		if rho > 0 {
			score = Surprise(LogUpperTail(zHalf * rho))
		}
	}
	score, alert := d.alarm.Filter(score)
	if alert {
		d.sum = 0
	}
	d.base.Track(d.alarm.Open())
	d.last = score
	return score, alert
}
