package featurestore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/internal/ring"
)

// Memory is the embedded online store: one ring buffer of rows per soldier,
// in this process. It is safe for concurrent use (writes exclude each other
// and readers; readers share a read lock), and a frame write allocates
// nothing once every soldier has been seen.
type Memory struct {
	o Config

	mu        sync.RWMutex
	rings     map[engine.SoldierID]*memRing
	profiles  map[engine.SoldierID]engine.Profile
	scratch   []*memRing // per-row rings of the write in progress
	gen       uint64     // write generation, to spot repeated soldiers within one write
	lastSweep time.Time
	closed    bool

	// nlive counts the soldiers with unexpired rows (CountSoldiers) as the
	// writes make them so, between recounts. It is exact while liveOK and
	// no soldier counted can have expired: each was written at or after
	// liveFloor, so none expires before liveFloor + TTL. That holds while
	// the clock does not go back: liveAt is the latest clock a write or a
	// count read, and one that reads an earlier time calls for a recount.
	nlive     int
	liveOK    bool
	liveFloor time.Time
	liveAt    time.Time
}

type memRing struct {
	ring.Ring
	seen    time.Time // clock time of the last write
	pendGen uint64    // write generation pendT belongs to
	pendT   int64     // newest tick of this soldier within the write in progress
}

var (
	_ Online         = (*Memory)(nil)
	_ LateWriter     = (*Memory)(nil)
	_ SoldierCounter = (*Memory)(nil)
)

// NewMemory returns an empty in-memory store. It honours WithCapacity,
// WithTTL and WithClock.
func NewMemory(opts ...Option) (*Memory, error) {
	o, err := NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("new memory store: %w", err)
	}
	return &Memory{o: o, rings: make(map[engine.SoldierID]*memRing),
		profiles: make(map[engine.SoldierID]engine.Profile), lastSweep: o.Clock()}, nil
}

// expired reports whether r's soldier stopped reporting more than the TTL
// ago (or never wrote).
func (m *Memory) expired(r *memRing, now time.Time) bool {
	return r.N == 0 || (m.o.TTL > 0 && now.Sub(r.seen) >= m.o.TTL)
}

// WriteFrame stores the rows of one tick. Rows of several ticks and several
// rows of one soldier are allowed, each after the soldier's previous one; a
// row that is not refuses the whole call with an *OutOfOrderError.
func (m *Memory) WriteFrame(ctx context.Context, obs []engine.Observation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range obs {
		if err := CheckTick(obs[i].T); err != nil {
			return fmt.Errorf("write frame: soldier %d: %w", obs[i].Soldier, err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	now := m.o.Clock()
	m.gen++
	m.scratch = m.scratch[:0]
	// Pass 1: check every row, change nothing visible.
	for i := range obs {
		id := obs[i].Soldier
		r := m.rings[id]
		if r == nil {
			r = &memRing{Ring: *ring.New(m.o.Capacity)}
			m.rings[id] = r
		}
		if r.pendGen != m.gen {
			r.pendGen = m.gen
			r.pendT = math.MinInt64
			if !m.expired(r, now) {
				r.pendT = r.Latest().T
			}
		}
		if obs[i].T <= r.pendT {
			return &OutOfOrderError{Soldier: id, T: obs[i].T, Latest: r.pendT}
		}
		r.pendT = obs[i].T
		m.scratch = append(m.scratch, r)
	}
	// Pass 2: append.
	m.liveClock(now)
	for i, r := range m.scratch {
		if m.expired(r, now) {
			r.Reset(0)
			m.nlive++ // a new soldier, or one back after expiring
		}
		r.Push(&obs[i])
		r.seen = now
	}
	m.sweep(now)
	return nil
}

// WriteLate stores a repeated or late row; see LateWriter.
func (m *Memory) WriteLate(ctx context.Context, o engine.Observation, window int64) (Late, error) {
	if err := ctx.Err(); err != nil {
		return NotLate, err
	}
	if err := CheckTick(o.T); err != nil {
		return NotLate, fmt.Errorf("write late row: soldier %d: %w", o.Soldier, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return NotLate, ErrClosed
	}
	now := m.o.Clock()
	r := m.live(o.Soldier, now)
	if r == nil || o.T > r.Latest().T {
		return NotLate, nil
	}
	latest := r.Latest().T
	if s := r.Find(o.T); s != 0 {
		if SameReadings(r.Slot(s), &o) {
			return Repeat, nil
		}
		return NotLate, &OutOfOrderError{Soldier: o.Soldier, T: o.T, Latest: latest, Conflict: true}
	}
	oldest := r.Slot(r.Hi - uint64(r.N) + 1).T
	if latest-o.T > max(window, 0) || r.N == len(r.Buf) && o.T < oldest {
		return NotLate, &OutOfOrderError{Soldier: o.Soldier, T: o.T, Latest: latest}
	}
	r.Insert(&o)
	r.seen = now
	m.liveClock(now)
	return Inserted, nil
}

// sweep forgets soldiers that expired, at most once per half TTL.
func (m *Memory) sweep(now time.Time) {
	if m.o.TTL == 0 || now.Sub(m.lastSweep) < m.o.TTL/2 {
		return
	}
	m.lastSweep = now
	for id, r := range m.rings {
		if m.expired(r, now) {
			delete(m.rings, id)
		}
	}
}

// live returns id's ring if it has unexpired rows. The caller holds mu.
func (m *Memory) live(id engine.SoldierID, now time.Time) *memRing {
	r := m.rings[id]
	if r == nil || m.expired(r, now) {
		return nil
	}
	return r
}

// Window appends the last n rows of soldier id (at most the capacity),
// oldest first, to dst.
func (m *Memory) Window(ctx context.Context, id engine.SoldierID, n int, dst []engine.Observation) ([]engine.Observation, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return dst, ErrClosed
	}
	if r := m.live(id, m.o.Clock()); r != nil {
		dst = r.AppendLast(dst, min(n, r.N))
	}
	return dst, nil
}

// Windows reads the last n rows of every soldier in ids under one read lock.
func (m *Memory) Windows(ctx context.Context, ids []engine.SoldierID, n int, dst [][]engine.Observation) ([][]engine.Observation, error) {
	dst = ring.GrowWindows(dst, len(ids))
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return dst, ErrClosed
	}
	now := m.o.Clock()
	for i, id := range ids {
		dst[i] = dst[i][:0]
		if r := m.live(id, now); r != nil {
			dst[i] = r.AppendLast(dst[i], min(n, r.N))
		}
	}
	return dst, nil
}

// Latest returns the newest row of soldier id.
func (m *Memory) Latest(ctx context.Context, id engine.SoldierID) (engine.Observation, bool, error) {
	if err := ctx.Err(); err != nil {
		return engine.Observation{}, false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return engine.Observation{}, false, ErrClosed
	}
	if r := m.live(id, m.o.Clock()); r != nil {
		return *r.Latest(), true, nil
	}
	return engine.Observation{}, false, nil
}

// Soldiers returns the ids of the soldiers with unexpired rows, sorted.
func (m *Memory) Soldiers(ctx context.Context) ([]engine.SoldierID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	now := m.o.Clock()
	ids := make([]engine.SoldierID, 0, len(m.rings))
	for id, r := range m.rings {
		if !m.expired(r, now) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// CountSoldiers returns how many soldiers have unexpired rows: the length
// of Soldiers' answer, without listing and sorting them (a /metrics
// scrape). The count is kept as writes bring soldiers in, so a call costs
// O(1); it counts the rings again (O(soldiers), no allocation) only when a
// soldier counted may have expired since: at most once per TTL while every
// soldier keeps reporting.
func (m *Memory) CountSoldiers(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock() // a recount writes the count
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	now := m.o.Clock()
	if !m.liveOK || now.Before(m.liveAt) || m.o.TTL > 0 && now.Sub(m.liveFloor) >= m.o.TTL {
		m.recount(now)
	}
	m.liveAt = now
	return m.nlive, nil
}

// liveClock notes the clock of a write: one earlier than the latest
// write or count (a clock that went back) calls for a recount. The caller
// holds mu.
func (m *Memory) liveClock(now time.Time) {
	if now.Before(m.liveAt) {
		m.liveOK = false
		return
	}
	m.liveAt = now
}

// recount counts the unexpired rings at now and the oldest write among
// them. The caller holds mu.
func (m *Memory) recount(now time.Time) {
	m.nlive, m.liveFloor = 0, now
	for _, r := range m.rings {
		if !m.expired(r, now) {
			m.nlive++
			if r.seen.Before(m.liveFloor) {
				m.liveFloor = r.seen
			}
		}
	}
	m.liveOK = true
}

// PutProfile stores a soldier's static covariates, replacing earlier ones.
func (m *Memory) PutProfile(ctx context.Context, p engine.Profile) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.profiles[p.ID] = p
	return nil
}

// Profile returns a soldier's static covariates.
func (m *Memory) Profile(ctx context.Context, id engine.SoldierID) (engine.Profile, bool, error) {
	if err := ctx.Err(); err != nil {
		return engine.Profile{}, false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return engine.Profile{}, false, ErrClosed
	}
	p, ok := m.profiles[id]
	return p, ok, nil
}

// Ping returns ErrClosed after Close and nil before.
func (m *Memory) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	return nil
}

// Close drops every row and profile; later calls return ErrClosed.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.rings, m.profiles, m.scratch = nil, nil, nil
	return nil
}
