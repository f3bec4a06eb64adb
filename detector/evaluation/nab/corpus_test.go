package nab

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nabRoot is the shared copy of the NAB corpus, relative to this package.
const nabRoot = "../../../../shared/nab"

type nabFile struct {
	key   string
	times []time.Time
	wins  []Window
}

// loadNAB reads every labelled file's timestamps, or skips the test when
// the corpus is absent.
func loadNAB(t *testing.T) (Labels, []nabFile) {
	t.Helper()
	labels, err := LoadLabels(filepath.Join(nabRoot, "labels", "combined_windows.json"))
	if os.IsNotExist(unwrapAll(err)) {
		t.Skip("NAB corpus not present at", nabRoot)
	}
	if err != nil {
		t.Fatal(err)
	}
	var files []nabFile
	for _, key := range labels.Files() {
		fh, err := os.Open(filepath.Join(nabRoot, "data", filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Scan() // header
		var ts []time.Time
		for sc.Scan() {
			cell, _, _ := strings.Cut(sc.Text(), ",")
			tm, err := time.Parse(time.DateTime, cell)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			ts = append(ts, tm)
		}
		fh.Close()
		files = append(files, nabFile{key, ts, labels[key]})
	}
	return labels, files
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		next := u.Unwrap()
		if next == nil {
			return err
		}
		err = next
	}
}

// oracleFile scores one file the way NAB's sweep walks it: by timestamp
// equality, entering a window at its start timestamp and leaving it after
// the row that carries its end timestamp. It is written independently of
// NewFile to cross-check the row mapping and the weights.
func oracleFile(times []time.Time, wins []Window, scores []float64, p Profile, threshold float64) float64 {
	prob := int(math.Min(math.Floor(0.15*float64(len(times))), 750))
	index := func(t time.Time) int {
		for i, u := range times {
			if u.Equal(t) {
				return i
			}
		}
		return -1
	}
	pending := append([]Window(nil), wins...)
	in := false
	var cur Window
	var right, width, prevRight, prevWidth int
	prevRight = -1
	partial := map[int]float64{}
	windowID := -1
	fp := 0.0
	for i, ts := range times {
		if len(pending) > 0 && ts.Equal(pending[0].Start) {
			cur, pending = pending[0], pending[1:]
			in = true
			windowID++
			right = index(cur.End)
			width = right - index(cur.Start) + 1
		}
		var w float64
		if in {
			w = p.TP * ScaledSigmoid(-float64(right-i+1)/float64(width)) / ScaledSigmoid(-1)
		} else if prevRight < 0 {
			w = p.FP * ScaledSigmoid(3)
		} else {
			w = p.FP * ScaledSigmoid(math.Abs(float64(prevRight-i))/float64(prevWidth-1))
		}
		if i >= prob {
			if in {
				if _, ok := partial[windowID]; !ok {
					partial[windowID] = -p.FN
				}
				if scores[i] >= threshold && w > partial[windowID] {
					partial[windowID] = w
				}
			} else if scores[i] >= threshold {
				fp += w
			}
		}
		if in && ts.Equal(cur.End) {
			in = false
			prevRight, prevWidth = i, width
		}
	}
	total := fp
	for _, v := range partial {
		total += v
	}
	return total
}

func TestCorpusWindowsMatchExactly(t *testing.T) {
	labels, files := loadNAB(t)
	if labels.NumWindows() != 116 || len(files) != 58 {
		t.Fatalf("%d windows in %d files, want 116 in 58", labels.NumWindows(), len(files))
	}
	for _, nf := range files {
		f, err := NewFile(nf.key, nf.times, nf.wins)
		if err != nil {
			t.Fatal(err)
		}
		for k, s := range f.Spans {
			if !nf.times[s.First].Equal(nf.wins[k].Start) || !nf.times[s.Last].Equal(nf.wins[k].End) {
				t.Errorf("%s window %d mapped to rows %v by the fallback", nf.key, k, s)
			}
			if s.First < f.Probation {
				t.Errorf("%s window %d starts in the probationary period", nf.key, k)
			}
		}
	}
}

// TestCorpusNullPerfectAll checks the null and perfect detectors on the real
// corpus (0 and 100 in every profile) and an every-row detector against the
// independent oracle.
func TestCorpusNullPerfectAll(t *testing.T) {
	_, files := loadNAB(t)
	var null, perfect, all Corpus
	for _, nf := range files {
		f, err := NewFile(nf.key, nf.times, nf.wins)
		if err != nil {
			t.Fatal(err)
		}
		ones := make([]float64, f.Rows)
		for i := range ones {
			ones[i] = 1
		}
		_ = null.Add(f, make([]float64, f.Rows))
		_ = perfect.Add(f, f.PerfectScores())
		_ = all.Add(f, ones)
	}
	for _, p := range Profiles() {
		for _, r := range []Result{null.ScoreAt(p, 0.5), null.Optimise(p)} {
			if r.Total.Normalised != 0 || r.Total.Raw != p.Null(116) {
				t.Errorf("%s null: raw %v normalised %v", p.Name, r.Total.Raw, r.Total.Normalised)
			}
		}
		for _, r := range []Result{perfect.ScoreAt(p, 0.5), perfect.Optimise(p)} {
			if math.Abs(float64(r.Total.Normalised)-100) > 1e-9 || r.Total.Detected != 116 {
				t.Errorf("%s perfect: raw %v normalised %v", p.Name, r.Total.Raw, r.Total.Normalised)
			}
		}
		r := all.ScoreAt(p, 0.5)
		want := 0.0
		for _, nf := range files {
			ones := make([]float64, len(nf.times))
			for i := range ones {
				ones[i] = 1
			}
			want += oracleFile(nf.times, nf.wins, ones, p, 0.5)
		}
		if math.Abs(r.Total.Raw-want) > 1e-6 {
			t.Errorf("%s every-row detector: raw %v, oracle %v", p.Name, r.Total.Raw, want)
		}
		t.Logf("%s every-row detector: raw %.6f normalised %.4f, %d false positives", p.Name, r.Total.Raw, float64(r.Total.Normalised), r.Total.FP)
		if r.Total.Detected != 116 {
			t.Errorf("%s every-row detector detected %d windows", p.Name, r.Total.Detected)
		}
	}
}

// TestCorpusRandomAgainstOracle scores random detectors on the real corpus
// at a few thresholds, and checks the sweep's optimum against them.
func TestCorpusRandomAgainstOracle(t *testing.T) {
	_, files := loadNAB(t)
	rng := rand.New(rand.NewPCG(7, 8))
	var c Corpus
	scores := make([][]float64, len(files))
	for i, nf := range files {
		f, err := NewFile(nf.key, nf.times, nf.wins)
		if err != nil {
			t.Fatal(err)
		}
		s := make([]float64, f.Rows)
		for j := range s {
			s[j] = math.Pow(rng.Float64(), 0.02) // mostly near 1, like real scores
		}
		scores[i] = s
		_ = c.Add(f, s)
	}
	for _, p := range Profiles() {
		for _, th := range []float64{0.9999, 0.99999, 0.999999} {
			want := 0.0
			for i, nf := range files {
				want += oracleFile(nf.times, nf.wins, scores[i], p, th)
			}
			if got := c.ScoreAt(p, th).Total.Raw; math.Abs(got-want) > 1e-6 {
				t.Errorf("%s at %v: raw %v, oracle %v", p.Name, th, got, want)
			}
		}
		opt := c.Optimise(p)
		for _, th := range []float64{opt.Threshold, 0.9999, 0.99999} {
			if r := c.ScoreAt(p, th); r.Total.Raw > opt.Total.Raw+1e-9 {
				t.Errorf("%s: threshold %v scores %v above the optimum %v", p.Name, th, r.Total.Raw, opt.Total.Raw)
			}
		}
	}
}
