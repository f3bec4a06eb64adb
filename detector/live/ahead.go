package live

import (
	"context"
	"sync"

	"github.com/chakra-tui/chakra-tui/engine"
)

// ahead is the source of a scored simulation's Run: one goroutine makes the next frame
// (and reads its squads' schedules) while the tick before it is scored, so
// a large battlefield's simulation step is not part of each tick's serial
// work. It keeps exactly one frame ahead: the simulation is called in the
// same order as without it (a step, then Schedule for that frame's tick,
// then the next step), only earlier. The pacer sits above it, so a frame still
// waits for its due time after it was made.
//
// A frame and its schedules that Run published and nobody kept (no
// backlog, no viewer) come back (recycle): the frames after it are made in
// their slices (the simulation's Step) instead of new ones, so a tick of
// 50 000 soldiers leaves no 3.2 MB frame behind for the collector.
//
// Only Run reads it, between start and stop; Step and Seek read the
// source directly (a runtime that scores cannot seek).
type ahead struct {
	src   engine.Source
	sched Scheduler                     // nil: no schedules
	step  func(dst *engine.Frame) error // the source's Step (*engine.Sim): its Next, in dst's slices

	ch     chan fetched
	mu     sync.Mutex         // guards cancel: Run starts and stops, Close stops too
	cancel context.CancelFunc // nil before start
	done   sync.WaitGroup

	last fetched // what Next returned last (Run's goroutine only)

	fmu  sync.Mutex
	free []fetched // frames and schedules nobody holds any more (recycle)
}

// maxFree bounds the frames ahead keeps for reuse: one being made while
// one is scored is all it needs.
const maxFree = 2

// fetched is one frame made ahead, with its schedules, or the source's
// error (the last thing sent).
type fetched struct {
	f     engine.Frame
	sched [][]engine.Segment
	err   error
}

// Profiles returns the source's profiles.
func (a *ahead) Profiles() []engine.Profile { return a.src.Profiles() }

// start starts making frames ahead, until ctx ends or stop.
func (a *ahead) start(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ctx, a.cancel = context.WithCancel(ctx)
	a.ch = make(chan fetched) // unbuffered: one frame ahead, the one waiting to be sent
	a.done.Go(func() {
		for {
			x := a.produce(ctx)
			select {
			case a.ch <- x:
			case <-ctx.Done():
				return
			}
			if x.err != nil {
				return
			}
		}
	})
}

// produce makes the next frame and its schedules, in the slices of a
// recycled one if there is one.
func (a *ahead) produce(ctx context.Context) fetched {
	var x fetched
	a.fmu.Lock()
	if n := len(a.free); n > 0 {
		x, a.free[n-1] = a.free[n-1], fetched{}
		a.free = a.free[:n-1]
	}
	a.fmu.Unlock()
	if err := ctx.Err(); err != nil {
		return fetched{err: err} // as the source's Next would
	}
	if err := a.step(&x.f); err != nil {
		return fetched{err: err}
	}
	if a.sched != nil {
		x.sched = schedules(a.sched, x.f.T, x.sched)
	}
	return x
}

// recycle hands back a frame Next returned and its schedules, once
// nobody holds them or anything of them: a later frame is made in their
// slices.
func (a *ahead) recycle(f engine.Frame, sched [][]engine.Segment) {
	a.fmu.Lock()
	defer a.fmu.Unlock()
	if len(a.free) < maxFree {
		a.free = append(a.free, fetched{f: f, sched: sched})
	}
}

// stop ends the goroutine and waits for it: the source is not touched
// after stop returns (a frame made ahead and not taken is dropped). Run
// and Close may both call it.
func (a *ahead) stop() {
	a.mu.Lock()
	cancel := a.cancel
	a.mu.Unlock()
	if cancel != nil {
		cancel()
		a.done.Wait()
	}
}

// Next returns the next frame made ahead, or the source's error, which it
// keeps returning after.
func (a *ahead) Next(ctx context.Context) (engine.Frame, error) {
	if a.last.err != nil {
		return engine.Frame{}, a.last.err
	}
	select {
	case a.last = <-a.ch:
		return a.last.f, a.last.err
	case <-ctx.Done():
		return engine.Frame{}, ctx.Err()
	}
}
