package ui

import (
	"github.com/chakra-tui/chakra-tui/detector/evaluation"
	"github.com/chakra-tui/chakra-tui/engine"
)

// The truth overlay matches alert openings against the simulation's
// ground-truth labels as they arrive, with the rules of the detector's
// evaluation (evaluation.MatchConfig): an event is detected when an alert of its
// soldier opens within [Start, End+Grace]; an opening is true when it falls in
// such a window of some event of its soldier, false otherwise (an opening on
// a motion artefact is false). Frames carry the labels active at their tick,
// so matching online is exact.

// truthGrace is the matching grace after an event's end, in ticks.
const truthGrace = evaluation.DefaultGrace

// keptEvents is how many recent events each soldier remembers.
const keptEvents = 8

// truthEvent is one ground-truth event window of a soldier.
type truthEvent struct {
	label    engine.Label
	detected bool
	delay    int64 // ticks from Start to the first alert opening
	missed   bool  // the window and its grace passed without an alert
}

// truthTally counts events and alerts for the header.
type truthTally struct {
	events, detected, missed int
	trueAlerts, falseAlerts  int
	artefactHits             int
}

// mark is what the truth overlay draws on a card.
type mark uint8

const (
	markNone     mark = iota
	markHit           // an alert is open and it opened on a true event
	markFalse         // an alert is open and it opened on nothing
	markMiss          // an event is under way (or just ended) without an alert
	markArtefact      // a motion artefact (a non-event) right now
)

var markRune = [...]rune{markNone: ' ', markHit: '◉', markFalse: '✗', markMiss: '○', markArtefact: '~'}
var markWord = [...]string{markNone: "", markHit: "hit", markFalse: "false", markMiss: "miss", markArtefact: "artefact"}

// soldierTruth is one soldier's ground truth as seen so far.
type soldierTruth struct {
	events   []truthEvent       // most recent last
	now      engine.AnomalyKind // label active at the latest tick
	lastOpen int8               // truth of the latest alert opening: +1 true, −1 false, 0 none
}

func (st *soldierTruth) clear() {
	st.events = st.events[:0]
	st.now = engine.KindNone
	st.lastOpen = 0
}

// see records a label active at tick t; it returns whether the label is a
// new event.
func (st *soldierTruth) see(l engine.Label) bool {
	if !l.Kind.IsEvent() {
		return false
	}
	for i := range st.events {
		if st.events[i].label.Start == l.Start && st.events[i].label.Kind == l.Kind {
			return false
		}
	}
	if len(st.events) == keptEvents {
		copy(st.events, st.events[1:])
		st.events = st.events[:keptEvents-1]
	}
	st.events = append(st.events, truthEvent{label: l})
	return true
}

// open matches an alert opening at tick t; it returns +1 for a true alert
// (and whether it detected an event for the first time) or −1 for a false one.
func (st *soldierTruth) open(t int64) (truth int8, detected bool) {
	truth = -1
	for i := range st.events {
		e := &st.events[i]
		if t >= e.label.Start && t <= e.label.End+truthGrace {
			truth = 1
			if !e.detected && !e.missed {
				e.detected, e.delay, detected = true, t-e.label.Start, true
			}
		}
	}
	st.lastOpen = truth
	return truth, detected
}

// expire marks events whose grace ended at tick t without an alert as
// missed; it returns how many.
func (st *soldierTruth) expire(t int64) int {
	n := 0
	for i := range st.events {
		e := &st.events[i]
		if !e.detected && !e.missed && t > e.label.End+truthGrace {
			e.missed = true
			n++
		}
	}
	return n
}

// current returns the event whose window (with grace) contains t, preferring
// one under way; nil if none.
func (st *soldierTruth) current(t int64) *truthEvent {
	var best *truthEvent
	for i := range st.events {
		e := &st.events[i]
		if t >= e.label.Start && t <= e.label.End {
			return e
		}
		if t > e.label.End && t <= e.label.End+truthGrace {
			best = e
		}
	}
	return best
}

// mark says what the overlay draws for a soldier at tick t.
func (st *soldierTruth) mark(t int64, alerting bool) mark {
	if alerting {
		if st.lastOpen < 0 {
			return markFalse
		}
		return markHit
	}
	if e := st.current(t); e != nil {
		if e.detected {
			return markHit
		}
		return markMiss
	}
	for i := range st.events {
		e := &st.events[i]
		if e.missed && t <= e.label.End+truthGrace+60 {
			return markMiss
		}
	}
	if st.now == engine.KindArtefact {
		return markArtefact
	}
	return markNone
}
