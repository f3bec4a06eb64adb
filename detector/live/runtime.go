package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Defaults of a Runtime's fan-out.
const (
	// DefaultBuffer is how many snapshots a subscriber's feed holds before
	// the oldest are dropped (a paused or slow viewer).
	DefaultBuffer = 240
	// ScheduleHorizon is how far ahead a snapshot's schedule reaches, ticks.
	ScheduleHorizon = 3600
	// DefaultSnapshotBytes bounds what the backlog and a viewer's buffer
	// hold: both are cut to as many snapshots of the source's soldiers as
	// fit (at least one). It leaves 240 snapshots of up to 1 600 soldiers
	// alone; at 50 000 soldiers a snapshot is about 60 MB, and 240 of them
	// would be 14 GB.
	DefaultSnapshotBytes = 512 << 20
	// DefaultCatchUp is how far behind its pace Run may fall and still work
	// the delay off (see Config.CatchUp).
	DefaultCatchUp = time.Minute
)

// snapshotBytes is about what one snapshot of n soldiers holds: a verdict,
// an observation and a ground-truth label each.
func snapshotBytes(n int) int64 {
	return int64(n) * int64(unsafe.Sizeof(detector.Verdict{})+unsafe.Sizeof(engine.Observation{})+unsafe.Sizeof(engine.Label{}))
}

// Sentinel errors; match them with errors.Is.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("invalid live runtime configuration")
	// ErrNotSeekable: the source cannot seek, or the runtime records or
	// scores through a pipeline that only moves forward in time.
	ErrNotSeekable = errors.New("this battlefield cannot seek")
	// ErrRunning: Run was called while it runs or after it returned.
	ErrRunning = errors.New("the runtime's clock runs already (Run may be called once)")
)

// Snapshot is one tick of a battlefield: the frame (with its ground truth,
// which only a truth overlay shows) and the detector's verdicts on it.
// Snapshots are immutable values: nobody may touch their slices once
// published.
type Snapshot struct {
	Frame engine.Frame
	// Verdicts holds one verdict per Frame.Obs, in the same order; nil when
	// nothing scores the battlefield.
	Verdicts []detector.Verdict
	// Schedule holds each squad's known phase schedule from Frame.T to
	// Frame.T+ScheduleHorizon (the known future input), indexed by squad;
	// nil when the source does not know it (a replay).
	Schedule [][]engine.Segment
}

// Pipeline scores one tick's observations, appending one verdict per
// observation, in order, to dst: a *monitor.Monitor, or something that
// wraps one (the HTTP API's Ingest also counts metrics). It must not keep
// dst or obs: Run hands it the same buffers again once nobody holds the
// snapshot they were published in.
type Pipeline interface {
	Ingest(ctx context.Context, obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error)
}

// Recorder is the recording tap: it receives every published tick, in
// order (a *session.Recorder). It must not keep f's slices or vs after
// Write returns (see Pipeline).
type Recorder interface {
	Write(f *engine.Frame, vs []detector.Verdict) error
}

// Scheduler is a source that knows each squad's phase schedule ahead of
// time (*engine.Sim); snapshots of it carry their Schedule.
type Scheduler interface {
	Squads() int
	Schedule(squad int, from, to int64, dst []engine.Segment) []engine.Segment
}

// Verdicter is a source that carries the verdicts on the frame its Next
// returned last (*session.Replay: recorded, or re-scored).
type Verdicter interface {
	Verdicts() []detector.Verdict
}

// Seeker is a source that can seek (*session.Replay): Seek positions it so
// that Next returns the first frame at or after tick t, clamped to
// [First, Last], and returns the ticks of a pre-roll before it.
type Seeker interface {
	First() int64
	Last() int64
	Seek(ctx context.Context, t int64) ([]session.Tick, error)
}

// Config describes a battlefield. Source is required; the rest is optional.
type Config struct {
	// Source produces the frames. The runtime does not close it.
	Source engine.Source
	// Store and Scorer, both or neither, are joined by a monitor.Monitor
	// that the runtime builds (with the source's profiles) and closes; it
	// closes neither of them.
	Store  featurestore.Online
	Scorer detector.Scorer
	// MonitorOptions configure that monitor, e.g. monitor.WithEpoch so a
	// simulation's alerts carry unix seconds.
	MonitorOptions []monitor.Option
	// Pipeline scores each frame instead (a caller's monitor, or the HTTP
	// API over it); it excludes Store and Scorer. With none of the three,
	// the verdicts are the source's own (Verdicter) or none.
	Pipeline Pipeline
	// Record, if not nil, is written every published tick; the runtime does
	// not close it.
	Record Recorder
	// Offline, if not nil, is the offline store (--offline): the monitor
	// the runtime builds hands it every row it stores (a caller's Pipeline
	// does so itself: monitor.WithOffline), the runtime every frame's
	// ground truth, and, when nothing scores, every frame's rows.
	Offline featurestore.OfflineSink
	// Speed is the simulated seconds per wall second at which Run steps
	// (0: as fast as the source allows).
	Speed float64
	// CatchUp is how far behind its pace Run may fall and still catch up:
	// it steps the late ticks without waiting until it is back on pace
	// (0: DefaultCatchUp). Further behind (a machine that slept), it
	// forgives the delay and paces afresh from the late tick; the Lag it
	// reports does not forgive (see Lag). A battlefield whose ticks cost
	// less than their period on average, but not every one (50 000 scored
	// soldiers), keeps up only if it may work a slow stretch off: the
	// pacer's own default of one second forgave each slow stretch past it,
	// then paced the fast ticks after it, so the lag only grew.
	CatchUp time.Duration
	// Clock is the wall clock Run paces on (default engine.WallClock; tests
	// inject a fake one and never sleep).
	Clock engine.Clock
	// Backlog is how many recent snapshots a new subscriber receives first.
	Backlog int
	// Buffer is each subscriber's buffer (default DefaultBuffer; at least
	// Backlog).
	Buffer int
	// SnapshotBytes bounds the memory of the backlog and of each
	// subscriber's buffer (0: DefaultSnapshotBytes): Backlog and Buffer are
	// cut to the snapshots of the source's soldiers that fit in it, at
	// least one. Viewers share snapshots, so this is about what they hold
	// together.
	SnapshotBytes int64
	// Workers is how many goroutines score one tick in the monitor Open
	// builds (Store and Scorer): 0 is every core (monitor.WithWorkers). The
	// verdicts do not depend on it.
	Workers int
	// OnScore, if not nil, is called after each tick is scored with the
	// error of scoring it (nil on success). For an error, returning nil
	// skips the tick (it is neither recorded nor published) and returning an
	// error stops the runtime with it. Without OnScore a failed score stops
	// the runtime.
	OnScore func(t int64, err error) error
	// Trace, if not nil, is called by Run after each tick it publishes,
	// on Run's goroutine, with where the tick's time went (TickTrace). The
	// trace is Run's, overwritten by the next tick: copy what you keep.
	Trace func(*TickTrace)
}

// Runtime owns one battlefield's loop: source → store → score → record →
// viewers. It is safe for concurrent use.
type Runtime struct {
	src      engine.Source
	pacer    *engine.Pacer
	ahead    *ahead // the pacer's source when something scores (see ahead)
	clock    engine.Clock
	pipe     Pipeline
	mon      *monitor.Monitor // built by Open (nil when the caller owns the pipeline)
	verdicts Verdicter        // the source's own verdicts, when nothing scores
	sched    Scheduler
	seeker   Seeker
	rec      Recorder
	onScore  func(int64, error) error
	offline  featurestore.OfflineSink
	feed     *engine.Broadcast[Snapshot]
	buffer   int

	mu        sync.Mutex // one step or seek at a time
	delivered time.Time  // when the source delivered the frame of the step in progress (under mu)

	// Every step, seek and Run runs under a context that Close ends (bind):
	// Close stops the tick in progress between chunks instead of waiting
	// out its scoring. Under bmu.
	bmu      sync.Mutex
	binds    map[uint64]context.CancelFunc
	nbind    uint64
	stopped  bool   // Close was called: bound contexts end at once
	stopping func() // tests: called by Close once it has ended them, before it waits

	pmu     sync.Mutex
	paused  bool
	resume  chan struct{} // closed by Resume
	running bool          // Run was called
	parked  func()        // tests: called when Run waits while paused

	published atomic.Int64
	closeOnce sync.Once

	lag LagMeter // Run's lag behind its pace

	trace func(*TickTrace) // Config.Trace
	tr    *TickTrace       // Run's trace of the step in progress (under mu), when traced

	// spare is the verdict buffer of a tick that nobody holds any more:
	// the next tick's verdicts go into it instead of a new one (50 000
	// verdicts are 62 MB a tick). Run sets it when nothing kept its
	// snapshot (no backlog, no subscriber), Release when Step's caller
	// hands back the snapshot lent stands for. Under mu.
	spare []detector.Verdict
	lent  *detector.Verdict // the verdicts of Step's last snapshot, if nothing else kept them
}

// Open returns the runtime of the battlefield cfg describes. It stores the
// source's profiles in the monitor it builds (Store and Scorer), which may
// talk to the store under ctx.
func Open(ctx context.Context, cfg Config) (*Runtime, error) {
	switch {
	case cfg.Source == nil:
		return nil, fmt.Errorf("%w: no source", ErrConfig)
	case (cfg.Store == nil) != (cfg.Scorer == nil):
		return nil, fmt.Errorf("%w: a store without a scorer, or a scorer without a store", ErrConfig)
	case cfg.Store != nil && cfg.Pipeline != nil:
		return nil, fmt.Errorf("%w: a pipeline and a store with a scorer", ErrConfig)
	case cfg.Speed < 0 || math.IsNaN(cfg.Speed):
		return nil, fmt.Errorf("%w: speed %v (want ≥ 0)", ErrConfig, cfg.Speed)
	case cfg.Backlog < 0 || cfg.Buffer < 0 || cfg.SnapshotBytes < 0:
		return nil, fmt.Errorf("%w: backlog %d, buffer %d, snapshot bytes %d (want ≥ 0)", ErrConfig, cfg.Backlog, cfg.Buffer, cfg.SnapshotBytes)
	case cfg.Workers < 0:
		return nil, fmt.Errorf("%w: %d workers (want ≥ 0)", ErrConfig, cfg.Workers)
	case cfg.CatchUp < 0:
		return nil, fmt.Errorf("%w: catch-up %v (want ≥ 0)", ErrConfig, cfg.CatchUp)
	}
	if cfg.CatchUp == 0 {
		cfg.CatchUp = DefaultCatchUp
	}
	if cfg.Clock == nil {
		cfg.Clock = engine.WallClock{}
	}
	if cfg.Buffer == 0 {
		cfg.Buffer = DefaultBuffer
	}
	if cfg.SnapshotBytes == 0 {
		cfg.SnapshotBytes = DefaultSnapshotBytes
	}
	if per := snapshotBytes(len(cfg.Source.Profiles())); per > 0 {
		fit := int(max(cfg.SnapshotBytes/per, 1))
		cfg.Backlog, cfg.Buffer = min(cfg.Backlog, fit), min(cfg.Buffer, fit)
	}
	r := &Runtime{src: cfg.Source, pipe: cfg.Pipeline, rec: cfg.Record, onScore: cfg.OnScore, clock: cfg.Clock, offline: cfg.Offline, trace: cfg.Trace,
		feed: engine.NewBroadcast[Snapshot](cfg.Backlog), buffer: max(cfg.Buffer, cfg.Backlog)}
	r.binds = map[uint64]context.CancelFunc{}
	if cfg.Store != nil {
		opts := append([]monitor.Option(nil), cfg.MonitorOptions...)
		if cfg.Workers > 0 {
			opts = append(opts, monitor.WithWorkers(cfg.Workers))
		}
		if cfg.Offline != nil {
			opts = append(opts, monitor.WithOffline(cfg.Offline))
		}
		mon, err := monitor.New(cfg.Store, cfg.Scorer, opts...)
		if err != nil {
			return nil, fmt.Errorf("open the scoring pipeline: %w", err)
		}
		if err := mon.SetProfiles(ctx, cfg.Source.Profiles()); err != nil {
			mon.Close()
			return nil, fmt.Errorf("open the scoring pipeline: %w", err)
		}
		r.mon, r.pipe = mon, mon
	}
	if r.pipe == nil {
		r.verdicts, _ = cfg.Source.(Verdicter)
	}
	r.sched, _ = cfg.Source.(Scheduler)
	r.seeker, _ = cfg.Source.(Seeker)
	var paced engine.Source = cfg.Source
	if sim, ok := cfg.Source.(*engine.Sim); ok && r.pipe != nil {
		// A simulation, scored (and so not seekable): Run makes the next
		// frame while it scores one, in the slices of a frame nobody
		// holds any more when there is one. A simulation's Next touches
		// nothing but the simulation; another source's might (a test's
		// hook that changes the speed), and is called when its tick comes.
		r.ahead = &ahead{src: cfg.Source, sched: r.sched, step: sim.Step}
		paced = r.ahead
	}
	r.pacer = engine.NewPacer(paced, cfg.Speed, engine.WithClock(cfg.Clock), engine.WithCatchUp(cfg.CatchUp))
	return r, nil
}

// Profiles returns the static covariates of the source's soldiers.
func (r *Runtime) Profiles() []engine.Profile {
	return append([]engine.Profile(nil), r.src.Profiles()...)
}

// Monitor returns the monitor Open built from Store and Scorer (nil when
// the caller gave a Pipeline or nothing scores).
func (r *Runtime) Monitor() *monitor.Monitor { return r.mon }

// Tick returns the source's simulated time per frame (one second unless the
// source says otherwise).
func (r *Runtime) Tick() time.Duration {
	if t, ok := r.src.(interface{ Tick() time.Duration }); ok && t.Tick() > 0 {
		return t.Tick()
	}
	if h, ok := r.src.(interface{ Header() engine.Header }); ok {
		if c := h.Header().Config; c != nil && c.Tick > 0 {
			return c.Tick
		}
	}
	return time.Second
}

// Step reads, scores, records and publishes the source's next tick at once
// and returns it: the caller's clock drives the battlefield (the local
// dashboard's tick loop). It returns io.EOF at the end of the source.
//
// When ctx ends or Close is called during the step, the step stops (the
// scoring between chunks of squads, see monitor.Ingest) and returns the
// context's error: that tick is neither recorded nor published, and the
// battlefield is not meant to go on after it.
func (r *Runtime) Step(ctx context.Context) (Snapshot, error) {
	ctx, done := r.bind(ctx)
	defer done()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.step(ctx, r.src, false)
}

// Run steps the battlefield on the runtime's clock, at the configured speed
// (SetSpeed changes it, Pause holds it), until the source ends, a step
// fails, ctx ends or Close is called; then it closes every subscription.
// A tick in progress when ctx ends stops as Step's does, unpublished. It
// returns nil at the end of the source or of ctx, the failure otherwise.
// Run may be called once.
func (r *Runtime) Run(ctx context.Context) error {
	ctx, done := r.bind(ctx)
	defer done()
	r.pmu.Lock()
	if r.running {
		r.pmu.Unlock()
		return ErrRunning
	}
	r.running = true
	r.pmu.Unlock()
	defer r.feed.Close()
	if r.ahead != nil {
		r.ahead.start(ctx)
		defer r.ahead.stop()
	}
	if r.trace != nil {
		r.mu.Lock()
		r.tr = new(TickTrace)
		r.mu.Unlock()
	}
	for {
		if err := r.waitWhilePaused(ctx); err != nil {
			return nil
		}
		r.mu.Lock()
		s, err := r.step(ctx, r.pacer, true)
		if err == nil {
			r.lag.Note(s.Frame.T, r.delivered, r.clock.Now(), r.pacer.Speed())
			if r.tr != nil {
				r.tr.Lag = r.lag.Lag().Last
				r.trace(r.tr)
			}
		}
		r.mu.Unlock()
		switch {
		case err == nil:
		case errors.Is(err, io.EOF), ctx.Err() != nil:
			return nil
		default:
			return err
		}
	}
}

// Release hands back a snapshot Step returned, once the caller no longer
// holds it or anything of it (the dashboard, after it copied the tick onto
// its board): when nothing else kept it either, the next tick's verdicts
// go into its buffer. Releasing another snapshot, or one twice, does
// nothing.
func (r *Runtime) Release(s Snapshot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(s.Verdicts) > 0 && &s.Verdicts[0] == r.lent {
		r.spare, r.lent = s.Verdicts, nil
	}
}

// step is the battlefield loop's body, the only one: next frame → score →
// record → fan out. With reuse (Run, which drops the snapshot), a tick's
// verdicts that nothing kept become the next tick's buffer; Step returns
// its snapshot to a caller, so its buffer waits for Release.
func (r *Runtime) step(ctx context.Context, src engine.Source, reuse bool) (Snapshot, error) {
	var tr *TickTrace
	if reuse {
		tr = r.tr // Run's, when traced
	}
	for {
		if err := ctx.Err(); err != nil {
			return Snapshot{}, err // a source need not look at ctx
		}
		var asked time.Time
		if tr != nil {
			asked = time.Now()
		}
		f, err := src.Next(ctx)
		if err != nil {
			return Snapshot{}, err
		}
		r.delivered = r.clock.Now()
		ictx := ctx
		if tr != nil {
			tr.T, tr.Delivered, tr.Waited = f.T, time.Now(), time.Since(asked)
			ictx = monitor.WithTrace(ctx, &tr.Ingest)
		}
		s := Snapshot{Frame: f}
		switch {
		case r.pipe != nil:
			dst := r.spare[:0]
			r.spare, r.lent = nil, nil
			if cap(dst) < len(f.Obs) {
				dst = make([]detector.Verdict, 0, len(f.Obs))
			}
			s.Verdicts, err = r.pipe.Ingest(ictx, f.Obs, dst)
			if r.onScore != nil {
				if herr := r.onScore(f.T, err); herr != nil {
					return Snapshot{}, herr
				}
				if err != nil {
					continue // skipped by OnScore
				}
			} else if err != nil {
				return Snapshot{}, fmt.Errorf("score tick %d: %w", f.T, err)
			}
		case r.verdicts != nil:
			s.Verdicts = r.verdicts.Verdicts()
		}
		if tr != nil {
			tr.Scored = time.Since(tr.Delivered)
		}
		if r.offline != nil {
			if r.pipe == nil {
				r.offline.Observe(f.Obs)
			}
			r.offline.Labels(f.Truth)
		}
		switch {
		case src == r.pacer && r.ahead != nil:
			s.Schedule = r.ahead.last.sched // read with the frame, ahead
		case r.sched != nil:
			s.Schedule = schedules(r.sched, f.T, nil)
		}
		if r.rec != nil {
			if err := r.rec.Write(&s.Frame, s.Verdicts); err != nil {
				return Snapshot{}, fmt.Errorf("record: %w", err)
			}
		}
		if tr != nil {
			tr.Recorded = time.Since(tr.Delivered)
		}
		kept := r.feed.Publish(s)
		switch {
		case kept || r.pipe == nil || len(s.Verdicts) == 0:
		case reuse:
			r.spare = s.Verdicts
		default:
			r.lent = &s.Verdicts[0]
		}
		if !kept && reuse && src == r.pacer && r.ahead != nil {
			// Nobody holds the frame or its schedules (Run drops the
			// snapshot): the frame after next is made in them.
			r.ahead.recycle(s.Frame, s.Schedule)
		}
		r.published.Add(1)
		if tr != nil {
			tr.Published = time.Since(tr.Delivered)
		}
		return s, nil
	}
}

// bind returns ctx, ended also by Close (at once if Close was called),
// and the function that releases it.
func (r *Runtime) bind(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	r.bmu.Lock()
	defer r.bmu.Unlock()
	if r.stopped {
		cancel()
		return ctx, cancel
	}
	r.nbind++
	id := r.nbind
	r.binds[id] = cancel
	return ctx, func() {
		r.bmu.Lock()
		delete(r.binds, id)
		r.bmu.Unlock()
		cancel()
	}
}

// stopAll ends every bound context, and those bound from now on.
func (r *Runtime) stopAll() {
	r.bmu.Lock()
	defer r.bmu.Unlock()
	r.stopped = true
	for _, cancel := range r.binds {
		cancel()
	}
}

// schedules reads every squad's schedule from t to t+ScheduleHorizon,
// into dst's slices when it has them (dst: schedules nobody holds).
func schedules(sc Scheduler, t int64, dst [][]engine.Segment) [][]engine.Segment {
	n := sc.Squads()
	if cap(dst) < n {
		dst = append(dst[:cap(dst)], make([][]engine.Segment, n-cap(dst))...)
	}
	dst = dst[:n]
	for q := range dst {
		dst[q] = sc.Schedule(q, t, t+ScheduleHorizon, dst[q][:0])
	}
	return dst
}

// waitWhilePaused returns when the runtime is not paused, or ctx's error
// when ctx ends first.
func (r *Runtime) waitWhilePaused(ctx context.Context) error {
	r.pmu.Lock()
	for r.paused {
		ch, parked := r.resume, r.parked
		r.pmu.Unlock()
		if parked != nil {
			parked()
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		r.pmu.Lock()
	}
	r.pmu.Unlock()
	return ctx.Err()
}

// Pause holds Run's clock after the tick in progress; Resume restarts it.
// Step is not affected (its caller is the clock).
func (r *Runtime) Pause() {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	if !r.paused {
		r.paused, r.resume = true, make(chan struct{})
	}
}

// Resume restarts Run's clock; the next tick sets the pace afresh.
func (r *Runtime) Resume() {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	if r.paused {
		r.paused = false
		close(r.resume)
		r.pacer.Reanchor()
		r.lag.Reanchor()
	}
}

// Paused reports whether Run's clock is held.
func (r *Runtime) Paused() bool {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	return r.paused
}

// SetSpeed sets Run's speed in simulated seconds per wall second (0: as
// fast as the source allows) from the last tick on.
func (r *Runtime) SetSpeed(x float64) {
	r.pacer.SetSpeed(x)
	r.lag.Reanchor()
}

// Speed returns Run's speed.
func (r *Runtime) Speed() float64 { return r.pacer.Speed() }

// Bounds returns the ticks of the first and last frame of a seekable
// source; ok is false when Seek would fail with ErrNotSeekable.
func (r *Runtime) Bounds() (first, last int64, ok bool) {
	if r.seeker == nil || r.pipe != nil || r.rec != nil {
		return 0, 0, false
	}
	return r.seeker.First(), r.seeker.Last(), true
}

// Seek positions the source so that the next tick is the first at or after
// t (clamped to the source) and returns the pre-roll before it, for the
// caller's screen; the pre-roll is neither recorded nor published.
func (r *Runtime) Seek(ctx context.Context, t int64) ([]Snapshot, error) {
	if _, _, ok := r.Bounds(); !ok {
		return nil, ErrNotSeekable
	}
	ctx, done := r.bind(ctx)
	defer done()
	r.mu.Lock()
	defer r.mu.Unlock()
	ticks, err := r.seeker.Seek(ctx, t)
	if err != nil {
		return nil, err // the seeker's errors name the seek and the tick
	}
	r.pacer.Reanchor()
	r.lag.Reanchor()
	out := make([]Snapshot, len(ticks))
	for i, tk := range ticks {
		out[i] = Snapshot{Frame: tk.Frame, Verdicts: tk.Verdicts}
	}
	return out, nil
}

// Subscription is one viewer's feed of snapshots (engine.Sub): C() yields
// them; Close it when the viewer leaves.
type Subscription = engine.Sub[Snapshot]

// Subscribe returns a new viewer's feed: the backlog first, then every
// snapshot as it is published, dropping the oldest when the viewer falls
// behind. A subscription to a runtime that has ended gives the backlog and
// a closed channel.
func (r *Runtime) Subscribe() *Subscription { return r.feed.Subscribe(r.buffer) }

// Viewers returns the number of current subscriptions.
func (r *Runtime) Viewers() int { return r.feed.Subscribers() }

// Published returns how many ticks have been published (and recorded).
func (r *Runtime) Published() int64 { return r.published.Load() }

// Close stops the step or seek in progress (its context ends: the scoring
// stops between chunks, the tick unpublished) and waits for it, so that
// the caller may then close the recorder and the store; later steps fail.
// Then it ends every subscription and closes the monitor Open built. It
// does not close the source, the store, the scorer's resources or the
// recorder. Closing twice is harmless.
func (r *Runtime) Close() error {
	r.closeOnce.Do(func() {
		r.stopAll()
		if r.stopping != nil {
			r.stopping()
		}
		r.mu.Lock()
		//lint:ignore SA2001 taking the lock is the wait: the step in progress, if any, returns first
		r.mu.Unlock()
		if r.ahead != nil {
			r.ahead.stop() // and the frame being made ahead
		}
		r.feed.Close()
		if r.mon != nil {
			r.mon.Close()
		}
	})
	return nil
}
