package hrbase

import (
	"math"
	"sort"
)

// MADScale turns a median absolute deviation into a standard deviation
// for Gaussian data (1/Φ⁻¹(3/4)).
const MADScale = 1.4826

// MedianWindow keeps the last n values pushed, in arrival order and sorted,
// so that the median costs O(1) and the median absolute deviation O(n) per
// call; a push costs one binary search and one copy of at most n values.
// Its buffers grow as values arrive up to n and are then reused: pushing
// allocates nothing once the window is full.
type MedianWindow struct {
	size   int
	ring   []float64 // arrival order, ring[next] is the oldest once full
	next   int
	sorted []float64
}

// NewMedianWindow returns an empty window of the last n values (at least 1).
func NewMedianWindow(n int) *MedianWindow { return &MedianWindow{size: max(1, n)} }

// Size returns how many values the window holds when full.
func (w *MedianWindow) Size() int { return w.size }

// Push adds x, dropping the oldest value when the window is full.
func (w *MedianWindow) Push(x float64) {
	if len(w.ring) == w.size {
		old := w.ring[w.next]
		w.ring[w.next] = x
		w.next = (w.next + 1) % w.size
		i := sort.SearchFloat64s(w.sorted, old)
		copy(w.sorted[i:], w.sorted[i+1:])
		w.sorted = w.sorted[:len(w.sorted)-1]
	} else {
		w.ring = append(w.ring, x)
	}
	i := sort.SearchFloat64s(w.sorted, x)
	w.sorted = append(w.sorted, 0)
	copy(w.sorted[i+1:], w.sorted[i:])
	w.sorted[i] = x
}

// N returns how many values the window holds.
func (w *MedianWindow) N() int { return len(w.sorted) }

// Median returns the median (the mean of the two middle values for an even
// count); NaN when empty.
func (w *MedianWindow) Median() float64 {
	n := len(w.sorted)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return w.sorted[n/2]
	}
	return (w.sorted[n/2-1] + w.sorted[n/2]) / 2
}

// MAD returns the median absolute deviation from m, the median of
// |x − m|. The deviations below m (walking down from m) and above m
// (walking up) are two sorted runs; merging them to the middle finds the
// median without a buffer.
func (w *MedianWindow) MAD(m float64) float64 {
	n := len(w.sorted)
	if n == 0 {
		return math.NaN()
	}
	up := sort.SearchFloat64s(w.sorted, m) // first value ≥ m
	down := up - 1
	kth := func(k int) float64 { // k-th smallest deviation, 0-based; advances the runs
		var d float64
		for range k + 1 {
			switch {
			case down < 0:
				d = w.sorted[up] - m
				up++
			case up >= n:
				d = m - w.sorted[down]
				down--
			case m-w.sorted[down] <= w.sorted[up]-m:
				d = m - w.sorted[down]
				down--
			default:
				d = w.sorted[up] - m
				up++
			}
		}
		return d
	}
	if n%2 == 1 {
		return kth(n / 2)
	}
	lo := kth(n/2 - 1)
	hi := kth(0) // the next deviation in order
	return (lo + hi) / 2
}

// Oldest returns the value the next push drops once the window is full
// (the oldest value); it must not be called on an empty window.
func (w *MedianWindow) Oldest() float64 {
	if len(w.ring) < w.size {
		return w.ring[0]
	}
	return w.ring[w.next]
}

// Bytes returns the memory the window's buffers hold (their capacity).
func (w *MedianWindow) Bytes() int { return 8 * (cap(w.ring) + cap(w.sorted)) }
