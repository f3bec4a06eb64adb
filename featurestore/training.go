package featurestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// TrainingSpec says how a TrainingSet cuts examples out of soldiers' series.
//
// Rows of a run come every Step units of T (the engine's tick in simulated
// seconds; inferred per run as the smallest difference between two
// consecutive rows of one soldier unless Step is set). An example at T has
// Inputs rows ending at T and Horizon target rows at T+Step … T+Horizon·Step.
// Rows are never taken from after T into the inputs: that is the
// point-in-time rule, enforced by TrainingSet.Example alone.
//
// Gaps: a soldier's rows are cut into segments wherever more than MaxGap
// ticks in a row have no row, or two rows are not a whole number of ticks
// apart. A shorter gap is filled with rows whose readings are all missing
// (Missing bits set, values NaN) and whose known inputs are carried forward:
// Phase and NextPhase are the last real row's NextPhase, Ambient its Ambient.
// So within a segment ticks are consecutive, an example's inputs cover
// exactly Inputs ticks and its targets are exactly the next Horizon ticks.
// Examples never span two segments, and an example's own tick T is always a
// real row (a filled row is never "now").
type TrainingSpec struct {
	Inputs  int   // rows per input window, Te (≥ 1)
	Horizon int   // target rows after the window (≥ 1)
	Stride  int   // ticks between one soldier's consecutive examples (0 means 1)
	MaxGap  int   // longest run of missing ticks that is filled (0: any gap splits)
	Step    int64 // T units per tick; 0: inferred per run
	// SkipLabelled leaves out examples whose inputs or targets overlap a
	// ground-truth event label of their soldier (artefacts do not count), to
	// train a forecaster on normal behaviour.
	SkipLabelled bool
}

func (s TrainingSpec) check() error {
	switch {
	case s.Inputs < 1 || s.Inputs > 1<<16:
		return fmt.Errorf("training spec: inputs %d not in [1, 65536]: %w", s.Inputs, ErrInvalid)
	case s.Horizon < 1 || s.Horizon > 1<<16:
		return fmt.Errorf("training spec: horizon %d not in [1, 65536]: %w", s.Horizon, ErrInvalid)
	case s.Stride < 0 || s.MaxGap < 0 || s.MaxGap > 1<<16 || s.Step < 0 || s.Step > 1<<32:
		return fmt.Errorf("training spec: stride %d, max gap %d, step %d: %w", s.Stride, s.MaxGap, s.Step, ErrInvalid)
	}
	return nil
}

// Builder collects observations of one or more runs and builds a
// TrainingSet. Frames from a live source (AddSource, AddFrame) and rows from
// Parquet runs (AddRun) go through the same Add, so both give identical
// sets. A Builder is not safe for concurrent use.
type Builder struct {
	spec   TrainingSpec
	runs   []runInfo
	series []*series
	cur    map[engine.SoldierID]*series // series of the current run
	rows   int
}

type runInfo struct {
	profiles map[engine.SoldierID]engine.Profile
	labels   []engine.Label
	seen     map[engine.Label]struct{}
	start    time.Time
}

// series holds one soldier's rows of one run in chunks, so that growing it
// never copies rows (Build copies each row once).
type series struct {
	run     int
	soldier engine.SoldierID
	chunks  [][]engine.Observation
	n       int
}

func (s *series) last() *engine.Observation {
	c := s.chunks[len(s.chunks)-1]
	return &c[len(c)-1]
}

func (s *series) add(o *engine.Observation) {
	if len(s.chunks) == 0 || len(s.chunks[len(s.chunks)-1]) == cap(s.chunks[len(s.chunks)-1]) {
		s.chunks = append(s.chunks, make([]engine.Observation, 0, min(64<<len(s.chunks), 8192)))
	}
	c := &s.chunks[len(s.chunks)-1]
	*c = append(*c, *o)
	s.n++
}

// pairs calls fn for each row after the first with the row before it.
func (s *series) pairs(fn func(prev, cur *engine.Observation)) {
	var prev *engine.Observation
	for _, c := range s.chunks {
		for i := range c {
			if prev != nil {
				fn(prev, &c[i])
			}
			prev = &c[i]
		}
	}
}

// NewBuilder returns a builder for spec.
func NewBuilder(spec TrainingSpec) (*Builder, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	if spec.Stride == 0 {
		spec.Stride = 1
	}
	return &Builder{spec: spec}, nil
}

// StartRun begins a new run: soldier ids of different runs are different
// series. profiles are the run's static covariates (a soldier without one
// gets engine.DefaultProfile); labels its ground truth (more arrive with
// AddFrame); start the wall-clock time of tick 0, if known. It returns the
// run's index, as Example.Run reports it.
func (b *Builder) StartRun(profiles []engine.Profile, labels []engine.Label, start time.Time) int {
	ri := runInfo{profiles: make(map[engine.SoldierID]engine.Profile, len(profiles)),
		seen: map[engine.Label]struct{}{}, start: start}
	for _, p := range profiles {
		ri.profiles[p.ID] = p
	}
	b.runs = append(b.runs, ri)
	b.cur = map[engine.SoldierID]*series{}
	for _, l := range labels {
		b.addLabel(l)
	}
	return len(b.runs) - 1
}

func (b *Builder) addLabel(l engine.Label) {
	ri := &b.runs[len(b.runs)-1]
	if _, dup := ri.seen[l]; !dup {
		ri.seen[l] = struct{}{}
		ri.labels = append(ri.labels, l)
	}
}

// Add appends one observation to its soldier's series in the current run
// (starting a run without profiles if none was started). Each soldier's
// rows must come in increasing tick order.
func (b *Builder) Add(o engine.Observation) error {
	if len(b.runs) == 0 {
		b.StartRun(nil, nil, time.Time{})
	}
	if err := CheckTick(o.T); err != nil {
		return fmt.Errorf("add soldier %d: %w", o.Soldier, err)
	}
	s := b.cur[o.Soldier]
	if s == nil {
		s = &series{run: len(b.runs) - 1, soldier: o.Soldier}
		b.cur[o.Soldier] = s
		b.series = append(b.series, s)
	}
	if s.n > 0 && o.T <= s.last().T {
		return &OutOfOrderError{Soldier: o.Soldier, T: o.T, Latest: s.last().T}
	}
	s.add(&o)
	b.rows++
	return nil
}

// AddFrame adds a frame's observations and its ground-truth labels to the
// current run.
func (b *Builder) AddFrame(f engine.Frame) error {
	if len(b.runs) == 0 {
		b.StartRun(nil, nil, time.Time{})
	}
	ri := &b.runs[len(b.runs)-1]
	if ri.start.IsZero() && !f.Time.IsZero() {
		ri.start = f.Time.Add(-time.Duration(f.T) * time.Second)
	}
	for _, l := range f.Truth {
		b.addLabel(l)
	}
	for i := range f.Obs {
		if err := b.Add(f.Obs[i]); err != nil {
			return err
		}
	}
	return nil
}

// AddSource drains src as a new run: training straight from a simulation,
// without files.
func (b *Builder) AddSource(ctx context.Context, src engine.Source) error {
	b.StartRun(src.Profiles(), nil, time.Time{})
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("add source: %w", err)
		}
		if err := b.AddFrame(f); err != nil {
			return fmt.Errorf("add source: tick %d: %w", f.T, err)
		}
	}
}

// Build cuts the examples. It moves every row into one slice that the
// examples view, so it needs about one row's worth of memory per row added
// (plus filled gaps) and two int32 per example. The builder is empty
// afterwards and may be reused.
func (b *Builder) Build() (*TrainingSet, error) {
	spec := b.spec
	ts := &TrainingSet{spec: spec, runs: b.runMetas()}
	// Size the row slice: rows plus filled gaps.
	total := 0
	for _, s := range b.series {
		total += s.n
		step := ts.runs[s.run].step
		s.pairs(func(prev, cur *engine.Observation) {
			if m := gapTicks(prev.T, cur.T, step, spec.MaxGap); m > 0 {
				total += int(m)
			}
		})
	}
	if total > math.MaxInt32 {
		return nil, fmt.Errorf("build training set: %d rows, more than 2^31: %w", total, ErrInvalid)
	}
	ts.rows = make([]engine.Observation, 0, total)
	ts.filled = make([]uint64, (total+63)/64)
	var inEvent []int32 // per segment row: prefix count of rows inside an event label
	for _, s := range b.series {
		inEvent = ts.appendSeries(s, inEvent)
		s.chunks = nil
	}
	*b = Builder{spec: b.spec}
	return ts, nil
}

// runMetas returns each run's metadata: its labels sorted by soldier and
// start, and its tick (the spec's Step, or else the smallest step between
// two rows of one soldier in the run, at least 1).
func (b *Builder) runMetas() []runMeta {
	spec := b.spec
	var runs []runMeta
	for _, ri := range b.runs {
		labels := slices.Clone(ri.labels)
		slices.SortFunc(labels, func(x, y engine.Label) int {
			if x.Soldier != y.Soldier {
				return int(x.Soldier) - int(y.Soldier)
			}
			return int(x.Start - y.Start)
		})
		runs = append(runs, runMeta{start: ri.start, labels: labels, profiles: ri.profiles})
	}
	// The tick of each run.
	for i := range runs {
		runs[i].step = spec.Step
	}
	if spec.Step == 0 {
		for _, s := range b.series {
			rm := &runs[s.run]
			s.pairs(func(prev, cur *engine.Observation) {
				if d := cur.T - prev.T; rm.step == 0 || d < rm.step {
					rm.step = d
				}
			})
		}
		for i := range runs {
			runs[i].step = max(runs[i].step, 1)
		}
	}
	return runs
}

// gapTicks returns how many ticks of step lie strictly between ticks a and
// b, or −1 if the rows must not share a segment (b − a is not a multiple of
// step, or more than maxGap ticks are missing).
func gapTicks(a, b, step int64, maxGap int) int64 {
	d := b - a
	if d%step != 0 || d/step-1 > int64(maxGap) {
		return -1
	}
	return d/step - 1
}

// appendSeries appends series s's rows to ts, filling gaps of up to MaxGap
// ticks with filled rows and closing a segment at a longer gap; inEvent is
// the addSegment workspace, returned grown.
func (ts *TrainingSet) appendSeries(s *series, inEvent []int32) []int32 {
	step := ts.runs[s.run].step
	segStart := len(ts.rows)
	closeSeg := func() {
		if len(ts.rows) > segStart {
			inEvent = ts.addSegment(s, segStart, len(ts.rows), inEvent)
		}
		segStart = len(ts.rows)
	}
	var prev *engine.Observation
	for _, c := range s.chunks {
		for i := range c {
			if prev != nil {
				m := gapTicks(prev.T, c[i].T, step, ts.spec.MaxGap)
				if m < 0 {
					closeSeg()
				}
				for k := int64(1); k <= m; k++ {
					ts.setFilled(len(ts.rows))
					ts.rows = append(ts.rows, filledRow(prev, prev.T+k*step))
				}
			}
			ts.rows = append(ts.rows, c[i])
			prev = &c[i]
		}
	}
	closeSeg()
	return inEvent
}

// filledRow is the row standing in for a missing tick t after prev.
func filledRow(prev *engine.Observation, t int64) engine.Observation {
	o := engine.Observation{Soldier: prev.Soldier, T: t, Phase: prev.NextPhase, NextPhase: prev.NextPhase, Ambient: prev.Ambient}
	for v := range engine.Vital(engine.NumVitals) {
		o.SetMissing(v)
	}
	return o
}

// TrainingSet holds point-in-time-correct examples as views into one slice
// of rows. It is read-only and safe for concurrent use.
type TrainingSet struct {
	spec    TrainingSpec
	rows    []engine.Observation
	filled  []uint64 // bit per row: a gap filler
	segs    []segment
	anchors []int32 // row index of each example's tick
	runs    []runMeta
}

type segment struct {
	lo, hi  int32 // rows[lo:hi]
	run     int32
	soldier engine.SoldierID
	firstEx int // index of the segment's first example
	profile engine.Profile
}

type runMeta struct {
	step     int64 // T units per tick
	start    time.Time
	labels   []engine.Label // by soldier, then start
	profiles map[engine.SoldierID]engine.Profile
}

func (ts *TrainingSet) setFilled(i int)     { ts.filled[i/64] |= 1 << (i % 64) }
func (ts *TrainingSet) isFilled(i int) bool { return ts.filled[i/64]&(1<<(i%64)) != 0 }

// addSegment records rows[lo:hi] of series s as a segment and its examples.
// scratch is reused for the label prefix counts.
func (ts *TrainingSet) addSegment(s *series, lo, hi int, scratch []int32) []int32 {
	spec := ts.spec
	rm := &ts.runs[s.run]
	p, ok := rm.profiles[s.soldier]
	if !ok {
		p = engine.DefaultProfile(s.soldier)
	}
	seg := segment{lo: int32(lo), hi: int32(hi), run: int32(s.run), soldier: s.soldier, firstEx: len(ts.anchors), profile: p}
	// inEvent[j] counts the rows lo … lo+j−1 inside an event label.
	if spec.SkipLabelled {
		scratch = slices.Grow(scratch[:0], hi-lo+1)[:hi-lo+1]
		labels := soldierLabels(rm.labels, s.soldier)
		scratch[0] = 0
		for j := lo; j < hi; j++ {
			in := int32(0)
			for _, l := range labels {
				if l.Kind.IsEvent() && l.Contains(ts.rows[j].T) {
					in = 1
					break
				}
			}
			scratch[j-lo+1] = scratch[j-lo] + in
		}
	}
	for a := lo + spec.Inputs - 1; a+spec.Horizon < hi; a += spec.Stride {
		if ts.isFilled(a) {
			continue
		}
		if spec.SkipLabelled && scratch[a+spec.Horizon+1-lo]-scratch[a-spec.Inputs+1-lo] > 0 {
			continue
		}
		ts.anchors = append(ts.anchors, int32(a))
	}
	if len(ts.anchors) > seg.firstEx {
		ts.segs = append(ts.segs, seg)
	}
	return scratch
}

// soldierLabels returns the labels of soldier id from labels sorted by
// soldier.
func soldierLabels(labels []engine.Label, id engine.SoldierID) []engine.Label {
	i := sort.Search(len(labels), func(i int) bool { return labels[i].Soldier >= id })
	j := i
	for j < len(labels) && labels[j].Soldier == id {
		j++
	}
	return labels[i:j]
}

// Example is one training example: what a scorer would have seen at tick T
// and what happened next.
type Example struct {
	Run     int              // index of the run (Builder.StartRun order)
	Soldier engine.SoldierID //
	T       int64            // the example's tick: the last input row's
	Profile engine.Profile   // static covariates
	// Inputs are the spec's Inputs rows ending at T, oldest first. Its
	// capacity equals its length: appending cannot reach the targets.
	Inputs []engine.Observation
	// Targets are the rows of the Horizon ticks after T (gap fillers where
	// the soldier had no row).
	Targets []engine.Observation
}

// Len returns the number of examples.
func (ts *TrainingSet) Len() int { return len(ts.anchors) }

// Spec returns the spec the set was cut with.
func (ts *TrainingSet) Spec() TrainingSpec { return ts.spec }

// Rows returns the number of rows the examples view, gap fillers included.
func (ts *TrainingSet) Rows() int { return len(ts.rows) }

// Example returns example i (0 ≤ i < Len), a view into the set's rows that
// the caller must not modify. It does not allocate. This is the one place
// where windows are cut, so the one place the point-in-time rule lives:
// Inputs end at the example's own row and are capped there.
func (ts *TrainingSet) Example(i int) Example {
	a := int(ts.anchors[i])
	k := sort.Search(len(ts.segs), func(k int) bool { return ts.segs[k].firstEx > i }) - 1
	seg := &ts.segs[k]
	in, h := ts.spec.Inputs, ts.spec.Horizon
	return Example{
		Run:     int(seg.run),
		Soldier: seg.soldier,
		T:       ts.rows[a].T,
		Profile: seg.profile,
		Inputs:  ts.rows[a-in+1 : a+1 : a+1],
		Targets: ts.rows[a+1 : a+1+h : a+1+h],
	}
}

// All iterates over the examples in order.
func (ts *TrainingSet) All() iter.Seq2[int, Example] {
	return func(yield func(int, Example) bool) {
		for i := range ts.anchors {
			if !yield(i, ts.Example(i)) {
				return
			}
		}
	}
}

// Runs returns the number of runs the set was built from.
func (ts *TrainingSet) Runs() int { return len(ts.runs) }

// RunStart returns the wall-clock time of tick 0 of run i (zero if
// unknown), for TimeOfDay.
func (ts *TrainingSet) RunStart(i int) time.Time { return ts.runs[i].start }

// Step returns the T units per tick of run i (Spec().Step or inferred).
func (ts *TrainingSet) Step(i int) int64 { return ts.runs[i].step }

// Labels returns the ground-truth labels of run i, by soldier and start.
func (ts *TrainingSet) Labels(i int) []engine.Label { return slices.Clone(ts.runs[i].labels) }

// KindAt returns the kind of the event label of soldier id covering tick t
// in run i, or engine.KindNone (artefacts count when no event covers t).
func (ts *TrainingSet) KindAt(i int, id engine.SoldierID, t int64) engine.AnomalyKind {
	kind := engine.KindNone
	for _, l := range soldierLabels(ts.runs[i].labels, id) {
		if l.Contains(t) {
			if l.Kind.IsEvent() {
				return l.Kind
			}
			kind = l.Kind
		}
	}
	return kind
}
