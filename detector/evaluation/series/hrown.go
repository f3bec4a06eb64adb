package series

import (
	"math"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/hrbase"
)

// HROwn is HR with a threshold of each person's own: a rise is judged
// against the rises that person has already shown, not only against a K
// set for everybody. It keeps HR's baseline (level = median of the last
// Short values, baseline = median of the Long values before them, spread
// σ = max(1.4826·MAD, SpreadFloor), z = (level − baseline)/σ, the baseline
// frozen while an alert is open for at most MaxFreeze rows) and adds a
// per-person history of z:
//
//   - every valid z joins the history Lag rows after it was computed (so a
//     rise under way is not yet part of what it is judged against);
//   - the person's threshold T = max(K, C·Q), Q the Quantile of the
//     history (Quantile 1: its largest value), or K while the history is
//     empty;
//   - the alert level is reached when z ≥ T and the rise ≥ MinRise:
//     ρ = min(z/T, rise/MinRise) ≥ 1, scored Surprise(LogUpperTail(zHalf·ρ))
//     and alarmed as HR is (open at 0.5, close below 0.375, Refractory rows).
//
// A person whose z often runs high (a restless wearer, a noisy sensor)
// thereby raises their own threshold; a calm one keeps K. Nothing is learnt
// across streams. The history is a histogram of z in steps of 1/ownBinsPerZ
// over [ownZMin, ownZMax) (values outside fall into the end bins), so the
// quantile is exact to a bin and a row allocates nothing.
type HROwn struct {
	p     OwnParams
	base  hrbase.Base
	alarm Alarm
	last  float64

	lag     []float64 // z of the last Lag valid rows (ring), NaN: not yet filled
	lagNext int
	hist    [ownBins]uint32
	histN   int
	histMax float64
}

// OwnParams are HROwn's settings.
type OwnParams struct {
	Short, Long, Warmup int     // rows: level, baseline, baseline values before scoring
	Lag                 int     // rows before a z joins the person's history
	Quantile            float64 // of the history, in (0, 1]; 1: the largest z so far
	C                   float64 // the threshold is max(K, C·quantile)
	K                   float64 // smallest threshold on z; 0: from FalseAlertsPerHour
	FalseAlertsPerHour  float64 // target rate when K is 0 (ownCalibration)
	MinRise             float64 // bpm
	SpreadFloor         float64 // bpm
	Refractory          int     // rows after an opening without a new one
	MaxFreeze           int     // rows
}

// DefaultOwnParams are HROwn's defaults: the structure HR uses, the history
// settings (quantile 0.95, C 1) the leave-one-participant-out fold
// procedure chooses on all 17 development participants (docs/realhr.md), K
// from 1 false alert per hour (6).
func DefaultOwnParams() OwnParams {
	return OwnParams{Short: 20, Long: 300, Warmup: 200, Lag: 60, Quantile: 0.95, C: 1,
		FalseAlertsPerHour: 1, MinRise: 3, SpreadFloor: 1, Refractory: 120, MaxFreeze: 300}
}

// The history histogram: z in [ownZMin, ownZMax) in steps of 1/ownBinsPerZ.
const (
	ownZMin, ownZMax = -20.0, 40.0
	ownBinsPerZ      = 20
	ownBins          = int(ownZMax-ownZMin) * ownBinsPerZ
)

// NewHROwn returns a heart-rate detector with a per-person threshold.
func NewHROwn(p OwnParams) *HROwn {
	p.Short, p.Long, p.Warmup, p.Lag = max(1, p.Short), max(2, p.Long), max(1, p.Warmup), max(0, p.Lag)
	if !(p.Quantile > 0 && p.Quantile <= 1) {
		p.Quantile = 1
	}
	if !(p.K > 0) {
		p.K = OwnThreshold(p.FalseAlertsPerHour)
	}
	d := &HROwn{p: p, base: hrbase.New(p.Short, p.Long),
		alarm: Alarm{On: 0.5, Off: 0.375, Refractory: max(0, p.Refractory)},
		lag:   make([]float64, p.Lag), histMax: math.Inf(-1)}
	for i := range d.lag {
		d.lag[i] = math.NaN()
	}
	return d
}

// HROwnFactory makes an HROwn detector per stream.
func HROwnFactory(p OwnParams) Factory {
	return Factory{Name: "hrown", New: func(Info) (Detector, error) { return NewHROwn(p), nil }}
}

// Threshold returns the detector's smallest threshold K.
func (d *HROwn) Threshold() float64 { return d.p.K }

// PersonalThreshold returns the threshold the next row is judged by:
// max(K, C·quantile of the history), K while the history is empty.
func (d *HROwn) PersonalThreshold() float64 {
	if d.histN == 0 {
		return d.p.K
	}
	return math.Max(d.p.K, d.p.C*d.quantile())
}

// quantile returns the history's Quantile: its largest value for 1, else
// the upper edge of the bin holding the ⌈q·n⌉-th smallest value.
func (d *HROwn) quantile() float64 {
	if d.p.Quantile >= 1 {
		return d.histMax
	}
	above := d.histN - int(math.Ceil(d.p.Quantile*float64(d.histN))) // values allowed above
	seen := 0
	for b := ownBins - 1; b >= 0; b-- {
		seen += int(d.hist[b])
		if seen > above {
			return math.Min(ownZMin+float64(b+1)/ownBinsPerZ, d.histMax)
		}
	}
	return ownZMin
}

// learn adds z to the history (after the lag).
func (d *HROwn) learn(z float64) {
	if d.p.Lag > 0 {
		z, d.lag[d.lagNext] = d.lag[d.lagNext], z
		d.lagNext = (d.lagNext + 1) % d.p.Lag
		if math.IsNaN(z) {
			return
		}
	}
	b := int(math.Floor((z - ownZMin) * ownBinsPerZ))
	d.hist[min(max(b, 0), ownBins-1)]++
	d.histN++
	d.histMax = math.Max(d.histMax, z)
}

// Observe implements Detector.
func (d *HROwn) Observe(_ time.Time, x float64, ok bool) (float64, bool) {
	if !ok {
		return d.last, false
	}
	score := 0.0
	if r, sigma, ok := d.base.Rise(x, d.p.MaxFreeze, d.p.Warmup, d.p.SpreadFloor); ok {
		z := r / sigma
		rho := z / d.PersonalThreshold()
		if d.p.MinRise > 0 {
			rho = math.Min(rho, r/d.p.MinRise)
		}
		if rho > 0 {
			score = Surprise(LogUpperTail(zHalf * rho))
		}
		d.learn(z)
	}
	score, alert := d.alarm.Filter(score)
	d.base.Track(d.alarm.Open())
	d.last = score
	return score, alert
}

// ownCalibration maps a target rate of false alerts per hour to HROwn's
// smallest threshold K at the default settings, in increasing rate;
// OwnThreshold interpolates it in log(rate). Measured with `chakra-tui
// eval-csv --detector hrown --calibrate` on the 17 development participants
// of Stress-Predict, as hrCalibration is (docs/realhr.md).
var ownCalibration = []struct{ rate, k float64 }{
	{0.25, 11.25},
	{0.5, 9.75},
	{1, 6},
	{2, 3.25},
	{4, 1}, // the grid's end: the person's own quantile keeps the rate near 3 per hour below K ≈ 2
	{8, 1},
}

// OwnThreshold returns the K that gives about rate false alerts per hour on
// the calibration data (clamped to the table's ends).
func OwnThreshold(rate float64) float64 { return interpolateK(ownCalibration, rate) }
