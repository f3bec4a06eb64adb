package nab

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// NoDetection is the threshold reported when the best choice is to detect
// nothing: above every score in [0, 1], as NAB's sweep starts at 1.1.
const NoDetection = 1.1

// Number is a float64 that encodes NaN and ±Inf as JSON null.
type Number float64

// MarshalJSON writes the number at full precision, or null if not finite.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// Tally is a score with its counts, for a file, a category or a corpus.
type Tally struct {
	Raw        float64 `json:"raw"`
	Normalised Number  `json:"normalised"` // NaN (null) without windows
	Windows    int     `json:"windows"`
	Detected   int     `json:"detected"`        // windows with a detection
	Missed     int     `json:"missed"`          // scorable windows without one
	FP         int     `json:"false_positives"` // detections outside windows
}

func (t *Tally) add(u Tally) {
	t.Raw += u.Raw
	t.Windows += u.Windows
	t.Detected += u.Detected
	t.Missed += u.Missed
	t.FP += u.FP
}

// FileResult is one file's share of a Result.
type FileResult struct {
	Name string `json:"file"`
	Tally
}

// CategoryResult is one category's share of a Result, normalised against
// the null and perfect detectors of that category alone.
type CategoryResult struct {
	Name  string `json:"category"`
	Files int    `json:"files"`
	Tally
}

// Result is a corpus scored under one profile at one threshold.
type Result struct {
	Profile   Profile `json:"profile"`
	Threshold float64 `json:"threshold"`
	// Optimised says the threshold came from Optimise (tuned in-sample on
	// the corpus) rather than being fixed beforehand.
	Optimised  bool             `json:"optimised"`
	Total      Tally            `json:"total"`
	Categories []CategoryResult `json:"categories"`
	Files      []FileResult     `json:"files"`
}

// MarshalJSON keeps the threshold finite in JSON.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	p := plain(r)
	if math.IsInf(p.Threshold, 0) || math.IsNaN(p.Threshold) {
		p.Threshold = NoDetection
	}
	return json.Marshal(p)
}

// Corpus is a set of files with one detector's per-row anomaly scores.
// The zero value is empty and ready to use; it is not safe for concurrent
// use while files are added.
type Corpus struct {
	files  []*File
	scores [][]float64
}

// Add adds a file and its scores, one per row. NaN scores never count as
// detections. The slice is kept, not copied.
func (c *Corpus) Add(f *File, scores []float64) error {
	if len(scores) != f.Rows {
		return fmt.Errorf("%s: %d scores for %d rows: %w", f.Name, len(scores), f.Rows, ErrLength)
	}
	c.files = append(c.files, f)
	c.scores = append(c.scores, scores)
	return nil
}

// NumWindows returns the number of windows over every file added.
func (c *Corpus) NumWindows() int {
	n := 0
	for _, f := range c.files {
		n += len(f.Spans)
	}
	return n
}

// ScoreAt scores the corpus under p with detections where score ≥ threshold.
func (c *Corpus) ScoreAt(p Profile, threshold float64) Result {
	r := Result{Profile: p, Threshold: threshold}
	var order []string
	cats := map[string]*CategoryResult{}
	for fi, f := range c.files {
		t := scoreFile(f, c.scores[fi], p, threshold)
		t.Normalised = Number(p.Normalise(t.Raw, t.Windows))
		r.Files = append(r.Files, FileResult{Name: f.Name, Tally: t})
		r.Total.add(t)
		cat := f.Category()
		cr, ok := cats[cat]
		if !ok {
			cr = &CategoryResult{Name: cat}
			cats[cat] = cr
			order = append(order, cat)
		}
		cr.Files++
		cr.add(t)
	}
	slices.Sort(order)
	for _, name := range order {
		cr := cats[name]
		cr.Normalised = Number(p.Normalise(cr.Raw, cr.Windows))
		r.Categories = append(r.Categories, *cr)
	}
	slices.SortFunc(r.Files, func(a, b FileResult) int { return cmp.Compare(a.Name, b.Name) })
	r.Total.Normalised = Number(p.Normalise(r.Total.Raw, r.Total.Windows))
	return r
}

// scoreFile applies the rules to one file at one threshold.
func scoreFile(f *File, scores []float64, p Profile, threshold float64) Tally {
	t := Tally{Windows: len(f.Spans)}
	best := make([]float64, len(f.Spans))
	hit := make([]bool, len(f.Spans))
	fp := 0.0
	for i := f.Probation; i < f.Rows; i++ {
		if !(scores[i] >= threshold) {
			continue
		}
		if k := f.win[i]; k >= 0 {
			if v := p.TP * f.weight[i]; !hit[k] || v > best[k] {
				best[k], hit[k] = v, true
			}
			continue
		}
		fp += p.FP * f.weight[i]
		t.FP++
	}
	for k := range f.Spans {
		switch {
		case hit[k]:
			t.Raw += best[k]
			t.Detected++
		case f.scorable(k):
			t.Raw -= p.FN
			t.Missed++
		}
	}
	t.Raw += fp
	return t
}

// sweepPoint is one scorable row in the threshold sweep.
type sweepPoint struct {
	score  float64
	weight float64
	window int32 // corpus-wide window index, -1 outside windows
}

// Optimise finds NAB's best threshold for p: it sorts every scorable row's
// score in descending order, tries each distinct score as the threshold,
// and keeps the one with the highest raw score (the highest threshold among
// ties; NoDetection if detecting nothing is best). The returned Result is
// scored at that threshold and marked Optimised. The threshold is tuned on
// the corpus it scores.
func (c *Corpus) Optimise(p Profile) Result {
	pts, base := c.sweepPoints()
	best := make([]float64, len(base))
	windowSum := 0.0
	for w, scorable := range base {
		if scorable {
			best[w] = -p.FN
			windowSum -= p.FN
		}
	}
	fp := 0.0
	bestTotal, bestThreshold := windowSum, math.Inf(1)
	for i := 0; i < len(pts); {
		s := pts[i].score
		for ; i < len(pts) && pts[i].score == s; i++ {
			pt := pts[i]
			if pt.window < 0 {
				fp += p.FP * pt.weight
				continue
			}
			if v := p.TP * pt.weight; v > best[pt.window] {
				windowSum += v - best[pt.window]
				best[pt.window] = v
			}
		}
		if total := windowSum + fp; total > bestTotal {
			bestTotal, bestThreshold = total, s
		}
	}
	if math.IsInf(bestThreshold, 1) {
		bestThreshold = NoDetection
		if len(pts) > 0 && pts[0].score >= NoDetection {
			bestThreshold = math.Inf(1)
		}
	}
	r := c.ScoreAt(p, bestThreshold)
	r.Optimised = true
	return r
}

// sweepPoints lists every scorable row, sorted by descending score, and
// which corpus-wide windows are scorable.
func (c *Corpus) sweepPoints() ([]sweepPoint, []bool) {
	n := 0
	for _, f := range c.files {
		n += f.Rows - min(f.Probation, f.Rows)
	}
	pts := make([]sweepPoint, 0, n)
	var scorable []bool
	for fi, f := range c.files {
		offset := int32(len(scorable))
		for k := range f.Spans {
			scorable = append(scorable, f.scorable(k))
		}
		for i := f.Probation; i < f.Rows; i++ {
			s := c.scores[fi][i]
			if math.IsNaN(s) {
				continue
			}
			w := int32(-1)
			if f.win[i] >= 0 {
				w = offset + f.win[i]
			}
			pts = append(pts, sweepPoint{score: s, weight: f.weight[i], window: w})
		}
	}
	slices.SortStableFunc(pts, func(a, b sweepPoint) int { return cmp.Compare(b.score, a.score) })
	return pts, scorable
}
