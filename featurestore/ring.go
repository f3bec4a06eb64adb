package featurestore

import "github.com/chakra-tui/chakra-tui/engine"

// ring holds one soldier's most recent rows. Rows are numbered by a sequence
// number: the first row ever written is 1, and row s lives in slot
// (s−1) mod cap. The ring holds rows hi−n+1 … hi. The in-memory store keeps
// one ring per soldier; the Redis store keeps one per soldier as its local
// cache, with Redis's sequence numbers and the ring's epoch.
type ring struct {
	buf   []engine.Observation
	hi    uint64 // sequence number of the newest row; 0 before the first
	n     int    // rows held, ≤ len(buf)
	epoch uint64 // Redis: which incarnation of the soldier's ring this caches
}

func newRing(capacity int) *ring { return &ring{buf: make([]engine.Observation, capacity)} }

// reset empties the ring and sets its newest sequence number to hi.
func (r *ring) reset(epoch, hi uint64) { r.epoch, r.hi, r.n = epoch, hi, 0 }

// push appends row o as sequence number hi+1.
func (r *ring) push(o *engine.Observation) { *r.next() = *o }

// next makes room for sequence number hi+1 and returns its slot, to be
// filled by the caller.
func (r *ring) next() *engine.Observation {
	o := &r.buf[r.hi%uint64(len(r.buf))]
	r.hi++
	if r.n < len(r.buf) {
		r.n++
	}
	return o
}

// slot returns the row with sequence number s; the caller makes sure it is
// held.
func (r *ring) slot(s uint64) *engine.Observation { return &r.buf[(s-1)%uint64(len(r.buf))] }

// latest returns the newest row; the caller makes sure there is one.
func (r *ring) latest() *engine.Observation { return r.slot(r.hi) }

// holds reports whether rows lo … hi (inclusive) are all in the ring.
func (r *ring) holds(lo, hi uint64) bool {
	return lo >= 1 && hi <= r.hi && lo+uint64(r.n) > r.hi
}

// appendRange appends rows lo … hi, oldest first, to dst. The caller makes
// sure they are held (lo > hi appends nothing).
func (r *ring) appendRange(dst []engine.Observation, lo, hi uint64) []engine.Observation {
	if lo > hi {
		return dst
	}
	c := uint64(len(r.buf))
	a, b := (lo-1)%c, (hi-1)%c
	if a <= b && hi-lo < c {
		return append(dst, r.buf[a:b+1]...)
	}
	dst = append(dst, r.buf[a:]...)
	return append(dst, r.buf[:b+1]...)
}

// appendLast appends the newest k rows (k ≤ n), oldest first, to dst.
func (r *ring) appendLast(dst []engine.Observation, k int) []engine.Observation {
	if k <= 0 {
		return dst
	}
	return r.appendRange(dst, r.hi-uint64(k)+1, r.hi)
}

// growWindows returns dst with length n, keeping the inner slices it already
// has (also those between its length and capacity) for reuse.
func growWindows(dst [][]engine.Observation, n int) [][]engine.Observation {
	if cap(dst) < n {
		grown := make([][]engine.Observation, n)
		copy(grown, dst[:cap(dst)])
		return grown
	}
	return dst[:n]
}
