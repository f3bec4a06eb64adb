package series

import "math"

// rolling keeps the mean and variance of the last n values pushed, in O(1)
// per push. Sums are kept about a shift (the first value) and recomputed
// exactly once per n pushes so rounding cannot drift. The buffer grows as
// values arrive, so a short stream never holds a long window's memory.
type rolling struct {
	buf         []float64
	size        int
	next, count int
	shift       float64
	sum, sumSq  float64
	sinceExact  int
}

func newRolling(n int) *rolling { return &rolling{size: n} }

func (r *rolling) push(x float64) {
	if r.count == 0 && r.sinceExact == 0 {
		r.shift = x
	}
	d := x - r.shift
	switch {
	case r.count == r.size:
		old := r.buf[r.next] - r.shift
		r.sum -= old
		r.sumSq -= old * old
		r.buf[r.next] = x
	default:
		r.count++
		r.buf = append(r.buf, x)
	}
	r.next = (r.next + 1) % r.size
	r.sum += d
	r.sumSq += d * d
	if r.sinceExact++; r.sinceExact >= r.size {
		r.exact()
	}
}

// exact recomputes the sums about the current mean.
func (r *rolling) exact() {
	r.sinceExact = 0
	if r.count == 0 {
		return
	}
	mean := r.shift + r.sum/float64(r.count)
	r.shift, r.sum, r.sumSq = mean, 0, 0
	for i := range r.count {
		d := r.buf[i] - r.shift
		r.sum += d
		r.sumSq += d * d
	}
}

func (r *rolling) n() int { return r.count }

func (r *rolling) mean() float64 { return r.shift + r.sum/float64(r.count) }

// std is the population standard deviation.
func (r *rolling) std() float64 {
	m := r.sum / float64(r.count)
	return math.Sqrt(math.Max(0, r.sumSq/float64(r.count)-m*m))
}
