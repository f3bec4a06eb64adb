package engine

import (
	"sync"
	"sync/atomic"
)

// Broadcast delivers every published value to many subscribers without
// ever blocking the publisher: a subscriber whose buffer is full loses its
// oldest value to make room for the newest (Sub.Dropped counts them). It
// can keep the last few values as a backlog that a new subscriber receives
// first, so a viewer who joins late starts with recent history. Values are
// shared between subscribers, who must treat them as read-only. A Broadcast
// starts no goroutines; closing a subscription or the broadcast frees
// everything a subscriber held. The live runtime's feed of snapshots to
// its viewers and the monitor's alert stream are Broadcasts.
type Broadcast[T any] struct {
	mu      sync.Mutex
	subs    []*Sub[T]
	backlog []T // ring of the last values, oldest at head
	head    int
	size    int
	closed  bool
}

// Sub is one subscriber of a Broadcast.
type Sub[T any] struct {
	b       *Broadcast[T]
	ch      chan T
	dropped atomic.Uint64
	done    bool // guarded by b.mu
}

// NewBroadcast returns a broadcast without subscribers that keeps the last
// backlog values (0: none) for new subscribers.
func NewBroadcast[T any](backlog int) *Broadcast[T] {
	return &Broadcast[T]{backlog: make([]T, max(backlog, 0))}
}

// Subscribe adds a subscriber whose channel buffers up to buffer values (at
// least 1, and at least the backlog), filled first with the backlog.
// Subscribing to a closed broadcast gives the backlog and a closed channel.
func (b *Broadcast[T]) Subscribe(buffer int) *Sub[T] {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &Sub[T]{b: b, ch: make(chan T, max(buffer, len(b.backlog), 1))}
	for i := range b.size {
		s.ch <- b.backlog[(b.head+i)%len(b.backlog)]
	}
	if b.closed {
		s.done = true
		close(s.ch)
		return s
	}
	b.subs = append(b.subs, s)
	return s
}

// C returns the channel the subscriber receives values on. It is closed by
// Close and by Broadcast.Close.
func (s *Sub[T]) C() <-chan T { return s.ch }

// Dropped returns how many values this subscriber lost for being slow.
func (s *Sub[T]) Dropped() uint64 { return s.dropped.Load() }

// Close unsubscribes: the channel is closed (values still buffered can be
// drained) and the broadcast forgets the subscriber. Closing twice is
// harmless.
func (s *Sub[T]) Close() {
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	close(s.ch)
	for i, x := range b.subs {
		if x == s {
			last := len(b.subs) - 1
			b.subs[i], b.subs[last] = b.subs[last], nil
			b.subs = b.subs[:last]
			break
		}
	}
}

// Subscribers returns the number of current subscribers.
func (b *Broadcast[T]) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Publish delivers v to every subscriber without blocking and keeps it in
// the backlog. Publishing to a closed broadcast does nothing. It reports
// whether anything kept v (the backlog or a subscriber): when it did not,
// nobody else holds v, and its publisher may reuse what v points to.
func (b *Broadcast[T]) Publish(v T) (kept bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	kept = len(b.backlog) > 0 || len(b.subs) > 0
	if n := len(b.backlog); n > 0 {
		if b.size < n {
			b.backlog[(b.head+b.size)%n] = v
			b.size++
		} else {
			b.backlog[b.head] = v
			b.head = (b.head + 1) % n
		}
	}
	for _, s := range b.subs {
		select {
		case s.ch <- v:
			continue
		default:
		}
		// Full: drop the oldest. Only Publish sends, under b.mu, so the
		// second send finds room unless the subscriber raced us to it.
		select {
		case <-s.ch:
			s.dropped.Add(1)
		default:
		}
		select {
		case s.ch <- v:
		default:
			s.dropped.Add(1)
		}
	}
	return kept
}

// Close closes every subscriber's channel; later subscriptions get the
// backlog and a closed channel. Closing twice is harmless.
func (b *Broadcast[T]) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for _, s := range b.subs {
		s.done = true
		close(s.ch)
	}
	b.subs = nil
}
