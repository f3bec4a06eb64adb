package ui

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

func TestTruthMatching(t *testing.T) {
	var st soldierTruth
	ev := engine.Label{Soldier: 1, Start: 100, End: 120, Kind: engine.KindTachycardia}
	if !st.see(ev) || st.see(ev) {
		t.Fatal("an event must be new once")
	}
	if st.see(engine.Label{Soldier: 1, Start: 50, End: 50, Kind: engine.KindArtefact}) {
		t.Error("an artefact counted as an event")
	}
	if got := st.mark(105, false); got != markMiss {
		t.Errorf("mark during an undetected event = %v, want miss", got)
	}
	if truth, det := st.open(90); truth != -1 || det {
		t.Errorf("opening before the event: truth %d detected %v, want a false alert", truth, det)
	}
	if got := st.mark(91, true); got != markFalse {
		t.Errorf("mark while a false alert is open = %v, want false", got)
	}
	if truth, det := st.open(110); truth != 1 || !det || st.events[0].delay != 10 {
		t.Errorf("opening in the event: truth %d detected %v delay %d, want true, detected after 10", truth, det, st.events[0].delay)
	}
	if truth, det := st.open(120 + truthGrace); truth != 1 || det {
		t.Errorf("opening at the end of the grace: truth %d detected again %v, want true, not detected twice", truth, det)
	}
	if truth, _ := st.open(121 + truthGrace); truth != -1 {
		t.Error("opening after the grace counted as true")
	}
	if n := st.expire(1000); n != 0 {
		t.Errorf("a detected event expired as missed (%d)", n)
	}

	// an event nobody alerted on is missed once its grace has passed
	ev2 := engine.Label{Soldier: 1, Start: 2000, End: 2010, Kind: engine.KindDropout}
	st.see(ev2)
	if n := st.expire(2010 + truthGrace); n != 0 {
		t.Error("missed before the grace ended")
	}
	if n := st.expire(2011 + truthGrace); n != 1 {
		t.Errorf("expired %d events, want the dropout", n)
	}
	if n := st.expire(2100); n != 0 {
		t.Error("an event was missed twice")
	}
	if got := st.mark(2050, false); got != markMiss {
		t.Errorf("mark shortly after a miss = %v, want miss", got)
	}
	if got := st.mark(5000, false); got != markNone {
		t.Errorf("mark long after = %v, want none", got)
	}
}

func TestTruthKeepsRecentEvents(t *testing.T) {
	var st soldierTruth
	for i := range int64(20) {
		st.see(engine.Label{Start: i * 100, End: i*100 + 10, Kind: engine.KindStuck})
	}
	if len(st.events) != keptEvents || st.events[keptEvents-1].label.Start != 1900 {
		t.Errorf("kept %d events ending at %d", len(st.events), st.events[len(st.events)-1].label.Start)
	}
}
