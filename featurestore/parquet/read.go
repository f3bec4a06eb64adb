package parquet

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	goparquet "github.com/parquet-go/parquet-go"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Run is one recorded run opened for reading: observations by tick or
// wall-clock range, labels and profiles. A Run is safe for concurrent
// readers.
type Run struct {
	dir      string
	file     io.Closer
	pf       *goparquet.File
	cols     obsColumns
	profiles []engine.Profile
	labels   []engine.Label
	start    time.Time
	groups   []groupStats
}

// groupStats bound one row group's ticks and times.
type groupStats struct {
	minT, maxT       int64
	minTime, maxTime int64 // unix ns; maxTime < minTime if unknown
}

// OpenRun opens the run in directory dir (written by RunWriter or Record).
func OpenRun(dir string) (*Run, error) {
	profiles, err := readProfiles(filepath.Join(dir, ProfilesFile))
	if err != nil {
		return nil, fmt.Errorf("open run %q: %w", dir, err)
	}
	labels, err := readLabels(filepath.Join(dir, LabelsFile))
	if err != nil {
		return nil, fmt.Errorf("open run %q: %w", dir, err)
	}
	f, err := os.Open(filepath.Join(dir, ObservationsFile))
	if err != nil {
		return nil, fmt.Errorf("open run %q: %w", dir, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open run %q: %w", dir, err)
	}
	r, err := openObservations(dir, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file, r.profiles, r.labels = f, profiles, labels
	return r, nil
}

// openObservations reads the footer of an observations file.
func openObservations(dir string, ra io.ReaderAt, size int64) (r *Run, err error) {
	defer func() {
		// parquet-go may panic on a malformed file; a file is outside input.
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("open run %q: %s: %v: %w", dir, ObservationsFile, p, featurestore.ErrCorrupt)
		}
	}()
	r = &Run{dir: dir}
	if err = checkFooter(ra, size); err == nil {
		r.pf, err = goparquet.OpenFile(ra, size)
	}
	if err == nil {
		r.cols, err = columnsOf(r.pf.Schema())
	}
	if err == nil {
		err = checkPages(ra, size, r.pf.Metadata())
	}
	if err != nil {
		return nil, fmt.Errorf("open run %q: %s: %w", dir, ObservationsFile, errors.Join(featurestore.ErrCorrupt, err))
	}
	if s, ok := r.pf.Lookup("chakra.start"); ok {
		if r.start, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, fmt.Errorf("open run %q: start time %q: %w", dir, s, featurestore.ErrCorrupt)
		}
	}
	for _, rg := range r.pf.Metadata().RowGroups {
		g := groupStats{minT: math.MinInt64, maxT: math.MaxInt64, minTime: math.MinInt64, maxTime: math.MaxInt64}
		if c := r.cols.t; c < len(rg.Columns) {
			g.minT, g.maxT = int64Stats(rg.Columns[c].MetaData.Statistics.MinValue, rg.Columns[c].MetaData.Statistics.MaxValue, g.minT, g.maxT)
		}
		if c := r.cols.time; c < len(rg.Columns) {
			g.minTime, g.maxTime = int64Stats(rg.Columns[c].MetaData.Statistics.MinValue, rg.Columns[c].MetaData.Statistics.MaxValue, g.minTime, g.maxTime)
		}
		r.groups = append(r.groups, g)
	}
	if len(r.groups) != len(r.pf.RowGroups()) {
		return nil, fmt.Errorf("open run %q: row group metadata mismatch: %w", dir, featurestore.ErrCorrupt)
	}
	return r, nil
}

// int64Stats decodes plain-encoded int64 min/max statistics, keeping the
// defaults when absent.
func int64Stats(minB, maxB []byte, lo, hi int64) (int64, int64) {
	if len(minB) == 8 && len(maxB) == 8 {
		return int64(binary.LittleEndian.Uint64(minB)), int64(binary.LittleEndian.Uint64(maxB))
	}
	return lo, hi
}

func readProfiles(path string) ([]engine.Profile, error) {
	recs, err := readSmall[profileRecord](path)
	if err != nil {
		return nil, err
	}
	ps := make([]engine.Profile, len(recs))
	for i, p := range recs {
		fit, err := engine.ParseFitness(p.Fitness)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", ProfilesFile, featurestore.ErrCorrupt, err)
		}
		ps[i] = engine.Profile{ID: engine.SoldierID(p.ID), Squad: int(p.Squad), Age: p.Age, Fitness: fit,
			RestingHR: p.RestingHR, HRMax: p.HRMax, Mass: p.Mass, Acclimatised: p.Acclimatised, BaseCoreTemp: p.BaseCoreTemp}
	}
	slices.SortFunc(ps, func(a, b engine.Profile) int { return cmp.Compare(a.ID, b.ID) })
	return ps, nil
}

func readLabels(path string) ([]engine.Label, error) {
	recs, err := readSmall[labelRecord](path)
	if err != nil {
		return nil, err
	}
	ls := make([]engine.Label, len(recs))
	for i, l := range recs {
		kind, err := engine.ParseKind(l.Kind)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", LabelsFile, featurestore.ErrCorrupt, err)
		}
		ls[i] = engine.Label{Soldier: engine.SoldierID(l.Soldier), Start: l.Start, End: l.End, Kind: kind}
	}
	return ls, nil
}

func readSmall[T any](path string) (_ []T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: %v: %w", filepath.Base(path), p, featurestore.ErrCorrupt)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := goparquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", filepath.Base(path), featurestore.ErrCorrupt, err)
	}
	if pf.NumRows() > 1<<24 {
		return nil, fmt.Errorf("%s: %d rows: %w", filepath.Base(path), pf.NumRows(), featurestore.ErrCorrupt)
	}
	rd := goparquet.NewGenericReader[T](pf)
	defer rd.Close()
	out := make([]T, pf.NumRows())
	n, err := rd.Read(out)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w: %w", filepath.Base(path), featurestore.ErrCorrupt, err)
	}
	if n != len(out) {
		return nil, fmt.Errorf("%s: read %d of %d rows: %w", filepath.Base(path), n, len(out), featurestore.ErrCorrupt)
	}
	return out, nil
}

// Dir returns the run's directory.
func (r *Run) Dir() string { return r.dir }

// Profiles returns the static covariates of the run's soldiers, by ID.
func (r *Run) Profiles() []engine.Profile { return slices.Clone(r.profiles) }

// Labels returns the run's ground-truth labels, by start tick.
func (r *Run) Labels() []engine.Label { return slices.Clone(r.labels) }

// Start returns the wall-clock time of tick 0, or the zero time if the run's
// frames carried none.
func (r *Run) Start() time.Time { return r.start }

// NumRows returns the number of observations in the run.
func (r *Run) NumRows() int64 { return r.pf.NumRows() }

// Ticks returns the first and last tick of the run; ok is false for a run
// without observations.
func (r *Run) Ticks() (first, last int64, ok bool) {
	if len(r.groups) == 0 {
		return 0, 0, false
	}
	return r.groups[0].minT, r.groups[len(r.groups)-1].maxT, true
}

// Close closes the run's files.
func (r *Run) Close() error {
	if err := r.file.Close(); err != nil {
		return fmt.Errorf("close run %q: %w", r.dir, err)
	}
	return nil
}

// Observations appends the observations with ticks in [from, to), in tick
// order, to dst.
func (r *Run) Observations(from, to int64, dst []engine.Observation) ([]engine.Observation, error) {
	err := r.Scan(from, to, func(o *engine.Observation) error {
		dst = append(dst, *o)
		return nil
	})
	return dst, err
}

// ObservationsBetween appends the observations whose wall-clock time lies
// in [from, to), in tick order, to dst. Rows without a time are left out.
func (r *Run) ObservationsBetween(from, to time.Time, dst []engine.Observation) ([]engine.Observation, error) {
	c := r.cursor(rangeFilter{byTime: true, lo: from.UnixNano(), hi: to.UnixNano()})
	defer c.close()
	for {
		var o engine.Observation
		ok, err := c.next(&o)
		if err != nil || !ok {
			return dst, err
		}
		dst = append(dst, o)
	}
}

// Scan calls fn for every observation with tick in [from, to), in tick
// order, stopping at fn's first error. fn must not keep o.
func (r *Run) Scan(from, to int64, fn func(o *engine.Observation) error) error {
	c := r.cursor(rangeFilter{lo: from, hi: to})
	defer c.close()
	var o engine.Observation
	for {
		ok, err := c.next(&o)
		if err != nil || !ok {
			return err
		}
		if err := fn(&o); err != nil {
			return err
		}
	}
}

// rangeFilter selects rows by tick, or by wall-clock time (unix ns), in
// [lo, hi).
type rangeFilter struct {
	byTime bool
	lo, hi int64
}

// keepGroup reports whether row group g may hold selected rows.
func (f rangeFilter) keepGroup(g groupStats) bool {
	if f.byTime {
		return g.maxTime >= f.lo && g.minTime < f.hi
	}
	return g.maxT >= f.lo && g.minT < f.hi
}

// cursor reads selected observations row group by row group, in batches.
type cursor struct {
	r      *Run
	f      rangeFilter
	g      int // next row group
	rows   goparquet.Rows
	buf    []goparquet.Row
	i, n   int
	past   bool  // rows are sorted: once beyond hi, stop
	closed bool  //
	tn     int64 // time of the row next returned last (unix ns, MinInt64 if null)
	left   int64 // rows the current row group has yet to give
}

// lastTime returns the wall-clock time of the row next returned last.
func (c *cursor) lastTime() int64 { return c.tn }

func (r *Run) cursor(f rangeFilter) *cursor {
	return &cursor{r: r, f: f, buf: make([]goparquet.Row, 256)}
}

func (c *cursor) close() {
	if c.rows != nil {
		c.rows.Close()
		c.rows = nil
	}
	c.closed = true
}

// next decodes the next selected row into o; ok is false at the end.
func (c *cursor) next(o *engine.Observation) (ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read run %q: %v: %w", c.r.dir, p, featurestore.ErrCorrupt)
		}
	}()
	for !c.closed && !c.past {
		if c.i < c.n {
			row := c.buf[c.i]
			c.i++
			tn, err := c.r.decode(row, o)
			if err != nil {
				return false, err
			}
			key := o.T
			if c.f.byTime {
				if tn == math.MinInt64 {
					continue
				}
				key = tn
			}
			if key < c.f.lo {
				continue
			}
			if key >= c.f.hi {
				c.past = true
				break
			}
			c.tn = tn
			return true, nil
		}
		if c.rows != nil {
			n, err := c.rows.ReadRows(c.buf)
			c.i, c.n = 0, n
			c.left -= int64(n)
			switch {
			case errors.Is(err, io.EOF):
				c.rows.Close()
				c.rows = nil
			case err != nil:
				return false, fmt.Errorf("read run %q: %w: %w", c.r.dir, featurestore.ErrCorrupt, err)
			case n == 0 || c.left < 0:
				// A malformed file can make a row reader stall or run on.
				return false, fmt.Errorf("read run %q: row group %d: rows do not match its row count: %w", c.r.dir, c.g-1, featurestore.ErrCorrupt)
			}
			continue
		}
		groups := c.r.pf.RowGroups()
		for c.g < len(groups) && !c.f.keepGroup(c.r.groups[c.g]) {
			c.g++
		}
		if c.g == len(groups) {
			c.closed = true
			break
		}
		c.rows = groups[c.g].Rows()
		c.left = groups[c.g].NumRows()
		c.g++
	}
	return false, nil
}

// decode turns one Parquet row into o and returns its time (unix ns, or
// math.MinInt64 if null).
func (r *Run) decode(row goparquet.Row, o *engine.Observation) (int64, error) {
	c := &r.cols
	*o = engine.Observation{}
	tn := int64(math.MinInt64)
	seen := 0
	for _, v := range row {
		col := v.Column()
		switch col {
		case c.t:
			o.T = v.Int64()
		case c.time:
			if !v.IsNull() {
				tn = v.Int64()
			}
		case c.soldier:
			o.Soldier = engine.SoldierID(v.Int32())
		case c.phase, c.next:
			p, ok := parsePhaseBytes(v.ByteArray())
			if !ok {
				return tn, fmt.Errorf("read run %q: phase %q: %w", r.dir, v.ByteArray(), featurestore.ErrCorrupt)
			}
			if col == c.phase {
				o.Phase = p
			} else {
				o.NextPhase = p
			}
		case c.ambient:
			o.Ambient = v.Double()
		default:
			for vi := range engine.Vital(engine.NumVitals) {
				if c.vital[vi] == col {
					if v.IsNull() || math.IsNaN(v.Double()) {
						o.SetMissing(vi)
					} else {
						o.Values[vi] = v.Double()
					}
				}
			}
		}
		seen++
	}
	if seen != 10 {
		return tn, fmt.Errorf("read run %q: row of %d values: %w", r.dir, seen, featurestore.ErrCorrupt)
	}
	if err := featurestore.CheckTick(o.T); err != nil {
		return tn, fmt.Errorf("read run %q: %w", r.dir, errors.Join(featurestore.ErrCorrupt, err))
	}
	return tn, nil
}

// Source replays the run's frames with ticks in [from, to) as an
// engine.Source; each frame's Truth holds the labels containing its tick.
// The frames' Time is the stored wall-clock time, or zero.
func (r *Run) Source(from, to int64) engine.Source {
	return &runSource{r: r, c: r.cursor(rangeFilter{lo: from, hi: to})}
}

type runSource struct {
	r       *Run
	c       *cursor
	pending engine.Observation
	havePen bool
	pendTn  int64
	done    bool
}

func (s *runSource) Profiles() []engine.Profile { return s.r.Profiles() }

func (s *runSource) Next(ctx context.Context) (engine.Frame, error) {
	if err := ctx.Err(); err != nil {
		return engine.Frame{}, err
	}
	if !s.havePen {
		if s.done {
			return engine.Frame{}, io.EOF
		}
		ok, err := s.readOne()
		if err != nil {
			return engine.Frame{}, err
		}
		if !ok {
			return engine.Frame{}, io.EOF
		}
	}
	f := engine.Frame{T: s.pending.T}
	if s.pendTn != math.MinInt64 {
		f.Time = time.Unix(0, s.pendTn).UTC()
	}
	for s.havePen && s.pending.T == f.T {
		f.Obs = append(f.Obs, s.pending)
		s.havePen = false
		if _, err := s.readOne(); err != nil {
			return engine.Frame{}, err
		}
	}
	for _, l := range s.r.labels {
		if l.Contains(f.T) {
			f.Truth = append(f.Truth, l)
		}
	}
	return f, nil
}

// readOne reads the next row into pending.
func (s *runSource) readOne() (bool, error) {
	if s.done {
		return false, nil
	}
	c := s.c
	ok, err := c.next(&s.pending)
	if err != nil {
		return false, err
	}
	if !ok {
		s.done = true
		c.close()
		return false, nil
	}
	s.pendTn = c.lastTime()
	s.havePen = true
	return true, nil
}
