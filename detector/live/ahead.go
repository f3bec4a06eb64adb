package live

import (
	"context"
	"sync"

	"github.com/chakra-tui/chakra-tui/engine"
)

// ahead is the source of a scored simulation's Run: one goroutine makes the next frame
// (and reads its squads' schedules) while the tick before it is scored, so
// a large battlefield's simulation step is not part of each tick's serial
// work. It keeps exactly one frame ahead: the source is called in the same
// order as without it (Next, then Schedule for that frame's tick, then the
// next Next), only earlier. The pacer sits above it, so a frame still
// waits for its due time after it was made.
//
// Only Run reads it, between start and stop; Step and Seek read the
// source directly (a runtime that scores cannot seek).
type ahead struct {
	src   engine.Source
	sched Scheduler // nil: no schedules

	ch     chan fetched
	mu     sync.Mutex         // guards cancel: Run starts and stops, Close stops too
	cancel context.CancelFunc // nil before start
	done   sync.WaitGroup

	last fetched // what Next returned last (Run's goroutine only)
}

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
			var x fetched
			x.f, x.err = a.src.Next(ctx)
			if x.err == nil && a.sched != nil {
				x.sched = schedules(a.sched, x.f.T)
			}
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
