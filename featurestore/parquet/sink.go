package parquet

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goparquet "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Defaults of a Sink.
const (
	// DefaultFlush is the longest an accepted row waits in memory before
	// the part holding it is written: what a killed process loses at most
	// (plus the write of the part itself).
	DefaultFlush = 2 * time.Second
	// DefaultPartRows closes a part early once it holds this many rows.
	DefaultPartRows = 1 << 20
	// DefaultMaxBuffered is how many rows a Sink holds unwritten (its
	// bucket is down) before it drops new rows: about 100 bytes each.
	DefaultMaxBuffered = 4 << 20
)

// Metadata keys of every part of a run written by a Sink (and of
// observations.parquet written by a RunWriter, which has the first two).
const (
	MetaFormat = "chakra.format" // "1"
	MetaStart  = "chakra.start"  // RFC 3339 wall clock of tick 0
	MetaTick   = "chakra.tick"   // Go duration of a tick ("1s")
	MetaSource = "chakra.source" // what produced the run: "simulation", "http", "replay", …
	MetaConfig = "chakra.config" // a simulation's engine.Config as JSON
	MetaSeed   = "chakra.seed"   // a simulation's seed
)

// SinkConfig configures NewSink.
type SinkConfig struct {
	// Run is the run's name in the bucket: the directory its files go in.
	Run string
	// Start is the wall-clock time of tick 0 (zero: unknown) and Tick the
	// time per tick (default 1 s): a row's time column is Start + T·Tick.
	Start time.Time
	Tick  time.Duration
	// Meta is stored in every part's key-value metadata (MetaSource,
	// MetaConfig, MetaSeed, …).
	Meta map[string]string
	// Flush (default DefaultFlush) and PartRows (default DefaultPartRows)
	// close a part: whichever comes first.
	Flush    time.Duration
	PartRows int
	// MaxBuffered (default DefaultMaxBuffered) bounds the rows held while
	// the bucket does not take them; rows beyond it are dropped and counted.
	MaxBuffered int
	// RowGroupRows is the row-group size of each part (default
	// DefaultRowGroupRows).
	RowGroupRows int
	// Retry is the first delay before a failed write is tried again
	// (default 200 ms), doubling up to 5 s.
	Retry time.Duration
	// Clock decides when a part is due (default time.Now).
	Clock func() time.Time
	// Logger receives the sink's warnings (default slog.Default()).
	Logger *slog.Logger
}

// SinkStats are a Sink's counters.
type SinkStats struct {
	Written  int64 // rows in parts the bucket acknowledged
	Buffered int64 // rows accepted and not yet acknowledged
	Dropped  int64 // rows refused: the buffer was full, or the sink closed
	Parts    int64 // parts acknowledged
	Failing  bool  // the last write failed
}

// Sink writes a session as a run while it happens: it is the
// featurestore.OfflineSink behind --offline. Rows are gathered in memory
// and written as a new observations part (a complete Parquet file,
// "observations-NNNNNN.parquet") every Flush or PartRows rows; labels and
// profiles are rewritten whole when they changed, before the next part.
// Every object is put whole (Bucket.Put), so a killed process leaves a
// readable run that lacks at most its last Flush of rows.
//
// Writing happens on the sink's own goroutine: Observe copies and returns.
// When the bucket fails, parts wait and are retried with back-off; the
// sink holds at most MaxBuffered rows, drops what comes beyond and says so
// (log, Stats). Close writes what is left.
type Sink struct {
	b   Bucket
	cfg SinkConfig
	log *slog.Logger
	enc partEncoder

	mu            sync.Mutex
	cur           []engine.Observation
	curSince      time.Time
	pending       []sinkPart
	free          [][]engine.Observation
	seq           int
	buffered      int64
	labels        map[engine.Label]struct{}
	labelsDirty   bool
	profiles      map[engine.SoldierID]engine.Profile
	profilesDirty bool
	closing       bool
	dropping      bool // logged that rows are dropped

	written, dropped, parts atomic.Int64
	failing                 atomic.Bool

	wake chan struct{}
	stop chan struct{} // closed by Close: write what is left, then return
	done chan struct{} // closed when the writer goroutine returned
	ctx  context.Context
	quit context.CancelFunc // abandons writes (Close's context ended)
}

type sinkPart struct {
	seq  int
	rows []engine.Observation
}

// NewSink starts writing run cfg.Run into b. profiles may be nil (soldiers
// described later through Profile, or never).
func NewSink(b Bucket, cfg SinkConfig, profiles []engine.Profile) (*Sink, error) {
	if cfg.Run == "" {
		return nil, fmt.Errorf("offline sink: no run name: %w", featurestore.ErrInvalid)
	}
	if cfg.Tick <= 0 {
		cfg.Tick = time.Second
	}
	if cfg.Flush <= 0 {
		cfg.Flush = DefaultFlush
	}
	if cfg.PartRows <= 0 {
		cfg.PartRows = DefaultPartRows
	}
	if cfg.MaxBuffered <= 0 {
		cfg.MaxBuffered = DefaultMaxBuffered
	}
	if cfg.RowGroupRows <= 0 {
		cfg.RowGroupRows = DefaultRowGroupRows
	}
	if cfg.Retry <= 0 {
		cfg.Retry = 200 * time.Millisecond
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, quit := context.WithCancel(context.Background())
	s := &Sink{b: b, cfg: cfg, log: log.With("offline", b.String()+"/"+cfg.Run),
		labels: map[engine.Label]struct{}{}, profiles: map[engine.SoldierID]engine.Profile{}, profilesDirty: true, labelsDirty: true,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), ctx: ctx, quit: quit}
	for _, p := range profiles {
		s.profiles[p.ID] = p
	}
	if err := s.enc.init(cfg); err != nil {
		quit()
		return nil, err
	}
	go s.run()
	return s, nil
}

// Observe implements featurestore.OfflineSink: it copies obs into the
// current part. It does not allocate once the sink's buffers have grown.
func (s *Sink) Observe(obs []engine.Observation) {
	n := int64(len(obs))
	if n == 0 {
		return
	}
	now := s.cfg.Clock()
	s.mu.Lock()
	if s.closing || s.buffered+n > int64(s.cfg.MaxBuffered) {
		s.dropped.Add(n)
		first := !s.dropping
		s.dropping = true
		buffered, closing := s.buffered, s.closing
		s.mu.Unlock()
		if first && !closing {
			s.log.Warn("offline store: buffer full, dropping rows until the bucket takes writes again",
				"buffered_rows", buffered, "bound", s.cfg.MaxBuffered)
		}
		return
	}
	if len(s.cur) == 0 {
		s.curSince = now
	}
	s.cur = append(s.cur, obs...)
	s.buffered += n
	due := len(s.cur) >= s.cfg.PartRows || now.Sub(s.curSince) >= s.cfg.Flush
	if due {
		s.seal()
	}
	s.mu.Unlock()
	if due {
		s.poke()
	}
}

// ObserveWait is Observe for a producer that can wait (a simulation
// fast-forwarding, a converter): while the buffer is full it waits for the
// bucket to take parts instead of dropping rows, until ctx ends.
func (s *Sink) ObserveWait(ctx context.Context, obs []engine.Observation) error {
	n := int64(len(obs))
	if n > int64(s.cfg.MaxBuffered) {
		return fmt.Errorf("offline store %s: %d rows at once, more than the buffer of %d: %w", s.b, n, s.cfg.MaxBuffered, featurestore.ErrInvalid)
	}
	var tick *time.Ticker
	for {
		s.mu.Lock()
		full := !s.closing && s.buffered+n > int64(s.cfg.MaxBuffered)
		if full && len(s.cur) > 0 {
			s.seal()
		}
		s.mu.Unlock()
		if !full {
			break
		}
		s.poke()
		if tick == nil {
			tick = time.NewTicker(2 * time.Millisecond)
			defer tick.Stop()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	s.Observe(obs)
	return nil
}

// Profile implements featurestore.OfflineSink.
func (s *Sink) Profile(p engine.Profile) {
	s.mu.Lock()
	if old, ok := s.profiles[p.ID]; !ok || old != p {
		s.profiles[p.ID] = p
		s.profilesDirty = true
	}
	s.mu.Unlock()
}

// Labels implements featurestore.OfflineSink.
func (s *Sink) Labels(ls []engine.Label) {
	if len(ls) == 0 {
		return
	}
	s.mu.Lock()
	for _, l := range ls {
		if _, ok := s.labels[l]; !ok {
			s.labels[l] = struct{}{}
			s.labelsDirty = true
		}
	}
	s.mu.Unlock()
}

// Stats returns the sink's counters.
func (s *Sink) Stats() SinkStats {
	s.mu.Lock()
	b := s.buffered
	s.mu.Unlock()
	return SinkStats{Written: s.written.Load(), Buffered: b, Dropped: s.dropped.Load(), Parts: s.parts.Load(), Failing: s.failing.Load()}
}

// Run returns the run's name in the bucket.
func (s *Sink) Run() string { return s.cfg.Run }

// Bucket returns the bucket the sink writes to.
func (s *Sink) Bucket() Bucket { return s.b }

// Flush closes the current part and waits until everything accepted so far
// is acknowledged by the bucket, or ctx ends.
func (s *Sink) Flush(ctx context.Context) error {
	s.mu.Lock()
	if len(s.cur) > 0 {
		s.seal()
	}
	target := s.seq
	s.mu.Unlock()
	s.poke()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ok := (len(s.pending) == 0 || s.pending[0].seq > target) && !s.labelsDirty && !s.profilesDirty
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("offline store %s: flush: %w", s.b, ctx.Err())
		case <-s.done:
			return fmt.Errorf("offline store %s: flush: %w", s.b, featurestore.ErrClosed)
		case <-tick.C:
		}
	}
}

// Close writes what is left and stops the sink. If ctx ends first (the
// bucket is down), the rows not yet acknowledged are lost and the error
// says how many.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closing = true
	if len(s.cur) > 0 {
		s.seal()
	}
	s.mu.Unlock()
	close(s.stop)
	select {
	case <-s.done:
	case <-ctx.Done():
		s.quit()
		<-s.done
	}
	s.quit()
	s.mu.Lock()
	lost := s.buffered
	s.mu.Unlock()
	if lost > 0 {
		s.dropped.Add(lost)
		return fmt.Errorf("offline store %s: closed with %d rows not written: %w", s.b, lost, featurestore.ErrUnavailable)
	}
	return nil
}

// seal moves the current rows to the queue of parts. s.mu is held.
func (s *Sink) seal() {
	s.seq++
	s.pending = append(s.pending, sinkPart{seq: s.seq, rows: s.cur})
	if k := len(s.free); k > 0 {
		s.cur = s.free[k-1]
		s.free = s.free[:k-1]
	} else {
		s.cur = nil
	}
}

func (s *Sink) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine.
func (s *Sink) run() {
	defer close(s.done)
	tick := time.NewTicker(max(s.cfg.Flush/4, 10*time.Millisecond))
	defer tick.Stop()
	stop := s.stop
	delay := s.cfg.Retry
	for {
		s.mu.Lock()
		if len(s.cur) > 0 && s.cfg.Clock().Sub(s.curSince) >= s.cfg.Flush {
			s.seal()
		}
		var p sinkPart
		have := len(s.pending) > 0
		if have {
			p = s.pending[0]
		}
		meta := s.labelsDirty || s.profilesDirty
		s.mu.Unlock()
		if !have && !meta {
			if stop == nil {
				return
			}
			select {
			case <-s.wake:
			case <-tick.C:
			case <-stop:
				stop = nil
			}
			continue
		}
		err := s.writeMeta()
		if err == nil && have {
			err = s.writePart(p)
		}
		if err == nil {
			if s.failing.Swap(false) {
				st := s.Stats()
				s.log.Info("offline store: writing again", "buffered_rows", st.Buffered, "written_rows", st.Written, "dropped_rows", st.Dropped)
			}
			delay = s.cfg.Retry
			continue
		}
		if s.ctx.Err() != nil {
			return
		}
		if !s.failing.Swap(true) {
			s.log.Warn("offline store: write failed; buffering rows in memory and retrying", "err", err,
				"buffered_rows", s.Stats().Buffered, "bound", s.cfg.MaxBuffered)
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// writeMeta rewrites labels.parquet and profiles.parquet if they changed.
func (s *Sink) writeMeta() error {
	s.mu.Lock()
	var labels []labelRecord
	var profiles []profileRecord
	ld, pd := s.labelsDirty, s.profilesDirty
	if ld {
		labels = labelRecords(s.labels)
	}
	if pd {
		profiles = profileRecords(s.profiles)
	}
	s.labelsDirty, s.profilesDirty = false, false
	s.mu.Unlock()
	redirty := func() {
		s.mu.Lock()
		s.labelsDirty = s.labelsDirty || ld
		s.profilesDirty = s.profilesDirty || pd
		s.mu.Unlock()
	}
	if pd {
		data, err := smallBytes(profiles)
		if err == nil {
			err = s.b.Put(s.ctx, s.cfg.Run+"/"+ProfilesFile, data)
		}
		if err != nil {
			redirty()
			return fmt.Errorf("write %s: %w", ProfilesFile, err)
		}
	}
	if ld {
		data, err := smallBytes(labels)
		if err == nil {
			err = s.b.Put(s.ctx, s.cfg.Run+"/"+LabelsFile, data)
		}
		if err != nil {
			redirty()
			return fmt.Errorf("write %s: %w", LabelsFile, err)
		}
	}
	return nil
}

// writePart encodes and puts the oldest pending part.
func (s *Sink) writePart(p sinkPart) error {
	data, err := s.enc.encode(p.rows)
	if err != nil {
		return err
	}
	if err := s.b.Put(s.ctx, PartName(s.cfg.Run, p.seq), data); err != nil {
		return err
	}
	n := int64(len(p.rows))
	s.mu.Lock()
	s.pending = slices.Delete(s.pending, 0, 1)
	s.buffered -= n
	s.dropping = false
	if len(s.free) < 2 {
		s.free = append(s.free, p.rows[:0])
	}
	s.mu.Unlock()
	s.written.Add(n)
	s.parts.Add(1)
	return nil
}

// PartName returns the name of observation part seq of run.
func PartName(run string, seq int) string {
	return fmt.Sprintf("%s/%s%06d%s", run, partPrefix, seq, partSuffix)
}

const (
	partPrefix = "observations-"
	partSuffix = ".parquet"
)

// partSeq returns the sequence number of a part's base name.
func partSeq(base string) (int, bool) {
	if len(base) <= len(partPrefix)+len(partSuffix) || base[:len(partPrefix)] != partPrefix ||
		base[len(base)-len(partSuffix):] != partSuffix {
		return 0, false
	}
	n, err := strconv.Atoi(base[len(partPrefix) : len(base)-len(partSuffix)])
	return n, err == nil && n >= 0
}

// partEncoder turns rows into one Parquet file in memory, reusing its
// buffers and writer from part to part.
type partEncoder struct {
	cfg  SinkConfig
	cols obsColumns
	buf  bytes.Buffer
	w    *goparquet.GenericWriter[any]
	rows []goparquet.Row
}

func (e *partEncoder) init(cfg SinkConfig) error {
	cols, err := columnsOf(obsSchema)
	if err != nil {
		return err
	}
	e.cfg, e.cols = cfg, cols
	e.w = goparquet.NewGenericWriter[any](&e.buf, obsSchema, goparquet.MaxRowsPerRowGroup(int64(cfg.RowGroupRows)),
		goparquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}))
	e.rows = make([]goparquet.Row, 1024)
	for i := range e.rows {
		e.rows[i] = make(goparquet.Row, 0, 10)
	}
	return nil
}

// encode sorts rows by tick, then soldier, and returns them as a Parquet
// file, valid until the next call.
func (e *partEncoder) encode(rows []engine.Observation) ([]byte, error) {
	if !slices.IsSortedFunc(rows, obsOrder) {
		slices.SortStableFunc(rows, obsOrder)
	}
	e.buf.Reset()
	e.w.Reset(&e.buf)
	e.w.SetKeyValueMetadata(MetaFormat, formatVersion)
	if !e.cfg.Start.IsZero() {
		e.w.SetKeyValueMetadata(MetaStart, e.cfg.Start.Format(time.RFC3339Nano))
	}
	e.w.SetKeyValueMetadata(MetaTick, e.cfg.Tick.String())
	for k, v := range e.cfg.Meta {
		e.w.SetKeyValueMetadata(k, v)
	}
	start := e.cfg.Start.UnixNano()
	for len(rows) > 0 {
		n := min(len(rows), len(e.rows))
		for i := range n {
			o := &rows[i]
			tv := goparquet.NullValue().Level(0, 0, e.cols.time)
			if !e.cfg.Start.IsZero() {
				tv = goparquet.Int64Value(start+o.T*int64(e.cfg.Tick)).Level(0, 1, e.cols.time)
			}
			e.rows[i] = encodeObs(e.rows[i][:0], &e.cols, o, tv)
		}
		if _, err := e.w.WriteRows(e.rows[:n]); err != nil {
			return nil, fmt.Errorf("encode part: %w", err)
		}
		rows = rows[n:]
	}
	if err := e.w.Close(); err != nil {
		return nil, fmt.Errorf("encode part: %w", err)
	}
	return e.buf.Bytes(), nil
}

func obsOrder(a, b engine.Observation) int {
	if c := cmp.Compare(a.T, b.T); c != 0 {
		return c
	}
	return cmp.Compare(a.Soldier, b.Soldier)
}

// labelRecords returns the labels as rows of labels.parquet, by start.
func labelRecords(set map[engine.Label]struct{}) []labelRecord {
	labels := make([]labelRecord, 0, len(set))
	for l := range set {
		labels = append(labels, labelRecord{Soldier: int32(l.Soldier), Start: l.Start, End: l.End, Kind: l.Kind.String()})
	}
	slices.SortFunc(labels, func(a, b labelRecord) int {
		if a.Start != b.Start {
			return cmp.Compare(a.Start, b.Start)
		}
		if a.Soldier != b.Soldier {
			return cmp.Compare(a.Soldier, b.Soldier)
		}
		if a.End != b.End {
			return cmp.Compare(a.End, b.End)
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
	return labels
}

// profileRecords returns the profiles as rows of profiles.parquet, by id.
func profileRecords(ps map[engine.SoldierID]engine.Profile) []profileRecord {
	out := make([]profileRecord, 0, len(ps))
	for _, p := range ps {
		out = append(out, profileRecordOf(p))
	}
	slices.SortFunc(out, func(a, b profileRecord) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func profileRecordOf(p engine.Profile) profileRecord {
	return profileRecord{ID: int32(p.ID), Squad: int32(p.Squad), Age: p.Age, Fitness: p.Fitness.String(),
		RestingHR: p.RestingHR, HRMax: p.HRMax, Mass: p.Mass, Acclimatised: p.Acclimatised, BaseCoreTemp: p.BaseCoreTemp}
}

// smallBytes returns rows as a Parquet file.
func smallBytes[T any](rows []T) ([]byte, error) {
	var buf bytes.Buffer
	w := goparquet.NewGenericWriter[T](&buf, goparquet.KeyValueMetadata(MetaFormat, formatVersion))
	if _, err := w.Write(rows); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var _ featurestore.OfflineSink = (*Sink)(nil)

// errNoRun is returned by OpenRun for a name that holds no run.
var errNoRun = fmt.Errorf("no run here (no observations, labels or profiles files): %w", fs.ErrNotExist)
