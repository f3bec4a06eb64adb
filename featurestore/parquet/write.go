package parquet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	goparquet "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// The files of one run, in the run's directory. See docs/featurestore.md.
const (
	ObservationsFile = "observations.parquet"
	LabelsFile       = "labels.parquet"
	ProfilesFile     = "profiles.parquet"
	partialSuffix    = ".partial"

	// formatVersion is written as key-value metadata "chakra.format".
	formatVersion = "1"
	// DefaultRowGroupRows is the number of observation rows per Parquet row
	// group: the unit a time-range read skips or reads.
	DefaultRowGroupRows = 1 << 16
)

// obsRecord defines the schema of observations.parquet; rows are written
// and read column by column, never through this struct. A missing reading is
// null. Rows are in tick order, soldiers ascending within a tick.
type obsRecord struct {
	T         int64    `parquet:"t,delta"`                    // tick
	Time      *int64   `parquet:"time,timestamp(nanosecond)"` // wall-clock time of the tick; null if unknown
	Soldier   int32    `parquet:"soldier"`                    //
	HeartRate *float64 `parquet:"heart_rate"`                 // bpm
	Stamina   *float64 `parquet:"stamina"`                    // %
	CoreTemp  *float64 `parquet:"core_temp"`                  // °C
	SpO2      *float64 `parquet:"spo2"`                       // %
	Phase     string   `parquet:"phase,enum,dict"`            // engine.Phase name
	NextPhase string   `parquet:"next_phase,enum,dict"`       // engine.Phase name at T+1
	Ambient   float64  `parquet:"ambient"`                    // °C
}

// labelRecord is a row of labels.parquet.
type labelRecord struct {
	Soldier int32  `parquet:"soldier"`
	Start   int64  `parquet:"start"`
	End     int64  `parquet:"end"`
	Kind    string `parquet:"kind,enum,dict"`
}

// profileRecord is a row of profiles.parquet.
type profileRecord struct {
	ID           int32   `parquet:"id"`
	Squad        int32   `parquet:"squad"`
	Age          float64 `parquet:"age"`
	Fitness      string  `parquet:"fitness,enum,dict"`
	RestingHR    float64 `parquet:"resting_hr"`
	HRMax        float64 `parquet:"hr_max"`
	Mass         float64 `parquet:"mass"`
	Acclimatised float64 `parquet:"acclimatised"`
	BaseCoreTemp float64 `parquet:"base_core_temp"`
}

var obsSchema = goparquet.SchemaOf(obsRecord{})

// obsColumns are the leaf column indexes of the observation schema.
type obsColumns struct {
	t, time, soldier, phase, next, ambient int
	vital                                  [engine.NumVitals]int
}

func columnsOf(s *goparquet.Schema) (obsColumns, error) {
	var c obsColumns
	look := func(name string, dst *int) error {
		leaf, ok := s.Lookup(name)
		if !ok {
			return fmt.Errorf("column %q missing: %w", name, featurestore.ErrCorrupt)
		}
		*dst = leaf.ColumnIndex
		return nil
	}
	errs := []error{look("t", &c.t), look("time", &c.time), look("soldier", &c.soldier),
		look("phase", &c.phase), look("next_phase", &c.next), look("ambient", &c.ambient)}
	for v := range engine.Vital(engine.NumVitals) {
		errs = append(errs, look(v.String(), &c.vital[v]))
	}
	return c, errors.Join(errs...)
}

// names of enums as byte slices, so that writing them does not allocate.
var phaseBytes = func() (b [engine.NumPhases][]byte) {
	for p := range engine.Phase(engine.NumPhases) {
		b[p] = []byte(p.String())
	}
	return b
}()

// parsePhaseBytes is engine.ParsePhase without allocating.
func parsePhaseBytes(b []byte) (engine.Phase, bool) {
	for p, n := range phaseBytes {
		if string(n) == string(b) {
			return engine.Phase(p), true
		}
	}
	return 0, false
}

// RunOption configures CreateRun and Record.
type RunOption func(*runOptions)

type runOptions struct {
	rowGroupRows int64
}

// WithRowGroupRows sets the observation rows per Parquet row group (default
// DefaultRowGroupRows). Smaller groups make narrow time-range reads cheaper.
func WithRowGroupRows(n int) RunOption {
	return func(o *runOptions) { o.rowGroupRows = int64(max(n, 1)) }
}

// RunWriter writes one run to a directory while it happens: feed it frames
// in tick order, then Close it. Until Close the observations are in a
// ".partial" file, which Close completes and renames; the labels (collected
// from the frames' Truth) and profiles are written by Close.
type RunWriter struct {
	dir      string
	file     *os.File
	w        *goparquet.GenericWriter[any]
	cols     obsColumns
	profiles []engine.Profile
	labels   map[engine.Label]struct{}
	rows     []goparquet.Row
	lastT    int64
	frames   int
	start    time.Time
	closed   bool
}

// CreateRun starts a run in directory dir (created if needed). It refuses a
// directory that already holds a run. profiles are the static covariates of
// the run's soldiers (engine.Source.Profiles).
func CreateRun(dir string, profiles []engine.Profile, opts ...RunOption) (*RunWriter, error) {
	o := runOptions{rowGroupRows: DefaultRowGroupRows}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run %q: %w", dir, err)
	}
	final := filepath.Join(dir, ObservationsFile)
	if _, err := os.Stat(final); err == nil {
		return nil, fmt.Errorf("create run %q: %w", dir, os.ErrExist)
	}
	f, err := os.OpenFile(final+partialSuffix, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create run %q: %w", dir, err)
	}
	cols, err := columnsOf(obsSchema)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("create run %q: %w", dir, err)
	}
	w := goparquet.NewGenericWriter[any](f, obsSchema, goparquet.MaxRowsPerRowGroup(o.rowGroupRows),
		goparquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
		goparquet.KeyValueMetadata("chakra.format", formatVersion))
	return &RunWriter{dir: dir, file: f, w: w, cols: cols, profiles: slices.Clone(profiles),
		labels: map[engine.Label]struct{}{}, lastT: math.MinInt64}, nil
}

// WriteFrame appends one frame. Frames must come in increasing tick order
// and every observation's T must be the frame's; a reading that is NaN is
// stored as missing.
func (w *RunWriter) WriteFrame(f engine.Frame) error {
	if w.closed {
		return featurestore.ErrClosed
	}
	if f.T <= w.lastT {
		return fmt.Errorf("write run %q: frame at tick %d after tick %d: %w", w.dir, f.T, w.lastT, featurestore.ErrOutOfOrder)
	}
	for i := range f.Obs {
		if f.Obs[i].T != f.T {
			return fmt.Errorf("write run %q: soldier %d observed at tick %d in the frame of tick %d: %w",
				w.dir, f.Obs[i].Soldier, f.Obs[i].T, f.T, featurestore.ErrInvalid)
		}
		if f.Obs[i].Phase >= engine.NumPhases || f.Obs[i].NextPhase >= engine.NumPhases {
			return fmt.Errorf("write run %q: soldier %d tick %d: phase %d/%d: %w",
				w.dir, f.Obs[i].Soldier, f.T, f.Obs[i].Phase, f.Obs[i].NextPhase, featurestore.ErrInvalid)
		}
	}
	if w.frames == 0 && !f.Time.IsZero() {
		w.start = f.Time.Add(-time.Duration(f.T) * time.Second)
	}
	w.lastT = f.T
	w.frames++
	for _, l := range f.Truth {
		w.labels[l] = struct{}{}
	}
	for len(w.rows) < len(f.Obs) {
		w.rows = append(w.rows, make(goparquet.Row, 0, 10))
	}
	var tv goparquet.Value
	if f.Time.IsZero() {
		tv = goparquet.NullValue().Level(0, 0, w.cols.time)
	} else {
		tv = goparquet.Int64Value(f.Time.UnixNano()).Level(0, 1, w.cols.time)
	}
	rows := w.rows[:len(f.Obs)]
	for i := range f.Obs {
		rows[i] = encodeObs(rows[i][:0], &w.cols, &f.Obs[i], tv)
	}
	if _, err := w.w.WriteRows(rows); err != nil {
		return fmt.Errorf("write run %q: tick %d: %w", w.dir, f.T, err)
	}
	return nil
}

// encodeObs appends o's column values, in column order, to row; tv is the
// value of its time column.
func encodeObs(row goparquet.Row, c *obsColumns, o *engine.Observation, tv goparquet.Value) goparquet.Row {
	var vals [10]goparquet.Value
	vals[c.t] = goparquet.Int64Value(o.T).Level(0, 0, c.t)
	vals[c.time] = tv
	vals[c.soldier] = goparquet.Int32Value(int32(o.Soldier)).Level(0, 0, c.soldier)
	for v := range engine.Vital(engine.NumVitals) {
		col := c.vital[v]
		if x := o.Values[v]; o.Missing.Has(v) || math.IsNaN(x) {
			vals[col] = goparquet.NullValue().Level(0, 0, col)
		} else {
			vals[col] = goparquet.DoubleValue(x).Level(0, 1, col)
		}
	}
	vals[c.phase] = goparquet.ByteArrayValue(phaseBytes[o.Phase]).Level(0, 0, c.phase)
	vals[c.next] = goparquet.ByteArrayValue(phaseBytes[o.NextPhase]).Level(0, 0, c.next)
	vals[c.ambient] = goparquet.DoubleValue(o.Ambient).Level(0, 0, c.ambient)
	return append(row, vals[:]...)
}

// Close completes the observations file and writes labels and profiles. A
// run is readable only after Close.
func (w *RunWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if !w.start.IsZero() {
		w.w.SetKeyValueMetadata("chakra.start", w.start.Format(time.RFC3339Nano))
	}
	err := w.w.Close()
	if cerr := w.file.Sync(); err == nil {
		err = cerr
	}
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close run %q: %w", w.dir, err)
	}
	labels := make([]labelRecord, 0, len(w.labels))
	for l := range w.labels {
		labels = append(labels, labelRecord{Soldier: int32(l.Soldier), Start: l.Start, End: l.End, Kind: l.Kind.String()})
	}
	slices.SortFunc(labels, func(a, b labelRecord) int {
		if a.Start != b.Start {
			return cmp.Compare(a.Start, b.Start)
		}
		if a.Soldier != b.Soldier {
			return cmp.Compare(a.Soldier, b.Soldier)
		}
		return cmp.Compare(a.End, b.End)
	})
	profiles := make([]profileRecord, len(w.profiles))
	for i, p := range w.profiles {
		profiles[i] = profileRecord{ID: int32(p.ID), Squad: int32(p.Squad), Age: p.Age, Fitness: p.Fitness.String(),
			RestingHR: p.RestingHR, HRMax: p.HRMax, Mass: p.Mass, Acclimatised: p.Acclimatised, BaseCoreTemp: p.BaseCoreTemp}
	}
	if err := writeSmall(filepath.Join(w.dir, LabelsFile), labels); err != nil {
		return fmt.Errorf("close run %q: %w", w.dir, err)
	}
	if err := writeSmall(filepath.Join(w.dir, ProfilesFile), profiles); err != nil {
		return fmt.Errorf("close run %q: %w", w.dir, err)
	}
	obs := filepath.Join(w.dir, ObservationsFile)
	if err := os.Rename(obs+partialSuffix, obs); err != nil {
		return fmt.Errorf("close run %q: %w", w.dir, err)
	}
	return nil
}

// writeSmall writes rows to a new Parquet file at path.
func writeSmall[T any](path string, rows []T) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := goparquet.NewGenericWriter[T](f, goparquet.KeyValueMetadata("chakra.format", formatVersion))
	if _, err := w.Write(rows); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := w.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

// Record drains src into a new run in dir: the converter from any frame
// source (a simulation, a replay) to the offline store. It returns the number
// of frames written.
func Record(ctx context.Context, src engine.Source, dir string, opts ...RunOption) (int, error) {
	w, err := CreateRun(dir, src.Profiles(), opts...)
	if err != nil {
		return 0, err
	}
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			err = w.WriteFrame(f)
		}
		if err != nil {
			w.abort()
			return w.frames, fmt.Errorf("record run %q: %w", dir, err)
		}
	}
	return w.frames, w.Close()
}

// abort closes the writer and removes its partial file.
func (w *RunWriter) abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.file.Close()
	os.Remove(w.file.Name())
}
