package sshserve

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui"
)

// Defaults of a Battlefield.
const (
	// DefaultBacklog is how many recent snapshots a viewer who joins late
	// receives first (about two minutes at ×1: the charts start full).
	DefaultBacklog = 120
	// DefaultBuffer is how many snapshots a viewer's feed holds before the
	// oldest are dropped (a paused or slow viewer).
	DefaultBuffer = 240
)

// Battlefield is the one battlefield every viewer watches: it steps a
// driver on the server's clock (the driver paces itself, such as a
// ui.SourceDriver over an engine.Pacer and the shared monitor) and publishes
// every snapshot once to all subscribers. It is safe for concurrent use.
type Battlefield struct {
	profiles []engine.Profile
	driver   ui.Driver
	sched    ui.Scheduler
	feed     *engine.Broadcast[live.Snapshot]
	buffer   int

	published atomic.Int64
	done      chan struct{}
	mu        sync.Mutex
	err       error
	ran       bool
}

// BattlefieldOption configures NewBattlefield.
type BattlefieldOption func(*Battlefield)

// WithScheduler fills each snapshot's phase schedule from sc (a simulation
// knows it; the driver's paced source hides it).
func WithScheduler(sc ui.Scheduler) BattlefieldOption {
	return func(b *Battlefield) { b.sched = sc }
}

// WithBacklog sets how many recent snapshots a new viewer receives first
// (default DefaultBacklog; 0 for none).
func WithBacklog(n int) BattlefieldOption {
	return func(b *Battlefield) { b.feed = engine.NewBroadcast[live.Snapshot](n) }
}

// WithBuffer sets each viewer's buffer (default DefaultBuffer; at least the
// backlog).
func WithBuffer(n int) BattlefieldOption { return func(b *Battlefield) { b.buffer = max(n, 1) } }

// NewBattlefield returns a battlefield of the soldiers in profiles, stepped
// by d. Run starts it.
func NewBattlefield(profiles []engine.Profile, d ui.Driver, opts ...BattlefieldOption) *Battlefield {
	b := &Battlefield{profiles: append([]engine.Profile(nil), profiles...), driver: d,
		buffer: DefaultBuffer, done: make(chan struct{})}
	for _, o := range opts {
		o(b)
	}
	if b.feed == nil {
		b.feed = engine.NewBroadcast[live.Snapshot](DefaultBacklog)
	}
	return b
}

// Profiles returns the soldiers' static covariates.
func (b *Battlefield) Profiles() []engine.Profile {
	return append([]engine.Profile(nil), b.profiles...)
}

// Run steps the driver and publishes every snapshot until the driver ends
// (io.EOF), fails, or ctx is done; then it closes every viewer's feed (the
// dashboard says the feed ended). It returns nil when the driver ends or ctx
// is cancelled, the driver's error otherwise. Run may be called once.
func (b *Battlefield) Run(ctx context.Context) error {
	b.mu.Lock()
	if b.ran {
		b.mu.Unlock()
		return errors.New("battlefield: Run called twice")
	}
	b.ran = true
	b.mu.Unlock()
	err := b.run(ctx)
	b.mu.Lock()
	b.err = err
	b.mu.Unlock()
	b.feed.Close()
	close(b.done)
	return err
}

func (b *Battlefield) run(ctx context.Context) error {
	for {
		s, err := b.driver.Step(ctx)
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return nil
		case ctx.Err() != nil:
			return nil
		default:
			return err
		}
		if b.sched != nil && s.Schedule == nil {
			s.Schedule = make([][]engine.Segment, b.sched.Squads())
			for q := range s.Schedule {
				s.Schedule[q] = b.sched.Schedule(q, s.Frame.T, s.Frame.T+live.ScheduleHorizon, nil)
			}
		}
		b.feed.Publish(s)
		b.published.Add(1)
	}
}

// Done is closed when Run has returned.
func (b *Battlefield) Done() <-chan struct{} { return b.done }

// Err returns Run's result once Done is closed.
func (b *Battlefield) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Published returns how many snapshots have been published.
func (b *Battlefield) Published() int64 { return b.published.Load() }

// Viewers returns the number of current subscriptions.
func (b *Battlefield) Viewers() int { return b.feed.Subscribers() }

// Subscription is one viewer's feed of snapshots: C() yields them, closed
// by Close or when the battlefield ends.
type Subscription = engine.Sub[live.Snapshot]

// Subscribe returns a new viewer's feed: the backlog first, then every
// snapshot as it is published, dropping the oldest when the viewer falls
// behind. Close it when the viewer leaves.
func (b *Battlefield) Subscribe() *Subscription {
	return b.feed.Subscribe(b.buffer)
}
