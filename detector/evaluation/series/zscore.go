package series

import (
	"math"
	"time"
)

// ZScore is the windowed-Gaussian baseline: each value's z-score against
// the mean and standard deviation of the previous values in a rolling
// window (the value itself is scored before it joins the window). The raw
// score is |z|; the score is Surprise of the two-sided tail probability
// 2·Q(|z|). Missing values carry the previous score and are not learnt.
type ZScore struct {
	cfg   config
	win   *rolling
	last  float64
	alarm Alarm
}

// NewZScore returns a windowed-Gaussian detector.
func NewZScore(opts ...Option) *ZScore {
	c := build(opts)
	return &ZScore{cfg: c, win: newRolling(c.window), alarm: c.alarm}
}

// ZScoreFactory makes a ZScore per stream.
func ZScoreFactory(opts ...Option) Factory {
	return Factory{Name: "zscore", New: func(Info) (Detector, error) { return NewZScore(opts...), nil }}
}

// ObserveRaw returns |z| of x against the window, then adds x to it.
func (d *ZScore) ObserveRaw(_ time.Time, x float64, ok bool) (float64, bool) {
	if !ok {
		return 0, false
	}
	valid := d.win.n() >= d.cfg.minSamples
	raw := 0.0
	if valid {
		mean := d.win.mean()
		std := math.Max(d.win.std(), d.cfg.stdFloor*math.Max(1, math.Abs(mean)))
		raw = math.Abs(x-mean) / std
	}
	d.win.push(x)
	return raw, valid
}

// Observe implements Detector.
func (d *ZScore) Observe(t time.Time, x float64, ok bool) (float64, bool) {
	raw, valid := d.ObserveRaw(t, x, ok)
	if !valid {
		return d.last, false
	}
	d.last = Surprise(math.Log(2) + LogUpperTail(raw))
	return d.last, d.alarm.Step(d.last)
}
