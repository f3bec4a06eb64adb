package monitor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// DefaultWindowRows is how many rows per soldier the monitor reads from the
// store for each score: the TFT's 30-step encoder plus the row being scored
// and one spare.
const DefaultWindowRows = 32

// stripes is the number of per-soldier locks; soldiers share a stripe by
// id. Ingest marks the stripes a call holds in one uint64: at most 64.
const stripes = 64

// Monitor is the ingest → store → score pipeline with the latest verdict per
// soldier and a stream of alert openings. It is safe for concurrent use.
type Monitor struct {
	store   featurestore.Online
	scorer  detector.Scorer
	rows    int
	workers int
	now     func() time.Time

	locks [stripes]sync.Mutex

	mu       sync.RWMutex
	profiles map[engine.SoldierID]engine.Profile
	// latest holds each soldier's newest verdict without the unused part
	// of its explanation (kept), one allocation per soldier, overwritten
	// in place.
	latest map[engine.SoldierID]*kept
	// seen holds, per soldier, how many earlier rows the scorer had seen
	// when it scored the latest verdict (see Seen).
	seen map[engine.SoldierID]seenAt
	// misses remembers when the store last said it has no profile for a
	// soldier, so an undescribed soldier costs one store lookup per missTTL,
	// not one per observation.
	misses  map[engine.SoldierID]time.Time
	missTTL time.Duration
	// refeed holds the soldiers whose profile changed since their last
	// score: the scorer restarts them from a whole window.
	refeed map[engine.SoldierID]struct{}

	alerts  *engine.Broadcast[AlertEvent]
	changes *engine.Broadcast[AlertChange]

	epoch    int64 // see WithEpoch
	epochFor func(engine.SoldierID) bool

	offline featurestore.OfflineSink // nil: no offline store

	observations atomic.Uint64 // rows ingested
	scored       atomic.Uint64 // verdicts produced
	alertCount   atomic.Uint64 // alert openings (incidents)

	pool sync.Pool // *scratch
	// big is the scratch of a large call (a battlefield's tick), kept out
	// of the pool: the pool keeps what a goroutine puts back in its core's
	// own slot, which a call on the other core does not look in, so a
	// 50 000-soldier tick made its scratch anew every few ticks (≈ 33 MB).
	// Ingest takes it by swapping it out (a concurrent large call uses the
	// pool).
	big atomic.Pointer[scratch]

	keptHook func(bool) // tests: called with false after a split call's chunk is kept
}

// AlertEvent is one alert opening: a soldier's incident opened (see
// detector.Alert; a channel opening inside an open incident extends it
// and is no event), with the verdict that opened it; or, within
// detector.RefineTicks of it, the same alert refined to a more urgent kind
// (Verdict.Alert.Refined: same id, new kind and explanation).
type AlertEvent struct {
	Verdict detector.Verdict
	// OpenedAt is when it opened, in unix seconds: the verdict's tick, plus
	// the epoch for the soldiers of a simulated battlefield (WithEpoch).
	OpenedAt int64
}

// Record returns the event's alert record (see AlertRecord).
func (e *AlertEvent) Record() AlertRecord { return NewAlertRecord(&e.Verdict, e.OpenedAt) }

// WithEpoch makes the ticks of the soldiers for which applies is true
// count seconds from the unix time epoch (a simulated battlefield's start),
// so alert events carry unix seconds; other soldiers' ticks are unix
// seconds already (their clients' timestamps). A nil applies means every
// soldier.
func WithEpoch(epoch int64, applies func(engine.SoldierID) bool) Option {
	return func(m *Monitor) { m.epoch, m.epochFor = epoch, applies }
}

// Unix returns tick t of soldier id in unix seconds (see WithEpoch).
func (m *Monitor) Unix(id engine.SoldierID, t int64) int64 {
	if m.epoch != 0 && (m.epochFor == nil || m.epochFor(id)) {
		return m.epoch + t
	}
	return t
}

// AlertChange is what changed in one soldier's incident at one verdict: it
// opened (Verdict.Alert.Opened, at unix seconds OpenedAt), or was refined
// to a more urgent kind (Verdict.Alert.Refined: same incident and
// OpenedAt, new kind and evidence), or it closed
// (Closed holds the incident as it stood while open: Open true, its Since,
// Kind and Evidence), or both when a restarted scorer closed one and
// opened another at once. At is the verdict's tick in unix seconds (see
// WithEpoch). A channel opening inside an open incident is no change.
type AlertChange struct {
	Verdict  detector.Verdict
	Closed   detector.Alert
	OpenedAt int64
	At       int64
}

// Option configures a Monitor.
type Option func(*Monitor)

// WithWorkers sets how many goroutines share the scoring of one Ingest
// call (default runtime.GOMAXPROCS(0); 1 scores on the caller's goroutine
// only). A call is split only when it holds at least 2×512 windows,
// and only between squads, so that the verdicts are the same for any
// number of workers (see Ingest).
func WithWorkers(n int) Option { return func(m *Monitor) { m.workers = n } }

// minShard is the fewest windows one worker scores of a split call:
// smaller calls (a 100-soldier tick, an HTTP request) are scored on the
// caller's goroutine, where splitting would cost more than it saves.
// Tests lower it.
var minShard = 512

// WithWindowRows sets how many rows per soldier each score reads (≥ 2).
func WithWindowRows(n int) Option { return func(m *Monitor) { m.rows = n } }

// DefaultProfileMissTTL is how long the monitor keeps answering "no
// profile" for a soldier before it asks the store again: the delay before a
// profile another process put into a shared store takes effect here.
const DefaultProfileMissTTL = 5 * time.Second

// WithProfileMissTTL sets how long "the store has no profile for this
// soldier" is remembered (0: ask the store every time).
func WithProfileMissTTL(d time.Duration) Option { return func(m *Monitor) { m.missTTL = d } }

// WithClock replaces the wall clock used for statistics and the profile
// miss cache (tests).
func WithClock(now func() time.Time) Option { return func(m *Monitor) { m.now = now } }

// WithOffline hands every row the store accepts, and every profile set, to
// sink (the offline store: --offline), under the soldier's lock, so one
// soldier's rows reach it in order.
func WithOffline(sink featurestore.OfflineSink) Option { return func(m *Monitor) { m.offline = sink } }

// New returns a monitor over store and scorer. The monitor does not own
// either; closing them is the caller's business.
func New(store featurestore.Online, scorer detector.Scorer, opts ...Option) (*Monitor, error) {
	if store == nil || scorer == nil {
		return nil, errors.New("monitor: nil store or scorer")
	}
	m := &Monitor{store: store, scorer: scorer, rows: DefaultWindowRows, workers: runtime.GOMAXPROCS(0), now: time.Now,
		profiles: map[engine.SoldierID]engine.Profile{},
		latest:   map[engine.SoldierID]*kept{},
		seen:     map[engine.SoldierID]seenAt{},
		misses:   map[engine.SoldierID]time.Time{}, missTTL: DefaultProfileMissTTL,
		refeed: map[engine.SoldierID]struct{}{},
		alerts: engine.NewBroadcast[AlertEvent](0), changes: engine.NewBroadcast[AlertChange](0)}
	for _, o := range opts {
		o(m)
	}
	if m.rows < 2 {
		return nil, fmt.Errorf("monitor: window of %d rows (want ≥ 2)", m.rows)
	}
	if m.workers < 1 {
		return nil, fmt.Errorf("monitor: %d workers (want ≥ 1)", m.workers)
	}
	m.pool.New = func() any { return new(scratch) }
	return m, nil
}

// Scorer returns the scorer behind the monitor.
func (m *Monitor) Scorer() detector.Scorer { return m.scorer }

// Store returns the online store behind the monitor.
func (m *Monitor) Store() featurestore.Online { return m.store }

// WindowRows returns how many rows per soldier each score reads.
func (m *Monitor) WindowRows() int { return m.rows }

// SetProfiles stores the static covariates of many soldiers (a simulation's
// roster) in the monitor and the store.
func (m *Monitor) SetProfiles(ctx context.Context, ps []engine.Profile) error {
	for _, p := range ps {
		if err := m.SetProfile(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// SetProfile stores one soldier's static covariates.
func (m *Monitor) SetProfile(ctx context.Context, p engine.Profile) error {
	if err := m.store.PutProfile(ctx, p); err != nil {
		return fmt.Errorf("store profile of soldier %d: %w", p.ID, err)
	}
	m.mu.Lock()
	if old, ok := m.profiles[p.ID]; !ok || old != p {
		m.refeed[p.ID] = struct{}{}
	}
	m.profiles[p.ID] = p
	delete(m.misses, p.ID)
	m.mu.Unlock()
	if m.offline != nil {
		m.offline.Profile(p)
	}
	return nil
}

// Profile returns a soldier's static covariates: the cached ones, else the
// store's, else engine.DefaultProfile. known says whether they were set.
// A miss is remembered for the profile miss TTL.
func (m *Monitor) Profile(ctx context.Context, id engine.SoldierID) (p engine.Profile, known bool, err error) {
	now := m.now()
	m.mu.RLock()
	p, ok := m.profiles[id]
	missed, isMiss := m.misses[id]
	m.mu.RUnlock()
	if ok {
		return p, true, nil
	}
	if isMiss && now.Sub(missed) < m.missTTL {
		return engine.DefaultProfile(id), false, nil
	}
	p, ok, err = m.store.Profile(ctx, id)
	if err != nil {
		return engine.Profile{}, false, fmt.Errorf("read profile of soldier %d: %w", id, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !ok {
		if len(m.misses) >= maxMisses { // a bound, not an eviction policy: start over
			clear(m.misses)
		}
		m.misses[id] = now
		return engine.DefaultProfile(id), false, nil
	}
	m.profiles[id] = p
	delete(m.misses, id)
	if m.offline != nil {
		m.offline.Profile(p) // put into the shared store by another process
	}
	return p, true, nil
}

// maxMisses bounds the profile miss cache.
const maxMisses = 100_000

// bigCall is the fewest observations of a call that uses the monitor's
// big scratch.
const bigCall = 1024

// getScratch returns the buffers of a call of n observations.
func (m *Monitor) getScratch(n int) *scratch {
	if n >= bigCall {
		if s := m.big.Swap(nil); s != nil {
			return s
		}
	}
	return m.pool.Get().(*scratch)
}

// putScratch hands back the buffers getScratch(n) returned.
func (m *Monitor) putScratch(s *scratch, n int) {
	if n >= bigCall && m.big.CompareAndSwap(nil, s) {
		return
	}
	m.pool.Put(s)
}

// scratch holds the reusable buffers of one Ingest call.
type scratch struct {
	ids []engine.SoldierID
	// rows holds each soldier's window, read into a part of flat (see
	// rowsFor).
	rows    [][]engine.Observation
	flat    []engine.Observation
	windows []featurestore.Window
	cuts    []int
	errs    []error
	closed  []closing
	// shardClosed holds each chunk's closings (see keep).
	shardClosed [][]closing
}

// Ingest runs one batch of observations through the pipeline: it writes them
// to the store (all or nothing), reads each soldier's window, scores it and
// appends one verdict per observation, in order, to dst. Observations of one
// call must belong to distinct soldiers. A store error is returned wrapped,
// with nothing scored.
//
// A large call whose soldiers come squad by squad (a simulation's frame,
// sorted by id) is scored by up to WithWorkers goroutines, each on whole
// squads: a soldier's state is its own and the squad-wide rule looks only
// within a squad, so the verdicts, their order, the alerts and their order
// are those of one goroutine scoring the whole call.
//
// ctx bounds the store calls and stops the scoring between chunks of
// squads (a few thousand windows): when it ends, Ingest returns its error
// with no verdict appended, no alert published and no count in Stats. On
// one goroutine the monitor's own record of the soldiers (Latest, Seen) is
// as before the call; split over workers, a chunk of squads scored before
// the stop has already kept its soldiers' verdicts of the tick (see score),
// so those soldiers' Latest is of the stopped tick, as their scorer state
// is.
// The tick stays in the store and the scorer has seen part of it, so the verdicts and
// alert openings of that tick are lost: it is a way to stop, used by the
// live runtime's clock loop. The HTTP API and the Kafka consumer pass a
// context that never ends, so a batch they start is scored whole.
func (m *Monitor) Ingest(ctx context.Context, obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error) {
	if len(obs) == 0 {
		return dst, nil
	}
	tr := traceOf(ctx)
	if tr != nil {
		tr.begin()
	}
	s := m.getScratch(len(obs))
	defer m.putScratch(s, len(obs))
	s.ids = s.ids[:0]
	var held uint64 // bit k: m.locks[k] (stripes ≤ 64)
	for i := range obs {
		s.ids = append(s.ids, obs[i].Soldier)
		held |= 1 << stripe(obs[i].Soldier)
	}
	for k := range stripes {
		if held&(1<<k) != 0 {
			m.locks[k].Lock()
		}
	}
	defer func() {
		for k := range stripes {
			if held&(1<<k) != 0 {
				m.locks[k].Unlock()
			}
		}
	}()

	tr.mark(PhaseLocked)
	// With Redis, usually one round trip for both; else the rows are read
	// below, by chunk.
	rows := m.windowRows(obs)
	if tr != nil {
		tr.Rows = rows
		tr.mark(PhaseChosen)
	}
	fw, oneTrip := m.store.(featurestore.FrameWindower)
	var err error
	if oneTrip {
		var written bool
		s.rowsFor(rows)
		if s.rows, written, err = fw.WriteFrameWindows(ctx, obs, rows, s.rows); !written {
			return dst, fmt.Errorf("write tick to the store: %w", err)
		}
	} else if err = m.store.WriteFrame(ctx, obs); err != nil {
		return dst, fmt.Errorf("write tick to the store: %w", err)
	}
	m.observations.Add(uint64(len(obs)))
	if m.offline != nil {
		m.offline.Observe(obs)
	}
	tr.mark(PhaseWritten)
	if err != nil {
		return dst, fmt.Errorf("read windows from the store: %w", err)
	}
	if err := m.windows(ctx, s); err != nil {
		return dst, err
	}
	tr.mark(PhaseProfiled)
	s.cuts = shards(s.cuts[:0], s.windows, m.workers)
	if !oneTrip {
		if err := m.readRows(ctx, s, rows); err != nil {
			return dst, fmt.Errorf("read windows from the store: %w", err)
		}
	}
	tr.mark(PhaseRead)
	for i := range s.windows {
		s.windows[i].Rows = s.rows[i]
	}
	n0 := len(dst)
	dst, err = m.score(ctx, s, dst, tr)
	if err != nil {
		return dst[:n0], fmt.Errorf("score with %s: %w", m.scorer.Name(), err)
	}
	m.scored.Add(uint64(len(dst) - n0))
	tr.mark(PhaseScored)
	if len(s.cuts) <= 2 {
		s.closed = m.keep(s, dst, n0, n0, len(dst), s.closed[:0])
	} else {
		// Each chunk kept its verdicts as it finished (score); their
		// closings, chunk by chunk, are in the verdicts' order.
		s.closed = s.closed[:0]
		for _, c := range s.shardClosed {
			s.closed = append(s.closed, c...)
		}
	}
	tr.mark(PhaseJoined)
	k := 0 // the next closing in s.closed
	for i := n0; i < len(dst); i++ {
		v := &dst[i]
		var openedAt int64
		if a := &v.Alert; a.Opened || a.Refined {
			if a.Opened {
				m.alertCount.Add(1)
			}
			openedAt = m.Unix(v.Soldier, a.Since)
			m.alerts.Publish(AlertEvent{Verdict: *v, OpenedAt: openedAt})
		}
		closed := k < len(s.closed) && s.closed[k].i == i
		if v.Alert.Opened || v.Alert.Refined || closed {
			ch := AlertChange{Verdict: *v, OpenedAt: openedAt, At: m.Unix(v.Soldier, v.T)}
			if closed {
				ch.Closed = s.closed[k].alert
				k++
			}
			m.changes.Publish(ch)
		}
	}
	if tr != nil {
		tr.mark(PhasePublished)
		tr.Closed = len(s.closed)
		for i := n0; i < len(dst); i++ {
			if a := &dst[i].Alert; a.Opened {
				tr.Opened++
			} else if a.Refined {
				tr.Refined++
			}
		}
	}
	return dst, nil
}

// keep makes dst[a:b] (verdicts of s.rows[a-n0:b-n0]) each soldier's
// latest and counts what its scorer has seen, appending to closed each
// verdict that closed the soldier's incident, in order. It takes the
// monitor's lock; a split call's chunks keep their verdicts each as it
// is scored, while the others still score.
func (m *Monitor) keep(s *scratch, dst []detector.Verdict, n0, a, b int, closed []closing) []closing {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := a; i < b; i++ {
		id, t := dst[i].Soldier, dst[i].T
		if len(m.refeed) > 0 {
			delete(m.refeed, id)
		}
		n := len(s.rows[i-n0]) - 1 // after a gap the scorer refeeds the window
		if prev, ok := m.seen[id]; ok && t == prev.t+1 {
			n = prev.n + 1 // consecutive: the scorer carries its history on
		}
		switch prev, ok := m.latest[id]; {
		case !ok:
			k := new(kept)
			k.keep(&dst[i])
			m.latest[id] = k
		default:
			if closes(prev, &dst[i]) {
				closed = append(closed, closing{i: i, alert: prev.alert})
			}
			prev.keep(&dst[i])
		}
		m.seen[id] = seenAt{t: t, n: n}
	}
	return closed
}

// windows sets s.windows to each soldier's profile (see Profile), without
// rows yet. The cached profiles are read under one lock; only the soldiers
// without one (none, on a simulation's tick) go through Profile.
func (m *Monitor) windows(ctx context.Context, s *scratch) error {
	s.windows = s.windows[:0]
	missing := false
	m.mu.RLock()
	for _, id := range s.ids {
		p, ok := m.profiles[id]
		missing = missing || !ok
		s.windows = append(s.windows, featurestore.Window{Profile: p})
	}
	m.mu.RUnlock()
	if !missing {
		return nil
	}
	for i, id := range s.ids {
		p, _, err := m.Profile(ctx, id)
		if err != nil {
			return err
		}
		s.windows[i].Profile = p
	}
	return nil
}

// windowRows is how many rows per soldier Ingest reads for obs: the
// scorer scores the last row of each window, and reads the rows before it
// only to catch up with a soldier whose previous tick it has not scored
// (or whose profile changed, which restarts it). When every soldier of
// obs continues from the tick before, two rows do (a tick of a
// simulation after the first: a fiftieth of the copying); else the
// window.
func (m *Monitor) windowRows(obs []engine.Observation) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := range obs {
		prev, ok := m.seen[obs[i].Soldier]
		if !ok || prev.t != obs[i].T-1 {
			return m.rows
		}
		if _, ok := m.refeed[obs[i].Soldier]; ok {
			return m.rows
		}
	}
	return 2
}

// readRows reads n rows of each soldier of s.ids into s.rows: one store
// call per chunk of s.cuts, on the workers (a memory store reads under a
// shared lock).
func (m *Monitor) readRows(ctx context.Context, s *scratch, n int) error {
	s.rowsFor(n)
	if len(s.cuts) <= 2 {
		return m.readShard(ctx, s, 0, len(s.ids), n)
	}
	k := len(s.cuts) - 1
	s.errs = append(s.errs[:0], make([]error, k)...)
	m.each(k, min(m.workers, k), func(_ int, next func() (int, bool)) {
		for c, ok := next(); ok; c, ok = next() {
			s.errs[c] = m.readShard(ctx, s, s.cuts[c], s.cuts[c+1], n)
		}
	})
	return errors.Join(s.errs...)
}

// rowsFor sets s.rows to an empty window with room for n rows for each
// soldier of s.ids, each a part of one block (s.flat), so that the store
// reads a tick's windows into one allocation, kept from call to call,
// instead of one per soldier. A block much larger than the call needs
// (the whole windows read at a battlefield's start, then two rows a
// tick) is let go.
func (s *scratch) rowsFor(n int) {
	need := len(s.ids) * n
	if cap(s.flat) < need || cap(s.flat) > 4*need {
		s.flat = make([]engine.Observation, need)
	}
	if cap(s.rows) < len(s.ids) {
		s.rows = make([][]engine.Observation, len(s.ids))
	}
	s.rows = s.rows[:len(s.ids)]
	for i := range s.rows {
		s.rows[i] = s.flat[i*n : i*n : (i+1)*n]
	}
}

// readShard reads the windows of s.ids[a:b] into s.rows[a:b].
func (m *Monitor) readShard(ctx context.Context, s *scratch, a, b, n int) error {
	got, err := m.store.Windows(ctx, s.ids[a:b], n, s.rows[a:b:b])
	switch {
	case err != nil:
		return err
	case len(got) != b-a:
		return fmt.Errorf("%d windows for %d soldiers", len(got), b-a)
	case b > a && &got[0] != &s.rows[a]:
		copy(s.rows[a:b], got) // a store that did not reuse dst
	}
	return nil
}

// score scores s.windows, appending one verdict per window to dst: on the
// caller's goroutine, or, split into the chunks of s.cuts (whole squads),
// by the workers, each taking the next chunk nobody has taken, so that a
// worker held up by a costly chunk (an alert burst and its attributions)
// leaves the chunks after it to the others. It stops between chunks when
// ctx ends (see Ingest). A chunk's verdicts are kept (keep, into
// s.shardClosed) as soon as it is scored, so that this bookkeeping
// overlaps the other chunks' scoring; when a chunk fails or the call
// stops, the call fails, and the chunks scored and kept before that have
// kept theirs (their soldiers' states have moved on in the scorer too); a
// chunk during whose scoring ctx ended is not kept. Which worker
// scores which chunk changes nothing: the verdicts go to the chunk's own
// part of dst, and the closings are joined chunk by chunk.
func (m *Monitor) score(ctx context.Context, s *scratch, dst []detector.Verdict, tr *IngestTrace) ([]detector.Verdict, error) {
	ws := s.windows
	k := len(s.cuts) - 1
	workers := min(m.workers, k)
	if tr != nil {
		tr.Shards = append(tr.Shards[:0], make([]ShardTrace, workers)...)
	}
	if k <= 1 {
		if tr != nil {
			scored, done := tr.shard(&tr.Shards[0], len(ws))
			defer done()
			defer scored()
		}
		return m.scoreChunks(ctx, ws, dst)
	}
	n0 := len(dst)
	dst = slices.Grow(dst, len(ws))[:n0+len(ws)]
	s.errs = append(s.errs[:0], make([]error, k)...)
	for len(s.shardClosed) < k {
		s.shardClosed = append(s.shardClosed, nil)
	}
	s.shardClosed = s.shardClosed[:k]
	var failed atomic.Bool
	m.each(k, workers, func(w int, next func() (int, bool)) {
		scored, done := func() {}, func() {}
		var st *ShardTrace
		if tr != nil {
			st = &tr.Shards[w]
			scored, done = tr.shard(st, 0)
		}
		defer done()
		for c, ok := next(); ok && !failed.Load(); c, ok = next() {
			a, b := s.cuts[c], s.cuts[c+1]
			// Each chunk appends into its own part of dst, whose capacity
			// ends where the next chunk's part begins.
			part := dst[n0+a : n0+a : n0+b]
			out, err := m.scoreChunks(ctx, ws[a:b], part)
			if err == nil {
				// Stopped while this chunk was scored: the call fails and
				// the chunk is not kept, even when it was the last one.
				err = ctx.Err()
			}
			switch {
			case err == nil && len(out) != b-a:
				err = fmt.Errorf("scored %d windows into %d verdicts", b-a, len(out))
			case err == nil && &out[0] != &dst[n0+a]:
				copy(dst[n0+a:n0+b], out)
			}
			if err != nil {
				s.errs[c] = err
				failed.Store(true)
				return
			}
			scored()
			// Keep the chunk's verdicts now, while the others score: its
			// soldiers are its own.
			s.shardClosed[c] = m.keep(s, dst, n0, n0+a, n0+b, s.shardClosed[c][:0])
			if m.keptHook != nil {
				m.keptHook(false)
			}
			if st != nil {
				st.Windows += b - a
			}
		}
	})
	for _, err := range s.errs {
		if err != nil {
			return dst[:n0], err
		}
	}
	return dst, nil
}

// each runs f on workers goroutines (the caller's the last) and waits for
// them; f(w, next) takes indexes in [0, k) by next, each index once
// across all of them, in increasing order, until next says there are
// none left.
func (m *Monitor) each(k, workers int, f func(w int, next func() (int, bool))) {
	var taken atomic.Int64
	next := func() (int, bool) {
		c := int(taken.Add(1) - 1)
		return c, c < k
	}
	var wg sync.WaitGroup
	for w := range workers - 1 {
		wg.Go(func() { f(w, next) })
	}
	f(workers-1, next)
	wg.Wait()
}

// chunkWindows bounds the windows of one Scorer.Score call when the call's
// squads come in order: a scorer's per-call scratch grows with the call
// (the detector's is 720 bytes a window, 36 MB for 50 000 soldiers, kept
// in its pool between ticks). A variable for tests.
var chunkWindows = 4096

// scoreChunks scores ws into dst in calls of about chunkWindows windows, cut
// only between squads, like shards: the verdicts are those of one call.
// Windows whose squads are not in non-decreasing order go in one call.
// Before each call it checks ctx, and returns its error (and dst as it
// came) when it has ended: a 50 000-soldier tick stops within a chunk's
// scoring (about 0.25 CPU-s on 4 096 TFT windows) instead of the whole
// tick's seconds.
func (m *Monitor) scoreChunks(ctx context.Context, ws []featurestore.Window, dst []detector.Verdict) ([]detector.Verdict, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	if len(ws) <= chunkWindows || !squadsInOrder(ws) {
		return m.scorer.Score(ws, dst)
	}
	n0 := len(dst)
	for a := 0; a < len(ws); {
		if a > 0 {
			if err := ctx.Err(); err != nil {
				return dst[:n0], err
			}
		}
		b := min(a+chunkWindows, len(ws))
		for b < len(ws) && ws[b].Profile.Squad == ws[b-1].Profile.Squad {
			b++ // move the cut to the next squad's first soldier
		}
		var err error
		if dst, err = m.scorer.Score(ws[a:b], dst); err != nil {
			return dst[:n0], err
		}
		a = b
	}
	return dst, nil
}

// squadsInOrder reports whether ws's squads are in non-decreasing order.
func squadsInOrder(ws []featurestore.Window) bool {
	for i := 1; i < len(ws); i++ {
		if ws[i].Profile.Squad < ws[i-1].Profile.Squad {
			return false
		}
	}
	return true
}

// balanceWindows is about how many windows a worker takes at a time from
// a split call (see score): small enough that the workers finish within a
// chunk's time of each other (about 30 ms of CPU for 1 024 TFT windows),
// large enough that taking one costs nothing. A variable for tests.
var balanceWindows = 1024

// shards appends to cuts the boundaries of the chunks the workers share
// of ws, cut only between squads: cuts[0] is 0 and the last is len(ws).
// It returns [0, len(ws)] (scored on the caller's goroutine) for one
// worker, a call of fewer than 2×minShard windows, or one whose squads are
// not in non-decreasing order (a squad's soldiers could then lie in
// several chunks). Otherwise the chunks hold about balanceWindows windows,
// and at least four per worker, so that the last chunks even the workers
// out.
func shards(cuts []int, ws []featurestore.Window, workers int) []int {
	cuts = append(cuts, 0)
	if workers < 2 || len(ws) < 2*minShard || !squadsInOrder(ws) {
		return append(cuts, len(ws))
	}
	size := max(min(balanceWindows, len(ws)/(4*workers)), 1)
	for c := size; c < len(ws); c += size {
		c = max(c, cuts[len(cuts)-1]+1)
		for c < len(ws) && ws[c].Profile.Squad == ws[c-1].Profile.Squad {
			c++ // move the cut to the next squad's first soldier
		}
		if c >= len(ws) {
			break
		}
		cuts = append(cuts, c)
	}
	return append(cuts, len(ws))
}

// closing is a verdict (index i of Ingest's dst) that closed the incident
// alert.
type closing struct {
	i     int
	alert detector.Alert
}

// closes reports whether cur, the verdict after prev, closes prev's open
// incident: it is no longer open, or another one is.
func closes(prev *kept, cur *detector.Verdict) bool {
	if cur.T <= prev.t {
		return false // a repeat or a rewound soldier: no transition of this incident
	}
	return prev.alert.Open && (!cur.Alert.Open || cur.Alert.Since != prev.alert.Since)
}

// ErrLateUnsupported is WriteLate's answer when the store does not
// implement featurestore.LateWriter: the row stays refused as out of order.
var ErrLateUnsupported = errors.New("monitor: the store does not take late rows")

// WriteLate stores an observation the store refused as out of order (see
// featurestore.LateWriter): a repeat of a stored row writes nothing, a row
// up to window ticks before the soldier's latest is inserted in tick order.
// Neither is scored: the scorer has moved on past it, and its state is not
// rewound; an inserted row is in later windows of the store. NotLate
// means the row is after the soldier's latest after all (its rows expired,
// say): Ingest it. It serialises with Ingest per soldier.
func (m *Monitor) WriteLate(ctx context.Context, o engine.Observation, window int64) (featurestore.Late, error) {
	lw, ok := m.store.(featurestore.LateWriter)
	if !ok {
		return featurestore.NotLate, ErrLateUnsupported
	}
	k := stripe(o.Soldier)
	m.locks[k].Lock()
	defer m.locks[k].Unlock()
	l, err := lw.WriteLate(ctx, o, window)
	if err != nil {
		return l, fmt.Errorf("write late row to the store: %w", err)
	}
	if l == featurestore.Inserted {
		m.observations.Add(1)
		if m.offline != nil {
			m.offline.Observe([]engine.Observation{o})
		}
	}
	return l, nil
}

func stripe(id engine.SoldierID) int { return int(uint32(id) % stripes) }

// Latest returns the newest verdict for soldier id and whether there is one.
func (m *Monitor) Latest(id engine.SoldierID) (detector.Verdict, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p, ok := m.latest[id]; ok {
		return p.verdict(), true
	}
	return detector.Verdict{}, false
}

// seenAt is how many earlier rows (n) the scorer had seen of a soldier when
// it scored the row at tick t.
type seenAt struct {
	t int64
	n int
}

// Seen returns how many earlier observations of soldier id the scorer had
// when it scored the soldier's verdict at tick t: for the latest verdict,
// one more than the previous verdict's count when it continues its ticks
// (the scorer carries its history on, beyond the window read, and late
// rows inserted in between are not in it), else the rows before it in the
// window read (the scorer restarts from them). For an
// earlier tick (a soldier's first items of a batch) it counts back one per
// second, which is exact when the ticks between are consecutive. ok is
// false for a tick after the latest verdict's, or one before its count.
// This is what a warm-up countdown counts: a scorer that needs w earlier
// observations forecasts once Seen reaches w.
func (m *Monitor) Seen(id engine.SoldierID, t int64) (n int, ok bool) {
	m.mu.RLock()
	sa, ok := m.seen[id]
	m.mu.RUnlock()
	if !ok || t > sa.t || sa.t-t > int64(sa.n) {
		return 0, false
	}
	return sa.n - int(sa.t-t), true
}

// NextPhase returns the phase the newest verdict for soldier id announced
// for the next second (its NextPhase) and whether there is a verdict: what
// Latest gives, without copying the whole verdict.
func (m *Monitor) NextPhase(id engine.SoldierID) (engine.Phase, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if v, ok := m.latest[id]; ok {
		return v.nextPhase, true
	}
	return 0, false
}

// Stats are the monitor's running totals.
type Stats struct {
	Observations uint64 // rows ingested
	Scored       uint64 // verdicts produced
	Alerts       uint64 // alert openings
	Subscribers  int    // alert stream subscribers
}

// Stats returns the monitor's running totals.
func (m *Monitor) Stats() Stats {
	return Stats{Observations: m.observations.Load(), Scored: m.scored.Load(),
		Alerts: m.alertCount.Load(), Subscribers: m.alerts.Subscribers()}
}

// SubscribeAlerts returns a subscription to alert openings with room for
// buffer events; a subscriber that falls behind loses its oldest events.
// Call Close on it when done.
func (m *Monitor) SubscribeAlerts(buffer int) *engine.Sub[AlertEvent] {
	return m.alerts.Subscribe(buffer)
}

// SubscribeAlertChanges returns a subscription to incident openings and
// closings (see AlertChange), in the order of the verdicts, with room for
// buffer changes; a subscriber that falls behind loses its oldest changes
// (Sub.Dropped counts them). Alert sinks that must resolve what they raised
// (an Alertmanager) read this stream. Call Close on it when done.
func (m *Monitor) SubscribeAlertChanges(buffer int) *engine.Sub[AlertChange] {
	return m.changes.Subscribe(buffer)
}

// Close ends every alert subscription. It does not close the store.
func (m *Monitor) Close() {
	m.alerts.Close()
	m.changes.Close()
}
