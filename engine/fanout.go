package engine

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// FanOut delivers every published frame to many subscribers without ever
// blocking the publisher: a subscriber whose buffer is full loses its
// oldest frame to make room for the newest (Subscription.Dropped counts
// them). Frames are shared between subscribers, so they must treat them as
// read-only. A FanOut starts no goroutines; Unsubscribing or closing frees
// everything a subscriber held.
type FanOut struct {
	mu     sync.Mutex
	subs   []*Subscription
	closed bool
}

// Subscription is one subscriber's feed.
type Subscription struct {
	fan     *FanOut
	ch      chan Frame
	dropped atomic.Uint64
	done    bool // guarded by fan.mu
}

// NewFanOut returns a fan-out without subscribers.
func NewFanOut() *FanOut { return &FanOut{} }

// Subscribe adds a subscriber whose channel buffers up to buffer frames
// (at least 1). Subscribing to a closed fan-out gives a closed channel.
func (f *FanOut) Subscribe(buffer int) *Subscription {
	s := &Subscription{fan: f, ch: make(chan Frame, max(buffer, 1))}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		s.done = true
		close(s.ch)
		return s
	}
	f.subs = append(f.subs, s)
	return s
}

// C returns the channel the subscriber receives frames on. It is closed by
// Close, by FanOut.Close, and when FanOut.Run's source ends.
func (s *Subscription) C() <-chan Frame { return s.ch }

// Dropped returns how many frames this subscriber lost for being slow.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close unsubscribes: the channel is closed (frames still buffered can be
// drained) and the fan-out forgets the subscriber. Closing twice is harmless.
func (s *Subscription) Close() {
	f := s.fan
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	close(s.ch)
	for i, x := range f.subs {
		if x == s {
			last := len(f.subs) - 1
			f.subs[i], f.subs[last] = f.subs[last], nil
			f.subs = f.subs[:last]
			break
		}
	}
}

// Subscribers returns the number of current subscribers.
func (f *FanOut) Subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// Publish delivers fr to every subscriber without blocking.
func (f *FanOut) Publish(fr Frame) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		select {
		case s.ch <- fr:
			continue
		default:
		}
		// Full: drop the oldest. Only Publish sends, under f.mu, so the
		// second send finds room unless the subscriber raced us to it.
		select {
		case <-s.ch:
			s.dropped.Add(1)
		default:
		}
		select {
		case s.ch <- fr:
		default:
			s.dropped.Add(1)
		}
	}
}

// Close closes every subscriber's channel; later subscriptions start closed.
func (f *FanOut) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	for _, s := range f.subs {
		s.done = true
		close(s.ch)
	}
	f.subs = nil
}

// Run publishes every frame of src (pace it with a Pacer) until src ends,
// fails or ctx is done, then closes the fan-out. It returns nil when src
// ends with io.EOF or ctx is cancelled, and src's error otherwise.
func (f *FanOut) Run(ctx context.Context, src Source) error {
	defer f.Close()
	for {
		fr, err := src.Next(ctx)
		switch {
		case err == nil:
			f.Publish(fr)
		case errors.Is(err, io.EOF), ctx.Err() != nil && errors.Is(err, ctx.Err()):
			return nil
		default:
			return err
		}
	}
}
