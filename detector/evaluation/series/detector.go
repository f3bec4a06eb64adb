package series

import (
	"time"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/nab"
)

// Detector scores one univariate stream, one row at a time, in file order.
// It sees each row only once and never a later one.
type Detector interface {
	// Observe takes the next row: its timestamp (the last good one when the
	// row's own did not parse), its value, and ok=false when the value or
	// timestamp is missing. It returns the row's anomaly score in [0, 1] and
	// whether an alert opens at this row.
	Observe(t time.Time, x float64, ok bool) (score float64, alert bool)
}

// RawScorer is the first stage of a two-stage detector: an unbounded,
// non-negative anomaly measure per row (for example |z| or band-widths
// outside a forecast band), which a post-processor such as Likelihood turns
// into a score in [0, 1]. valid is false when there is no measure for the
// row (missing value, still warming up).
type RawScorer interface {
	ObserveRaw(t time.Time, x float64, ok bool) (raw float64, valid bool)
}

// Info describes the stream a detector is made for. Rows is known up
// front, as NAB tells its detectors the file length (for the probationary
// period and for fitting on a leading fraction); no value of a later row
// is.
type Info struct {
	Name   string // file name (relative path under a folder run)
	Column string // value column
	Rows   int    // rows in the file
}

// Probation returns the stream's probationary length, NAB's
// min(⌊0.15·Rows⌋, 750).
func (i Info) Probation() int { return nab.Probation(i.Rows) }

// Factory makes a fresh detector for each stream; NAB files are
// independent, so nothing is shared between them.
type Factory struct {
	Name string
	New  func(Info) (Detector, error)
}
