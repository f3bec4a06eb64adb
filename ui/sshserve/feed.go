package sshserve

import "sync"

// feed delivers published values to many subscribers without ever blocking
// the publisher: a subscriber whose buffer is full loses its oldest value.
// It keeps the last backlog values and hands them to a new subscriber first,
// so a viewer who joins late starts with recent history. (detector/monitor
// and engine.FanOut have the same drop-oldest fan-out for alert events and
// frames; this one adds the backlog.)
type feed[T any] struct {
	mu      sync.Mutex
	subs    map[*subscription[T]]struct{}
	backlog []T // ring of the last values, oldest at head
	head    int
	size    int
	closed  bool
}

func newFeed[T any](backlog int) *feed[T] {
	return &feed[T]{subs: map[*subscription[T]]struct{}{}, backlog: make([]T, max(backlog, 0))}
}

// subscription is one subscriber's channel.
type subscription[T any] struct {
	c    chan T
	f    *feed[T]
	once sync.Once
}

// subscribe returns a subscription buffering up to buffer values (at least
// the backlog), pre-filled with the backlog.
func (f *feed[T]) subscribe(buffer int) *subscription[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &subscription[T]{c: make(chan T, max(buffer, len(f.backlog), 1)), f: f}
	for i := range f.size {
		s.c <- f.backlog[(f.head+i)%len(f.backlog)]
	}
	if f.closed {
		close(s.c)
		return s
	}
	f.subs[s] = struct{}{}
	return s
}

// publish delivers v to every subscriber and keeps it in the backlog.
func (f *feed[T]) publish(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	if n := len(f.backlog); n > 0 {
		if f.size < n {
			f.backlog[(f.head+f.size)%n] = v
			f.size++
		} else {
			f.backlog[f.head] = v
			f.head = (f.head + 1) % n
		}
	}
	for s := range f.subs {
		for {
			select {
			case s.c <- v:
			default:
				select { // full: drop the oldest and try again (only publish sends, under f.mu)
				case <-s.c:
				default:
				}
				continue
			}
			break
		}
	}
}

// count returns the number of subscribers.
func (f *feed[T]) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// close closes every subscriber's channel (values still buffered can be
// drained); later subscriptions get the backlog and a closed channel.
func (f *feed[T]) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	for s := range f.subs {
		close(s.c)
		delete(f.subs, s)
	}
}

// Close ends the subscription and closes its channel. Closing twice is
// harmless.
func (s *subscription[T]) Close() {
	s.once.Do(func() {
		s.f.mu.Lock()
		defer s.f.mu.Unlock()
		if _, ok := s.f.subs[s]; ok {
			delete(s.f.subs, s)
			close(s.c)
		}
	})
}
