package nab

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Probation returns the number of leading rows NAB ignores in a file of n
// rows: min(⌊0.15·n⌋, 750).
func Probation(n int) int {
	return min(int(math.Floor(0.15*float64(n))), 750)
}

// Span is a window as a range of rows, both ends inclusive.
type Span struct {
	First, Last int
}

// Len returns the number of rows in the span.
func (s Span) Len() int { return s.Last - s.First + 1 }

// File is one data file prepared for scoring: its rows, its probationary
// period and its windows as row ranges, with each row's NAB weight computed
// once (weights do not depend on the profile or the detector).
type File struct {
	Name      string // labels key, e.g. "realKnownCause/nyc_taxi.csv"
	Rows      int
	Probation int
	Spans     []Span

	win    []int32   // window (index into Spans) of each row; -1 outside
	weight []float64 // in a window: σ(y)/σ(−1); outside: σ(y) or −1
}

// Category returns the first element of the file's name ("" if none).
func (f *File) Category() string {
	if i := strings.IndexByte(f.Name, '/'); i >= 0 {
		return f.Name[:i]
	}
	return ""
}

// NewFile maps the windows of the data file name onto its rows, given the
// timestamp of every row in file order (repeated and out-of-order
// timestamps are allowed, as in NAB's own files).
//
// A window starts at the first row whose timestamp equals its start and ends
// at the first row at or after that whose timestamp equals its end, as NAB
// matches them. When a file lacks the exact timestamp (labels written for
// other data), the window starts at the first row at or after its start and
// ends at the last row of the run that follows while timestamps stay at or
// before its end. A window matching no row is ErrNoRows; windows sharing a
// row are ErrOverlap.
func NewFile(name string, times []time.Time, windows []Window) (*File, error) {
	f := &File{Name: name, Rows: len(times), Probation: Probation(len(times))}
	for _, w := range windows {
		s, ok := matchWindow(times, w)
		if !ok {
			return nil, fmt.Errorf("%s window [%s, %s]: %w", name, w.Start.Format(time.DateTime), w.End.Format(time.DateTime), ErrNoRows)
		}
		if n := len(f.Spans); n > 0 && s.First <= f.Spans[n-1].Last {
			return nil, fmt.Errorf("%s window [%s, %s]: %w", name, w.Start.Format(time.DateTime), w.End.Format(time.DateTime), ErrOverlap)
		}
		f.Spans = append(f.Spans, s)
	}
	f.weigh()
	return f, nil
}

func matchWindow(times []time.Time, w Window) (Span, bool) {
	first := -1
	for i, t := range times {
		if t.Equal(w.Start) {
			first = i
			break
		}
	}
	if first < 0 {
		for i, t := range times {
			if !t.Before(w.Start) {
				first = i
				break
			}
		}
	}
	if first < 0 {
		return Span{}, false
	}
	for j := first; j < len(times); j++ {
		if times[j].Equal(w.End) {
			return Span{first, j}, true
		}
	}
	last := first - 1
	for j := first; j < len(times) && !times[j].After(w.End); j++ {
		last = j
	}
	if last < first {
		return Span{}, false
	}
	return Span{first, last}, true
}

// weigh fills each row's window and weight.
//
// In a window [l, r] of W rows: y = −(r−i+1)/W, weight σ(y)/σ(−1), so a
// detection at l is worth exactly A_TP and one at r about 0.1·A_TP/W.
// After a window [l', r'] of W' rows: y = (i−r')/(W'−1), weight σ(y) ≤ 0.
// NAB divides by W'−1; a one-row window (where NAB would fail) is treated
// as if y were large, weight −1. Before any window: weight −1.
func (f *File) weigh() {
	f.win = make([]int32, f.Rows)
	f.weight = make([]float64, f.Rows)
	next, prev := 0, -1
	for i := range f.Rows {
		if next < len(f.Spans) && i >= f.Spans[next].First {
			prev = next
			next++
		}
		switch {
		case prev >= 0 && i <= f.Spans[prev].Last:
			s := f.Spans[prev]
			y := -float64(s.Last-i+1) / float64(s.Len())
			f.win[i] = int32(prev)
			f.weight[i] = ScaledSigmoid(y) / maxTP
		case prev >= 0 && f.Spans[prev].Len() > 1:
			s := f.Spans[prev]
			y := float64(i-s.Last) / float64(s.Len()-1)
			f.win[i] = -1
			f.weight[i] = ScaledSigmoid(y)
		default:
			f.win[i] = -1
			f.weight[i] = -1
		}
	}
}

// scorable reports whether window k has a row past the probationary period;
// a window without one is neither rewarded nor penalised, as in NAB's sweep.
func (f *File) scorable(k int) bool { return f.Spans[k].Last >= f.Probation }

// InWindow reports whether row i lies inside a window.
func (f *File) InWindow(i int) bool { return f.win[i] >= 0 }

// Weight returns row i's profile-free NAB weight: σ(y)/σ(−1) inside a
// window, σ(y) (or −1) outside.
func (f *File) Weight(i int) float64 { return f.weight[i] }

// PerfectScores returns the scores of the perfect detector for f: 1 at the
// first row of every window, 0 elsewhere.
func (f *File) PerfectScores() []float64 {
	s := make([]float64, f.Rows)
	for _, sp := range f.Spans {
		s[sp.First] = 1
	}
	return s
}
