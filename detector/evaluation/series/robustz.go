package series

import (
	"math"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/hrbase"
)

// RobustZ is the rolling robust z-score baseline for heart-rate rises: each
// value's z = (x − median)/(1.4826·MAD) against the previous Window values
// (the value is scored before it joins the window; the spread is at least
// 1e-9·max(1, |median|)). Only rises count: the alert level is z ≥ K, and
// the score is Surprise(LogUpperTail(zHalf·z/K)), 0.5 exactly at z = K,
// through the shared Alarm (closing below 0.375). It scores 0 until the
// window holds Window/2 values; missing values carry the previous score.
type RobustZ struct {
	cfg   config
	win   *hrbase.MedianWindow
	alarm Alarm
	last  float64
}

// NewRobustZ returns a rolling robust z-score detector (WithRobustZ sets
// its window and threshold).
func NewRobustZ(opts ...Option) *RobustZ {
	c := build(opts)
	return &RobustZ{cfg: c, win: hrbase.NewMedianWindow(c.robustWindow), alarm: c.alarm}
}

// RobustZFactory makes a RobustZ per stream.
func RobustZFactory(opts ...Option) Factory {
	return Factory{Name: "robustz", New: func(Info) (Detector, error) { return NewRobustZ(opts...), nil }}
}

// Observe implements Detector.
func (d *RobustZ) Observe(_ time.Time, x float64, ok bool) (float64, bool) {
	if !ok {
		return d.last, false
	}
	score := 0.0
	if d.win.N() >= max(2, d.cfg.robustWindow/2) {
		m := d.win.Median()
		s := math.Max(hrbase.MADScale*d.win.MAD(m), 1e-9*math.Max(1, math.Abs(m)))
		if z := (x - m) / s; z > 0 {
			score = Surprise(LogUpperTail(zHalf * z / d.cfg.robustK))
		}
	}
	d.win.Push(x)
	score, alert := d.alarm.Filter(score)
	d.last = score
	return score, alert
}
