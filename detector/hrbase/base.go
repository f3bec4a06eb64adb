package hrbase

import "math"

// Base is a person's own heart-rate baseline: the median of a short window
// (the current level) against the median and MAD of a long one (the
// baseline). The long window learns only what has left the short one and
// stops learning while the caller's alert is open, for at most maxFreeze
// readings (after which it adapts to the new level), so an ongoing rise
// does not become its own baseline. A Base costs 16 bytes per value of
// its two windows once they are full (ring and sorted copy).
type Base struct {
	short, long *MedianWindow
	frozen      int // readings the current alert has been open for (0: closed)
}

// New returns an empty baseline with a level of short readings and a
// baseline of long readings, its buffers allocated at their full size
// (16 bytes per reading of either window).
func New(short, long int) Base {
	return Base{short: newFull(short), long: newFull(long)}
}

// newFull returns an empty window of n values with its buffers allocated.
func newFull(n int) *MedianWindow {
	w := NewMedianWindow(n)
	w.ring, w.sorted = make([]float64, 0, w.size), make([]float64, 0, w.size)
	return w
}

// Rise takes reading x and returns the level's rise over the baseline, r,
// and the baseline's spread, sigma (its scaled MAD, at least floor); ok is
// false until the baseline holds min(warmup, its size) values.
func (b *Base) Rise(x float64, maxFreeze, warmup int, floor float64) (r, sigma float64, ok bool) {
	r, _, sigma, ok = b.Level(x, maxFreeze, warmup, floor)
	return r, sigma, ok
}

// Level is Rise that also returns the baseline's median, base (the level
// is base + r).
func (b *Base) Level(x float64, maxFreeze, warmup int, floor float64) (r, base, sigma float64, ok bool) {
	if b.frozen == 0 || b.frozen > maxFreeze {
		if b.short.N() == b.short.size {
			b.long.Push(b.short.Oldest())
		}
	}
	b.short.Push(x)
	if b.long.N() < min(warmup, b.long.size) {
		return 0, 0, 0, false
	}
	base = b.long.Median()
	sigma = math.Max(MADScale*b.long.MAD(base), floor)
	return b.short.Median() - base, base, sigma, true
}

// Track counts the readings an alert has been open for (open: it is open
// after this reading).
func (b *Base) Track(open bool) {
	if open {
		b.frozen++
	} else {
		b.frozen = 0
	}
}

// Learnt returns how many values the baseline holds.
func (b *Base) Learnt() int { return b.long.N() }

// Bytes returns the memory the baseline's buffers hold (their capacity).
func (b *Base) Bytes() int { return b.short.Bytes() + b.long.Bytes() }
