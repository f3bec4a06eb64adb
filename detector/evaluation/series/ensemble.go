package series

import (
	"math"
	"time"
)

// Range flags values outside the range of every earlier value, widened on
// each side by a fraction of that range (Numenta's "spatial anomaly"
// check). It scores RangeScore on such a row and 0 otherwise, and never
// alerts by itself; it is meant as an Ensemble member. The first learn
// values only set the range.
type Range struct {
	tol    float64
	learn  int
	n      int
	lo, hi float64
}

// RangeScore is the score Range gives a value outside the known range.
const RangeScore = 0.9

// NewRange returns a range check with tolerance tol (a fraction of the
// range) that starts flagging after learn values.
func NewRange(tol float64, learn int) *Range { return &Range{tol: tol, learn: learn} }

// Observe implements Detector.
func (r *Range) Observe(_ time.Time, x float64, ok bool) (float64, bool) {
	if !ok {
		return 0, false
	}
	r.n++
	score := 0.0
	if r.n > r.learn && r.hi > r.lo {
		tol := (r.hi - r.lo) * r.tol
		if x > r.hi+tol || x < r.lo-tol {
			score = RangeScore
		}
	}
	if r.n == 1 {
		r.lo, r.hi = x, x
	}
	r.lo, r.hi = math.Min(r.lo, x), math.Max(r.hi, x)
	return score, false
}

// Ensemble runs several detectors on the same stream and reports the
// largest of their scores through one Alarm (members' own alerts are
// ignored; build them WithoutAlarm so they do not cap their scores).
type Ensemble struct {
	members []Detector
	alarm   Alarm
}

// NewEnsemble combines members under one alarm.
func NewEnsemble(alarm Alarm, members ...Detector) *Ensemble {
	return &Ensemble{members: members, alarm: alarm}
}

// Observe implements Detector.
func (e *Ensemble) Observe(t time.Time, x float64, ok bool) (float64, bool) {
	score := 0.0
	for _, m := range e.members {
		s, _ := m.Observe(t, x, ok)
		score = math.Max(score, s)
	}
	return e.alarm.Filter(score)
}
