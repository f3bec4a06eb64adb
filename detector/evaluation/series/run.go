package series

import (
	"fmt"
	"math"
	"time"
)

// Scores is a detector's output for every row of a table.
type Scores struct {
	Score []float64 // in [0, 1]
	Alert []bool    // an alert opens at this row
}

// Run scores every row of t in file order with a fresh detector per value
// column; each detector sees row i before row i+1 and nothing after it. A
// row's score is the largest over its columns, its alert true if any
// column's is.
func Run(t *Table, f Factory) (Scores, error) { return RunProgress(t, f, nil) }

// RunProgress is Run that also reports how far it is: after every row
// where the percentage of rows done grows (at most 100 calls, the last at
// done == total), progress(done, total) is called from Run's goroutine.
// A nil progress reports nothing.
func RunProgress(t *Table, f Factory, progress func(done, total int)) (Scores, error) {
	dets := make([]Detector, len(t.ValueCols))
	for c, col := range t.ValueCols {
		d, err := f.New(Info{Name: t.Name, Column: t.Header[col], Rows: t.Rows()})
		if err != nil {
			return Scores{}, fmt.Errorf("%s detector for %s column %q: %w", f.Name, t.Name, t.Header[col], err)
		}
		dets[c] = d
	}
	s := Scores{Score: make([]float64, t.Rows()), Alert: make([]bool, t.Rows())}
	var last time.Time
	for i := range t.Records {
		tm, tok := t.Times[i], t.TimeOK[i]
		if tok {
			last = tm
		} else {
			tm = last
		}
		for c, d := range dets {
			x := t.Values[c][i]
			score, alert := d.Observe(tm, x, tok && !math.IsNaN(x))
			if c == 0 || score > s.Score[i] {
				s.Score[i] = score
			}
			s.Alert[i] = s.Alert[i] || alert
		}
		s.Score[i] = clamp01(s.Score[i])
		if progress != nil && (i+1)*100/len(t.Records) > i*100/len(t.Records) {
			progress(i+1, len(t.Records))
		}
	}
	return s, nil
}

func clamp01(x float64) float64 {
	switch {
	case x > 1:
		return 1
	case x >= 0:
		return x
	default: // negative or NaN
		return 0
	}
}
