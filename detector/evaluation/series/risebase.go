package series

import "math"

// riseBase is the person's own heart-rate baseline that HR and HRCusum
// judge a rise against: the median of a short window (the current level)
// against the median and MAD of a long one (the baseline), which learns
// only what has left the short window and stops learning while an alert
// is open, for at most maxFreeze rows (after which it adapts to the new
// level), so an ongoing rise does not become its own baseline.
type riseBase struct {
	short, long *medianWindow
	frozen      int // rows the current alert has been open for (0: closed)
}

func newRiseBase(short, long int) riseBase {
	return riseBase{short: newMedianWindow(short), long: newMedianWindow(long)}
}

// rise takes reading x and returns the level's rise over the baseline, r,
// and the baseline's spread, sigma (its scaled MAD, at least floor); ok is
// false until the baseline holds min(warmup, its size) values.
func (rb *riseBase) rise(x float64, maxFreeze, warmup int, floor float64) (r, sigma float64, ok bool) {
	if rb.frozen == 0 || rb.frozen > maxFreeze {
		if rb.short.n() == rb.short.size {
			rb.long.push(rb.short.oldest())
		}
	}
	rb.short.push(x)
	if rb.long.n() < min(warmup, rb.long.size) {
		return 0, 0, false
	}
	b := rb.long.median()
	sigma = math.Max(madScale*rb.long.mad(b), floor)
	return rb.short.median() - b, sigma, true
}

// track counts the rows an alert has been open for (open: it is open after
// this row).
func (rb *riseBase) track(open bool) {
	if open {
		rb.frozen++
	} else {
		rb.frozen = 0
	}
}
