package parquet

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	goparquet "github.com/parquet-go/parquet-go"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Run is one recorded run opened for reading: observations by tick or
// wall-clock range, labels and profiles. A Run is safe for concurrent
// readers.
//
// Its observations are one file (observations.parquet, written by
// RunWriter) or parts (observations-NNNNNN.parquet, written by a Sink),
// each sorted by tick and soldier; reads merge parts whose ticks overlap,
// so rows come in tick order whatever the parts.
type Run struct {
	dir      string
	parts    []*part
	clusters [][]*part // parts by first tick; parts of a cluster overlap in ticks
	profiles []engine.Profile
	labels   []engine.Label
	start    time.Time
	meta     map[string]string
	problems []Problem
}

// part is one observations file of a run.
type part struct {
	name       string
	file       io.Closer
	size       int64
	pf         *goparquet.File
	cols       obsColumns
	groups     []groupStats
	minT, maxT int64
	dir        string // the run's, for messages
}

// Problem is something wrong with a run's files: what OpenRun refuses and
// InspectRun reports beside what is readable.
type Problem struct {
	File string // the file's name within the run
	Err  error
	// Harmless: nothing of the run is missing because of it (the
	// temporary file of a write a killed process did not finish: its rows
	// were never acknowledged). OpenRun ignores it; InspectRun lists it.
	Harmless bool
}

func (p Problem) Error() string { return p.File + ": " + p.Err.Error() }

// groupStats bound one row group's ticks and times.
type groupStats struct {
	minT, maxT       int64
	minTime, maxTime int64 // unix ns; maxTime < minTime if unknown
}

// OpenRun opens the run in directory dir (written by RunWriter, Record or
// a Sink). A damaged or unfinished file is an error naming it (ErrCorrupt);
// InspectRun opens what is readable instead.
func OpenRun(dir string) (*Run, error) {
	return OpenRunIn(context.Background(), Dir(dir), "")
}

// OpenRunIn opens the run called name in b ("" when b's root is the run).
func OpenRunIn(ctx context.Context, b Bucket, name string) (*Run, error) {
	r, err := InspectRunIn(ctx, b, name)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, p := range r.problems {
		if !p.Harmless {
			errs = append(errs, p)
		}
	}
	if len(errs) > 0 {
		r.Close()
		return nil, fmt.Errorf("open run %q: %w", r.dir, errors.Join(append([]error{featurestore.ErrCorrupt}, errs...)...))
	}
	return r, nil
}

// InspectRun opens what is readable of the run in dir and lists, in
// Problems, every file it could not read (a truncated part, an unfinished
// RunWriter file, a leftover temporary file, missing labels or profiles).
// It fails only when nothing of a run is there.
func InspectRun(dir string) (*Run, error) {
	return InspectRunIn(context.Background(), Dir(dir), "")
}

// InspectRunIn is InspectRun for the run called name in b.
func InspectRunIn(ctx context.Context, b Bucket, name string) (*Run, error) {
	prefix := ""
	if name != "" {
		prefix = strings.TrimSuffix(name, "/") + "/"
	}
	where := b.String()
	if name != "" {
		where = strings.TrimSuffix(b.String(), "/") + "/" + strings.TrimSuffix(name, "/")
	}
	names, err := b.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("open run %q: %w", where, err)
	}
	r := &Run{dir: where, meta: map[string]string{}}
	var haveProfiles, haveLabels bool
	for _, full := range names {
		base := full[len(prefix):]
		if strings.Contains(base, "/") {
			continue // another run below this one
		}
		switch {
		case base == ProfilesFile:
			haveProfiles = true
			if r.profiles, err = readProfilesIn(ctx, b, full); err != nil {
				r.problem(base, err)
			}
		case base == LabelsFile:
			haveLabels = true
			if r.labels, err = readLabelsIn(ctx, b, full); err != nil {
				r.problem(base, err)
			}
		case base == ObservationsFile || isPart(base):
			p, err := openPart(ctx, b, full, where)
			if err != nil {
				r.problem(base, err)
				continue
			}
			p.name = base
			r.parts = append(r.parts, p)
		case base == ObservationsFile+partialSuffix:
			r.problem(base, errors.New("unfinished: its writer stopped before Close, so it has no footer and none of its rows can be read"))
		case strings.HasPrefix(base, tmpPrefix):
			r.problems = append(r.problems, Problem{File: base, Harmless: true,
				Err: errors.New("leftover temporary file of a write that did not finish (its rows were never acknowledged; ignored)")})
		}
	}
	if len(r.parts) == 0 && !haveProfiles && !haveLabels && len(r.problems) == 0 {
		return nil, fmt.Errorf("open run %q: %w", where, errNoRun)
	}
	if !haveProfiles {
		r.problem(ProfilesFile, errors.New("missing"))
	}
	if !haveLabels {
		r.problem(LabelsFile, errors.New("missing"))
	}
	r.arrange()
	return r, nil
}

func isPart(base string) bool { _, ok := partSeq(base); return ok }

func (r *Run) problem(file string, err error) {
	r.problems = append(r.problems, Problem{File: file, Err: err})
}

// arrange sorts the parts by first tick and groups overlapping ones, and
// takes the run's metadata from its first part.
func (r *Run) arrange() {
	slices.SortStableFunc(r.parts, func(a, b *part) int {
		if c := cmp.Compare(a.minT, b.minT); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	var hi int64
	for i, p := range r.parts {
		if i == 0 || p.minT > hi {
			r.clusters = append(r.clusters, []*part{p})
			hi = p.maxT
			continue
		}
		k := len(r.clusters) - 1
		r.clusters[k] = append(r.clusters[k], p)
		hi = max(hi, p.maxT)
	}
	if len(r.parts) > 0 {
		for _, kv := range r.parts[0].pf.Metadata().KeyValueMetadata {
			r.meta[kv.Key] = kv.Value
		}
		if s, ok := r.meta[MetaStart]; ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				r.start = t
			} else {
				r.problem(r.parts[0].name, fmt.Errorf("start time %q: %w", s, featurestore.ErrCorrupt))
			}
		}
	}
}

// openPart opens one observations file of a run.
func openPart(ctx context.Context, b Bucket, name, dir string) (*part, error) {
	obj, err := b.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	p, err := openObservations(dir, obj, obj.Size())
	if err != nil {
		obj.Close()
		return nil, err
	}
	p.file = obj
	return p, nil
}

// openObservations reads the footer of an observations file.
func openObservations(dir string, ra io.ReaderAt, size int64) (r *part, err error) {
	defer func() {
		// parquet-go may panic on a malformed file; a file is outside input.
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%v: %w", p, featurestore.ErrCorrupt)
		}
	}()
	r = &part{dir: dir, size: size}
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
		return nil, errors.Join(featurestore.ErrCorrupt, err)
	}
	r.minT, r.maxT = math.MaxInt64, math.MinInt64
	for _, rg := range r.pf.Metadata().RowGroups {
		g := groupStats{minT: math.MinInt64, maxT: math.MaxInt64, minTime: math.MinInt64, maxTime: math.MaxInt64}
		if c := r.cols.t; c < len(rg.Columns) {
			g.minT, g.maxT = int64Stats(rg.Columns[c].MetaData.Statistics.MinValue, rg.Columns[c].MetaData.Statistics.MaxValue, g.minT, g.maxT)
		}
		if c := r.cols.time; c < len(rg.Columns) {
			g.minTime, g.maxTime = int64Stats(rg.Columns[c].MetaData.Statistics.MinValue, rg.Columns[c].MetaData.Statistics.MaxValue, g.minTime, g.maxTime)
		}
		r.groups = append(r.groups, g)
		r.minT, r.maxT = min(r.minT, g.minT), max(r.maxT, g.maxT)
	}
	if len(r.groups) != len(r.pf.RowGroups()) {
		return nil, fmt.Errorf("row group metadata mismatch: %w", featurestore.ErrCorrupt)
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

func readProfilesIn(ctx context.Context, b Bucket, name string) ([]engine.Profile, error) {
	recs, err := readSmall[profileRecord](ctx, b, name)
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

func readLabelsIn(ctx context.Context, b Bucket, name string) ([]engine.Label, error) {
	recs, err := readSmall[labelRecord](ctx, b, name)
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

func readSmall[T any](ctx context.Context, b Bucket, path string) (_ []T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: %v: %w", filepath.Base(path), p, featurestore.ErrCorrupt)
		}
	}()
	f, err := b.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkFooter(f, f.Size()); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", filepath.Base(path), featurestore.ErrCorrupt, err)
	}
	pf, err := goparquet.OpenFile(f, f.Size())
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
func (r *Run) NumRows() int64 {
	var n int64
	for _, p := range r.parts {
		n += p.pf.NumRows()
	}
	return n
}

// Ticks returns the first and last tick of the run; ok is false for a run
// without observations.
func (r *Run) Ticks() (first, last int64, ok bool) {
	first, last = math.MaxInt64, math.MinInt64
	for _, p := range r.parts {
		if p.pf.NumRows() > 0 {
			first, last, ok = min(first, p.minT), max(last, p.maxT), true
		}
	}
	if !ok {
		return 0, 0, false
	}
	return first, last, true
}

// Meta returns the run's metadata value of key (MetaSource, MetaSeed, …),
// from its first part.
func (r *Run) Meta(key string) (string, bool) {
	v, ok := r.meta[key]
	return v, ok
}

// Problems returns what InspectRun could not read, by file.
func (r *Run) Problems() []Problem { return slices.Clone(r.problems) }

// PartInfo describes one observations file of a run.
type PartInfo struct {
	Name        string
	Bytes, Rows int64
	First, Last int64 // ticks
}

// Parts describes the run's readable observation files, by first tick.
func (r *Run) Parts() []PartInfo {
	out := make([]PartInfo, len(r.parts))
	for i, p := range r.parts {
		out[i] = PartInfo{Name: p.name, Bytes: p.size, Rows: p.pf.NumRows(), First: p.minT, Last: p.maxT}
	}
	return out
}

// CheckPart reads every row of part i (as Parts numbers them), calling fn
// (if not nil) for each, and returns how many were read before the first
// error. fn must not keep o.
func (r *Run) CheckPart(i int, fn func(o *engine.Observation)) (int64, error) {
	c := r.parts[i].cursor(rangeFilter{lo: math.MinInt64, hi: math.MaxInt64})
	defer c.close()
	var o engine.Observation
	var n int64
	for {
		ok, err := c.next(&o)
		if err != nil || !ok {
			if err == nil && n != r.parts[i].pf.NumRows() {
				err = fmt.Errorf("read %d of %d rows: %w", n, r.parts[i].pf.NumRows(), featurestore.ErrCorrupt)
			}
			return n, err
		}
		if fn != nil {
			fn(&o)
		}
		n++
	}
}

// Close closes the run's files.
func (r *Run) Close() error {
	var errs []error
	for _, p := range r.parts {
		if err := p.file.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
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
	r      *part
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

func (p *part) cursor(f rangeFilter) *cursor {
	return &cursor{r: p, f: f, buf: make([]goparquet.Row, 256)}
}

// runCursor reads a run's selected rows in tick order, soldiers ascending
// within a tick: part after part, merging parts whose ticks overlap.
type runCursor struct {
	r      *Run
	f      rangeFilter
	k      int // next cluster
	cs     []*cursor
	pend   []pendRow
	tn     int64
	closed bool
}

type pendRow struct {
	o  engine.Observation
	tn int64
	ok bool
}

func (r *Run) cursor(f rangeFilter) *runCursor { return &runCursor{r: r, f: f} }

func (c *runCursor) lastTime() int64 { return c.tn }

func (c *runCursor) close() {
	for _, pc := range c.cs {
		pc.close()
	}
	c.cs, c.pend, c.closed = nil, nil, true
}

// keepPart reports whether part p may hold selected rows.
func (f rangeFilter) keepPart(p *part) bool {
	if f.byTime {
		return true
	}
	return p.maxT >= f.lo && p.minT < f.hi
}

func (c *runCursor) next(o *engine.Observation) (bool, error) {
	for !c.closed {
		if len(c.cs) == 0 {
			for c.k < len(c.r.clusters) {
				cl := c.r.clusters[c.k]
				c.k++
				for _, p := range cl {
					if c.f.keepPart(p) {
						pc := p.cursor(c.f)
						if len(cl) > 1 {
							pc.buf = pc.buf[:32] // many parts at once: small batches
						}
						c.cs = append(c.cs, pc)
					}
				}
				if len(c.cs) > 0 {
					break
				}
			}
			if len(c.cs) == 0 {
				c.close()
				return false, nil
			}
			if len(c.cs) == 1 {
				continue
			}
			c.pend = make([]pendRow, len(c.cs))
			for i := range c.cs {
				if err := c.fill(i); err != nil {
					return false, err
				}
			}
		}
		if len(c.cs) == 1 {
			ok, err := c.cs[0].next(o)
			if err != nil {
				return false, err
			}
			if ok {
				c.tn = c.cs[0].lastTime()
				return true, nil
			}
			c.cs[0].close()
			c.cs = c.cs[:0]
			continue
		}
		best := -1
		for i := range c.pend {
			if !c.pend[i].ok {
				continue
			}
			if best < 0 || obsOrder(c.pend[i].o, c.pend[best].o) < 0 {
				best = i
			}
		}
		if best < 0 {
			for _, pc := range c.cs {
				pc.close()
			}
			c.cs, c.pend = c.cs[:0], nil
			continue
		}
		*o, c.tn = c.pend[best].o, c.pend[best].tn
		if err := c.fill(best); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}

// fill reads the next row of part cursor i into pend[i].
func (c *runCursor) fill(i int) error {
	ok, err := c.cs[i].next(&c.pend[i].o)
	if err != nil {
		return err
	}
	c.pend[i].ok = ok
	c.pend[i].tn = c.cs[i].lastTime()
	return nil
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
			err = fmt.Errorf("read run %q: %s: %v: %w", c.r.dir, c.r.name, p, featurestore.ErrCorrupt)
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
func (r *part) decode(row goparquet.Row, o *engine.Observation) (int64, error) {
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
	c       *runCursor
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
