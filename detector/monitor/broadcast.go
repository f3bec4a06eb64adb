package monitor

import "sync"

// broadcaster delivers values to many subscribers without blocking the
// publisher: a full subscriber loses its oldest value.
type broadcaster[T any] struct {
	mu     sync.Mutex
	subs   map[*Subscription[T]]struct{}
	closed bool
}

func newBroadcaster[T any]() *broadcaster[T] {
	return &broadcaster[T]{subs: map[*Subscription[T]]struct{}{}}
}

// Subscription receives published values on C until Close.
type Subscription[T any] struct {
	C       <-chan T
	c       chan T
	b       *broadcaster[T]
	dropped uint64 // guarded by b.mu
	once    sync.Once
}

func (b *broadcaster[T]) subscribe(buffer int) *Subscription[T] {
	buffer = max(buffer, 1)
	c := make(chan T, buffer)
	s := &Subscription[T]{C: c, c: c, b: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(c)
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

func (b *broadcaster[T]) publish(v T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for {
			select {
			case s.c <- v:
			default:
				select { // full: drop the oldest and try again
				case <-s.c:
					s.dropped++
				default:
				}
				continue
			}
			break
		}
	}
}

func (b *broadcaster[T]) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

func (b *broadcaster[T]) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for s := range b.subs {
		close(s.c)
		delete(b.subs, s)
	}
}

// Dropped returns how many values this subscriber lost by falling behind.
func (s *Subscription[T]) Dropped() uint64 {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	return s.dropped
}

// Close ends the subscription and closes C. It is safe to call twice.
func (s *Subscription[T]) Close() {
	s.once.Do(func() {
		s.b.mu.Lock()
		defer s.b.mu.Unlock()
		if _, ok := s.b.subs[s]; ok {
			delete(s.b.subs, s)
			close(s.c)
		}
	})
}
