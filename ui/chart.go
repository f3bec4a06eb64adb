package ui

import (
	"math"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// column is one column of a time chart: `step` consecutive ticks of one
// soldier aggregated. Observed readings keep their range (so a one-tick spike
// still shows), forecasts their mean, states their worst.
type column struct {
	n            int
	obsLo, obsHi float64
	q            [detector.NumQuantiles]float64
	out          float64 // signed, largest in magnitude
	state        detector.State
	phase        engine.Phase
	truth        engine.AnomalyKind
	t            int64 // tick of the column's newest sample
}

// columns aggregates vital x of h into cols columns of step ticks, the last
// column ending at the newest sample.
func columns(h *history, x engine.Vital, cols, step int, dst []column) []column {
	dst = dst[:0]
	for j := range cols {
		c := column{obsLo: math.NaN(), obsHi: math.NaN()}
		for k := range c.q {
			c.q[k] = math.NaN()
		}
		hi := h.n - (cols-1-j)*step // exclusive
		lo := hi - step
		var qn [detector.NumQuantiles]int
		var qs [detector.NumQuantiles]float64
		for i := max(lo, 0); i < hi; i++ {
			if i < 0 {
				continue
			}
			s := h.at(i)
			c.n++
			c.t = s.t
			c.phase = s.phase
			if severity(s.state) > severity(c.state) {
				c.state = s.state
			}
			if s.truth != engine.KindNone && (c.truth == engine.KindNone || s.truth.IsEvent()) {
				c.truth = s.truth
			}
			if o := float64(s.out[x]); math.Abs(o) > math.Abs(c.out) {
				c.out = o
			}
			if v := float64(s.v[x]); !math.IsNaN(v) {
				if math.IsNaN(c.obsLo) || v < c.obsLo {
					c.obsLo = v
				}
				if math.IsNaN(c.obsHi) || v > c.obsHi {
					c.obsHi = v
				}
			}
			for k := range qs {
				if v := float64(s.q[x][k]); !math.IsNaN(v) {
					qs[k] += v
					qn[k]++
				}
			}
		}
		for k := range qs {
			if qn[k] > 0 {
				c.q[k] = qs[k] / float64(qn[k])
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// minSpan is the smallest value range a chart of each vital spans, so sensor
// noise on a steady reading does not fill the chart.
var minSpan = [engine.NumVitals]float64{engine.HeartRate: 20, engine.Stamina: 10, engine.CoreTemp: 0.6, engine.SpO2: 4}

// physLimit is the range a vital's chart never leaves.
var physLimit = [engine.NumVitals][2]float64{
	engine.HeartRate: {0, 260}, engine.Stamina: {0, 100}, engine.CoreTemp: {30, 45}, engine.SpO2: {40, 100},
}

// yRange returns the value range of a chart over cols: every reading and the
// 2–98 % band, padded, at least minSpan wide.
func yRange(cols []column, x engine.Vital) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	see := func(v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	for i := range cols {
		see(cols[i].obsLo)
		see(cols[i].obsHi)
		see(cols[i].q[0])
		see(cols[i].q[detector.NumQuantiles-1])
	}
	if lo > hi {
		return 0, minSpan[x]
	}
	// a band much wider than the readings (the fixed-threshold baseline's
	// rule limits) must not squash them: keep the view near the readings
	rlo, rhi := math.Inf(1), math.Inf(-1)
	for i := range cols {
		if !math.IsNaN(cols[i].obsLo) {
			rlo, rhi = min(rlo, cols[i].obsLo), max(rhi, cols[i].obsHi)
		}
	}
	if rlo <= rhi {
		span := max(rhi-rlo, minSpan[x])
		lo, hi = max(lo, rlo-span), min(hi, rhi+span)
	}
	pad := (hi - lo) * 0.05
	lo, hi = lo-pad, hi+pad
	if d := minSpan[x] - (hi - lo); d > 0 {
		lo, hi = lo-d/2, hi+d/2
	}
	if l := physLimit[x]; hi > l[1] {
		lo, hi = lo-(hi-l[1]), l[1]
	}
	if l := physLimit[x]; lo < l[0] {
		lo = l[0]
	}
	return lo, hi
}

// cellKind is what one chart cell shows, in increasing priority.
type cellKind uint8

const (
	cellEmpty  cellKind = iota
	cellOuter           // inside the 2–98 % band
	cellInner           // inside the 10–90 % band
	cellMedian          // the forecast median
	cellObs             // a reading inside the band
	cellObsOut          // a reading outside the band
)

var cellRune = [...]rune{cellEmpty: ' ', cellOuter: '░', cellInner: '▒', cellMedian: '─', cellObs: '●', cellObsOut: '◆'}

func (st *Styles) cellPaint(k cellKind) paint {
	switch k {
	case cellOuter:
		return st.Outer.paint
	case cellInner:
		return st.Inner.paint
	case cellMedian:
		return st.Median.paint
	case cellObs:
		return st.Bold.paint
	case cellObsOut:
		return st.State[detector.StateAlert].paint
	}
	return paint{}
}

// bandChart writes a chart of height rows: a label column of labelW columns
// (values on the top, middle and bottom rows, then an axis) and one column per
// entry of cols. Each row but the last ends with a newline.
func bandChart(c *cells, st *Styles, cols []column, x engine.Vital, height, labelW int) {
	lo, hi := yRange(cols, x)
	dy := (hi - lo) / float64(height)
	for r := range height {
		if r > 0 {
			c.newline()
		}
		top := hi - float64(r)*dy
		bottom := top - dy
		mid := (top + bottom) / 2
		c.begin(st.Muted.paint)
		switch {
		case r == 0:
			c.float(roundTo(x, top), precision(x), labelW-1)
		case r == height-1:
			c.float(roundTo(x, bottom), precision(x), labelW-1)
		case r == height/2 && height >= 5:
			c.float(roundTo(x, mid), precision(x), labelW-1)
		default:
			c.padTo(c.col + labelW - 1)
		}
		c.rune('┤')
		c.end(st.Muted.paint)
		cur := cellEmpty
		for j := range cols {
			k := cellAt(&cols[j], top, bottom, mid, r == 0, hi-lo)
			if k != cur {
				c.end(st.cellPaint(cur))
				c.begin(st.cellPaint(k))
				cur = k
			}
			c.rune(cellRune[k])
		}
		c.end(st.cellPaint(cur))
	}
}

// cellAt classifies one cell spanning values [bottom, top). A band wider than
// the whole chart (view) is drawn by its edges only, so it does not flood the
// chart.
func cellAt(col *column, top, bottom, mid float64, topRow bool, view float64) cellKind {
	if col.n == 0 {
		return cellEmpty
	}
	if !math.IsNaN(col.obsLo) && col.obsHi >= bottom && (col.obsLo < top || topRow && col.obsLo <= top) {
		if col.out != 0 {
			return cellObsOut
		}
		return cellObs
	}
	if m := col.q[2]; !math.IsNaN(m) && m >= bottom && m < top {
		return cellMedian
	}
	if col.q[1] <= mid && mid <= col.q[3] {
		return cellInner
	}
	lo, hi := col.q[0], col.q[detector.NumQuantiles-1]
	if hi-lo > 0.8*view {
		if lo >= bottom && lo < top || hi >= bottom && hi < top {
			return cellOuter
		}
		return cellEmpty
	}
	if lo <= mid && mid <= hi {
		return cellOuter
	}
	return cellEmpty
}

// precision is how many decimals a vital is shown with.
func precision(x engine.Vital) int {
	if x == engine.CoreTemp {
		return 1
	}
	return 0
}

func roundTo(x engine.Vital, v float64) float64 {
	p := math.Pow(10, float64(precision(x)))
	return math.Round(v*p) / p
}

// ribbon writes one row of per-column marks under a chart.
func ribbon(c *cells, st *Styles, label string, labelW int, cols []column, cell func(*column) (rune, paint)) {
	c.begin(st.Muted.paint)
	c.str(label)
	c.padTo(c.col + labelW - width(label))
	c.end(st.Muted.paint)
	var cur paint
	for j := range cols {
		r, p := cell(&cols[j])
		if p != cur {
			c.end(cur)
			c.begin(p)
			cur = p
		}
		c.rune(r)
	}
	c.end(cur)
}

// axis writes the time axis: the span on the left, a tick at every minute,
// "now" on the right.
func axis(c *cells, st *Styles, labelW int, cols []column, span int64) {
	c.begin(st.Muted.paint)
	c.padTo(c.col + labelW - 1)
	c.rune('└')
	n, j, stop := len(cols), 0, len(cols)
	labels := n >= 16
	if labels {
		before := c.col
		c.rune('-')
		c.duration(span)
		c.rune(' ')
		j, stop = c.col-before, n-4
	}
	for ; j < stop; j++ {
		if j > 0 && cols[j].n > 0 && cols[j-1].n > 0 && cols[j].t/60 != cols[j-1].t/60 {
			c.rune('┴')
		} else {
			c.rune('─')
		}
	}
	if labels {
		c.str(" now")
	}
	c.end(st.Muted.paint)
}
