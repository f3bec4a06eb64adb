package ring

import "github.com/chakra-tui/chakra-tui/engine"

// Ring holds one soldier's most recent rows. Rows are numbered by a sequence
// number: the first row ever written is 1, and row s lives in slot
// (s−1) mod cap. The ring holds rows Hi−N+1 … Hi. The in-memory store keeps
// one ring per soldier; the Redis store keeps one per soldier as its local
// cache, with Redis's sequence numbers. A zero Ring has no buffer: give it
// one (Buf) before pushing.
type Ring struct {
	Buf []engine.Observation // the slots; its length is the capacity
	Hi  uint64               // sequence number of the newest row; 0 before the first
	N   int                  // rows held, ≤ len(Buf)
}

// New returns an empty ring of capacity rows.
func New(capacity int) *Ring { return &Ring{Buf: make([]engine.Observation, capacity)} }

// Reset empties the ring and sets its newest sequence number to hi.
func (r *Ring) Reset(hi uint64) { r.Hi, r.N = hi, 0 }

// Push appends row o as sequence number Hi+1.
func (r *Ring) Push(o *engine.Observation) { *r.Next() = *o }

// Next makes room for sequence number Hi+1 and returns its slot, to be
// filled by the caller.
func (r *Ring) Next() *engine.Observation {
	o := &r.Buf[r.Hi%uint64(len(r.Buf))]
	r.Hi++
	if r.N < len(r.Buf) {
		r.N++
	}
	return o
}

// Slot returns the row with sequence number s; the caller makes sure it is
// held.
func (r *Ring) Slot(s uint64) *engine.Observation { return &r.Buf[(s-1)%uint64(len(r.Buf))] }

// Latest returns the newest row; the caller makes sure there is one.
func (r *Ring) Latest() *engine.Observation { return r.Slot(r.Hi) }

// Holds reports whether rows lo … hi (inclusive) are all in the ring.
func (r *Ring) Holds(lo, hi uint64) bool {
	return lo >= 1 && hi <= r.Hi && lo+uint64(r.N) > r.Hi
}

// AppendRange appends rows lo … hi, oldest first, to dst. The caller makes
// sure they are held (lo > hi appends nothing).
func (r *Ring) AppendRange(dst []engine.Observation, lo, hi uint64) []engine.Observation {
	if lo > hi {
		return dst
	}
	c := uint64(len(r.Buf))
	a, b := (lo-1)%c, (hi-1)%c
	if a <= b && hi-lo < c {
		return append(dst, r.Buf[a:b+1]...)
	}
	dst = append(dst, r.Buf[a:]...)
	return append(dst, r.Buf[:b+1]...)
}

// AppendLast appends the newest k rows (k ≤ N), oldest first, to dst.
func (r *Ring) AppendLast(dst []engine.Observation, k int) []engine.Observation {
	if k <= 0 {
		return dst
	}
	return r.AppendRange(dst, r.Hi-uint64(k)+1, r.Hi)
}

// GrowWindows returns dst with length n, keeping the inner slices it already
// has (also those between its length and capacity) for reuse.
func GrowWindows(dst [][]engine.Observation, n int) [][]engine.Observation {
	if cap(dst) < n {
		grown := make([][]engine.Observation, n)
		copy(grown, dst[:cap(dst)])
		return grown
	}
	return dst[:n]
}

// Find returns the sequence number of the held row at tick t, or 0.
// Rows are in tick order.
func (r *Ring) Find(t int64) uint64 {
	for s := r.Hi; s+uint64(r.N) > r.Hi && s >= 1; s-- {
		switch T := r.Slot(s).T; {
		case T == t:
			return s
		case T < t:
			return 0
		}
	}
	return 0
}

// Insert puts row o among the held rows in tick order: the rows after it
// move one sequence number up, so the newest becomes Hi+1, and when the
// ring is full the oldest row drops. The caller makes sure some held row
// has a tick after o.T, none has o.T, and, when the ring is full, the
// oldest row's tick is before o.T (else o itself would drop).
func (r *Ring) Insert(o *engine.Observation) {
	p := r.Hi // the lowest sequence number whose row's tick is after o.T
	for p > r.Hi-uint64(r.N)+1 && r.Slot(p-1).T > o.T {
		p--
	}
	r.Next()
	for s := r.Hi - 1; s >= p; s-- {
		*r.Slot(s + 1) = *r.Slot(s)
	}
	*r.Slot(p) = *o
}
