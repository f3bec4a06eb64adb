package engine

// eventKind orders events that fall on the same tick: phase changes first,
// then anomaly ends before starts, then artefacts, and the tick itself last,
// so a tick sees every change scheduled for it.
type eventKind uint8

const (
	evPhase        eventKind = iota // a squad's phase changes (idx = squad)
	evAnomalyEnd                    // a soldier's anomaly window has ended (idx = soldier index)
	evAnomalyStart                  // a soldier's anomaly window starts (idx = soldier index)
	evArtefact                      // a soldier's motion artefact (idx = soldier index)
	evTick                          // produce the frame of this tick
)

// event is one scheduled happening of the discrete-event clock.
type event struct {
	t    int64 // tick (simulated seconds)
	kind eventKind
	idx  int32
}

func (a event) before(b event) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.idx < b.idx
}

// eventQueue is a binary min-heap of events ordered by (t, kind, idx), a
// total order, so the sequence of pops never depends on insertion order. It
// is typed rather than built on container/heap so that pushes do not box
// events into interfaces (no allocation once the slice has grown).
type eventQueue struct{ h []event }

func (q *eventQueue) peek() event { return q.h[0] }

func (q *eventQueue) push(e event) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.h[i].before(q.h[p]) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *eventQueue) pop() event {
	top := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h = q.h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && q.h[r].before(q.h[l]) {
			c = r
		}
		if !q.h[c].before(q.h[i]) {
			break
		}
		q.h[i], q.h[c] = q.h[c], q.h[i]
		i = c
	}
	return top
}
