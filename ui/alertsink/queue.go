package alertsink

import "sync"

// queue is a bounded FIFO: pushing onto a full queue drops the oldest item
// (and counts it). It never blocks; notify is signalled (without blocking)
// on every push.
type queue[T any] struct {
	mu      sync.Mutex
	items   []T // ring
	head, n int
	dropped uint64 // items pushed out by a full queue
	rescued uint64 // of those, items already in flight that were delivered
	notify  chan struct{}
}

func newQueue[T any](capacity int) *queue[T] {
	return &queue[T]{items: make([]T, capacity), notify: make(chan struct{}, 1)}
}

// push appends v, dropping the oldest item when the queue is full; it
// returns the item it dropped, if it dropped one.
func (q *queue[T]) push(v T) (old T, dropped bool) {
	q.mu.Lock()
	if q.n == len(q.items) {
		var zero T
		old = q.items[q.head]
		q.items[q.head] = zero
		q.head = (q.head + 1) % len(q.items)
		q.n--
		q.dropped++
		dropped = true
	}
	q.items[(q.head+q.n)%len(q.items)] = v
	q.n++
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return old, dropped
}

// peek appends up to max items from the front to dst without removing
// them, and returns the drop count as of the peek (for pop).
func (q *queue[T]) peek(dst []T, max int) ([]T, uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range min(max, q.n) {
		dst = append(dst, q.items[(q.head+i)%len(q.items)])
	}
	return dst, q.dropped
}

// pop removes k items from the front, fewer if some were dropped meanwhile
// from under a peek: it returns how many of the peeked items were still
// there. The others were counted as dropped when they were pushed out;
// delivered says their attempt succeeded after all, so they stop counting
// as dropped (each alert is then counted once: delivered, or dropped).
func (q *queue[T]) pop(k int, droppedAtPeek uint64, delivered bool) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	// Items dropped since the peek were the oldest: the peeked ones first.
	gone := int(min(q.dropped-droppedAtPeek, uint64(k)))
	if delivered {
		q.rescued += uint64(gone)
	}
	k -= gone
	k = min(k, q.n)
	var zero T
	for range k {
		q.items[q.head] = zero
		q.head = (q.head + 1) % len(q.items)
		q.n--
	}
	return k
}

// len returns the number of queued items and how many were dropped and
// never delivered.
func (q *queue[T]) len() (n int, dropped uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n, q.dropped - q.rescued
}
