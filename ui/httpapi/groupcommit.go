package httpapi

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Group commit of POST /predict: concurrent single-observation requests are
// run through the monitor together, one Ingest call (one store write, one
// window read, one scorer call) for many soldiers. No request waits for a
// timer: the first request of an idle server is ingested at once, alone;
// requests that arrive while an Ingest is running queue, and the next
// Ingest takes all of them. Batches therefore grow only when the store is
// slow compared with the arrival rate — with Redis, where each call is a
// network round trip, this turns one round trip per request into one per
// batch.
//
// Each request still gets exactly the answer it would get alone: its own
// verdict, or its own error. A store write is all or nothing, so an
// observation the store refuses as out of order is taken out of its batch
// (with its 409) and the rest retried.

// maxGroup bounds the observations of one group commit.
const maxGroup = 256

// pending is one request's observation waiting for a group commit. Its
// fields other than obs are written by the leader that ingests it and read
// by its owner after wake fires.
type pending struct {
	obs      engine.Observation
	verdict  detector.Verdict
	err      error
	done     bool          // verdict or err is set
	promoted bool          // woken to lead the next group, not done
	wake     chan struct{} // capacity 1; one send per wake-up
}

// committer queues observations and runs them in groups.
type committer struct {
	ingest  func(obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error)
	onPanic func(p any, stack []byte)

	mu      sync.Mutex
	queue   []*pending
	running bool // a leader is running groups

	// The leader's scratch; only the current leader touches it.
	group []*pending
	obs   []engine.Observation
	vs    []detector.Verdict
}

// errGroupPanic is what the requests of a group get when ingesting it
// panicked (the panic is logged by onPanic).
var errGroupPanic = errors.New("panic while ingesting a group of observations")

// do ingests p.obs, alone or with others, and returns when p is done.
func (c *committer) do(p *pending) {
	p.done, p.promoted, p.err = false, false, nil
	c.mu.Lock()
	c.queue = append(c.queue, p)
	if c.running {
		c.mu.Unlock()
		<-p.wake
		if p.done {
			return
		}
		// Promoted: p heads the queue and leads now.
	} else {
		c.running = true
		c.mu.Unlock()
	}
	c.lead(p)
}

// lead runs groups until self is done, then hands the lead to the request
// at the head of the queue (or leaves the committer idle).
func (c *committer) lead(self *pending) {
	for !self.done {
		c.mu.Lock()
		c.take()
		c.mu.Unlock()
		c.run()
		for _, p := range c.group {
			if p != self {
				p.wake <- struct{}{}
			}
		}
		clear(c.group)
		c.group = c.group[:0]
	}
	c.mu.Lock()
	if len(c.queue) == 0 {
		c.running = false
		c.mu.Unlock()
		return
	}
	next := c.queue[0]
	next.promoted = true
	c.mu.Unlock()
	next.wake <- struct{}{}
}

// take moves up to maxGroup queued requests of distinct soldiers, oldest
// first, into c.group. A later request of a soldier already in the group
// stays queued, in order, for the next group. Called with c.mu held.
func (c *committer) take() {
	keep := c.queue[:0]
	for _, p := range c.queue {
		if len(c.group) < maxGroup && !c.has(p.obs.Soldier) {
			c.group = append(c.group, p)
			continue
		}
		keep = append(keep, p)
	}
	clear(c.queue[len(keep):])
	c.queue = keep
}

func (c *committer) has(id engine.SoldierID) bool {
	for _, p := range c.group {
		if p.obs.Soldier == id {
			return true
		}
	}
	return false
}

// run ingests c.group and marks every request of it done. An observation
// refused as out of order gets its error and the rest is retried; any other
// error is every request's.
func (c *committer) run() {
	live := c.group
	defer func() {
		if r := recover(); r != nil {
			c.onPanic(r, debug.Stack())
			for _, p := range live {
				if !p.done {
					p.err, p.done = fmt.Errorf("%w: %v", errGroupPanic, r), true
				}
			}
		}
	}()
	for len(live) > 0 {
		c.obs = c.obs[:0]
		for _, p := range live {
			c.obs = append(c.obs, p.obs)
		}
		var err error
		c.vs, err = c.ingest(c.obs, c.vs[:0])
		if err == nil {
			for i, p := range live {
				p.verdict, p.done = c.vs[i], true
			}
			return
		}
		var ooo *featurestore.OutOfOrderError
		if errors.As(err, &ooo) && len(live) > 1 {
			if j := indexOfPending(live, ooo.Soldier); j >= 0 {
				live[j].err, live[j].done = err, true
				live = append(live[:j:j], live[j+1:]...)
				continue
			}
		}
		for _, p := range live {
			p.err, p.done = err, true
		}
		return
	}
}

func indexOfPending(ps []*pending, id engine.SoldierID) int {
	for j, p := range ps {
		if p.obs.Soldier == id {
			return j
		}
	}
	return -1
}
