package ui

import (
	"math"
	"slices"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
)

// soldier is everything the dashboard knows about one soldier.
type soldier struct {
	prof   engine.Profile
	hist   history
	obs    engine.Observation // latest observation
	v      detector.Verdict   // latest verdict (valid when scored)
	seen   bool               // obs is valid
	scored bool               // v is valid
	last   uint64             // board.frames when last observed
	slot   int                // index of its squad in board.squadIDs, −1 for none

	// alert is the verdict that opened the latest alert (valid when
	// hasAlert). It is allocated at the soldier's first alert: a verdict is
	// 1.1 KB, 57 MB for 50 000 soldiers who mostly never alert.
	alert    *detector.Verdict
	hasAlert bool
	truth    soldierTruth

	// The card's heart-rate sparkline, pushed on every frame and drawn in
	// Update while the card is on screen. It is allocated when the card is
	// first laid out (2.3 KB: 115 MB for 50 000 soldiers, most never on
	// screen); nil until then, and its methods take nil as no sparkline.
	spark *cardSpark
}

// state is the soldier's state as the cards show it.
func (s *soldier) state() detector.State {
	switch {
	case !s.seen:
		return detector.StateNoData
	case !s.scored:
		return detector.StateWarmingUp
	}
	return s.v.State
}

// alerting reports whether an alert is open on the soldier.
func (s *soldier) alerting() bool { return s.scored && s.v.Alerting() }

// hrRange is the heart-rate range the card's sparkline spans: from a little
// under resting to a little under maximal, so the columns use all eight levels
// of a one-row sparkline for this soldier's own physiology.
func (s *soldier) hrRange() (lo, hi float64) {
	lo, hi = s.prof.RestingHR-10, s.prof.HRMax-10
	if !(hi > lo+20) {
		lo, hi = 40, 200
	}
	return lo, hi
}

// sparkValue maps a heart rate onto the sparkline's scale: 0 (an empty
// column) when missing, never a made-up value; a reading below the range
// still shows as the lowest block, so a collapse differs from a dropout.
func (s *soldier) sparkValue(hr float32) float64 {
	if hr != hr { // NaN
		return 0
	}
	lo, hi := s.hrRange()
	return min(max(float64(hr)-lo, (hi-lo)/7.5), hi-lo)
}

// resizeSpark rebuilds the sparkline at width w from the history.
func (s *soldier) resizeSpark(w int, st *Styles) {
	if w == s.spark.width() && w > 0 {
		return
	}
	if s.spark == nil {
		if w <= 0 {
			return
		}
		s.spark = new(cardSpark)
	}
	lo, hi := s.hrRange()
	var vals []float64
	for i := max(0, s.hist.n-w); i < s.hist.n; i++ {
		vals = append(vals, s.sparkValue(s.hist.at(i).v[engine.HeartRate]))
	}
	s.spark.reset(w, hi-lo, st.State[detector.StateOK].Style, vals)
}

// board is the battlefield as the dashboard sees it: the roster, each
// soldier's latest state and history, the alert log and the truth tally.
// Only the model's Update changes it.
type board struct {
	soldiers []soldier
	index    map[engine.SoldierID]int
	squads   int // the largest squad number plus one (how wide squad labels are)
	// squadIDs are the squads that have soldiers, in the order their first
	// soldier joined; squadSlot is each one's index in it. Squad numbers
	// may be sparse (a battlefield's slice of a larger one), so the
	// overview lists these, not every number below squads.
	squadIDs  []int
	squadSlot map[int]int
	histCap   int
	tick      int64 // simulated seconds per frame

	hasFrame bool
	rewound  bool      // reset: the next frame cuts the alert log back to its tick
	t        int64     // tick of the latest frame
	time     time.Time // simulated time of the latest frame
	start    time.Time // simulated time of tick 0
	frames   uint64    // frames applied (a cache key)
	roster   uint64    // bumped when soldiers are added or the board resets
	counts   [stateCount]int
	scoredN  int // verdicts in the latest frame
	next     int // apply: the roster index the frame's next observation likely has
	log      alertLog
	tally    truthTally
	styles   *Styles
	schedule [][]engine.Segment // per squad, from the latest snapshot that had one
}

// squadSchedule returns the known schedule of squad q (nil if unknown).
func (b *board) squadSchedule(q int) []engine.Segment {
	if q >= 0 && q < len(b.schedule) {
		return b.schedule[q]
	}
	return nil
}

// ceilDiv is ⌈a/b⌉ for positive b.
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// secondsDur converts simulated seconds to a duration.
func secondsDur(s int64) time.Duration { return time.Duration(s) * time.Second }

func newBoard(profiles []engine.Profile, histCap int, tick time.Duration, st *Styles) *board {
	b := &board{index: map[engine.SoldierID]int{}, squadSlot: map[int]int{}, histCap: histCap, tick: max(1, int64(tick/time.Second)), styles: st}
	ps := slices.Clone(profiles)
	slices.SortFunc(ps, func(a, b engine.Profile) int { return int(a.ID) - int(b.ID) })
	for _, p := range ps {
		b.add(p)
	}
	return b
}

// add puts a soldier on the roster.
func (b *board) add(p engine.Profile) int {
	i := len(b.soldiers)
	slot := -1
	if p.Squad >= 0 {
		k, ok := b.squadSlot[p.Squad]
		if !ok {
			k = len(b.squadIDs)
			b.squadSlot[p.Squad] = k
			b.squadIDs = append(b.squadIDs, p.Squad)
		}
		slot = k
	}
	b.soldiers = append(b.soldiers, soldier{prof: p, hist: newHistory(b.histCap), slot: slot})
	b.index[p.ID] = i
	b.squads = max(b.squads, p.Squad+1)
	b.roster++
	return i
}

// reset forgets every soldier's history (the feed went back in time).
func (b *board) reset() {
	for i := range b.soldiers {
		s := &b.soldiers[i]
		s.hist.clear()
		s.seen, s.scored, s.hasAlert, s.alert = false, false, false, nil
		s.truth.clear()
		s.spark.clear()
	}
	b.hasFrame = false
	b.rewound = true
	b.tally = truthTally{}
	b.roster++
}

// apply takes one snapshot into the board; at is the wall time it arrived.
// It reports whether the roster changed (the grid must lay out again).
func (b *board) apply(snap *live.Snapshot, at time.Time) (rosterChanged bool) {
	f := &snap.Frame
	roster := b.roster
	if b.hasFrame && f.T <= b.t {
		b.reset()
	}
	if b.rewound {
		// The feed went back in time: alerts from the tick of this frame on
		// will open again as the frames come, so the log forgets them.
		b.log.truncateFrom(f.T)
		b.rewound = false
	}
	if b.hasFrame {
		if gap := (f.T-b.t)/b.tick - 1; gap > 0 {
			b.fillGap(f.T, gap)
		}
	}
	b.hasFrame = true
	b.t, b.time = f.T, f.Time
	if snap.Schedule != nil {
		b.schedule = snap.Schedule
	}
	b.start = f.Time.Add(-time.Duration(f.T) * time.Second)
	b.frames++

	b.applyTruth(f.Truth)
	b.counts = [stateCount]int{}
	b.scoredN = 0
	b.next = 0
	for k := range f.Obs {
		b.applyObs(snap, k, at)
	}
	for i := range b.soldiers {
		s := &b.soldiers[i]
		if s.last != b.frames {
			s.hist.push().blank(f.T)
			s.seen, s.scored = false, false
			s.spark.push(0)
		}
		b.counts[s.state()]++
	}
	return b.roster != roster
}

// fillGap pushes blank rows for the gap ticks missed before tick t.
func (b *board) fillGap(t, gap int64) {
	for i := range b.soldiers {
		s := &b.soldiers[i]
		for k := int64(0); k < min(gap, int64(b.histCap)); k++ {
			s.hist.push().blank(t - (gap-k)*b.tick)
		}
		for k := int64(0); k < min(gap, int64(s.spark.width())); k++ {
			s.spark.push(0)
		}
	}
}

// applyTruth takes the frame's ground-truth labels: each soldier's label
// now (an event over an artefact) and the events first seen.
func (b *board) applyTruth(labels []engine.Label) {
	for i := range b.soldiers {
		b.soldiers[i].truth.now = engine.KindNone
	}
	for _, l := range labels {
		i, ok := b.index[l.Soldier]
		if !ok {
			continue
		}
		st := &b.soldiers[i].truth
		if st.now == engine.KindNone || l.Kind.IsEvent() {
			st.now = l.Kind
		}
		if st.see(l) {
			b.tally.events++
		}
	}
}

// applyObs takes observation k of the frame with its verdict, if the
// snapshot has one for that soldier (adding a soldier the roster lacks).
func (b *board) applyObs(snap *live.Snapshot, k int, at time.Time) {
	f := &snap.Frame
	o := &f.Obs[k]
	// A simulation's frame lists the soldiers in the roster's order (by
	// id): try the roster's next soldier before the map (a fifth of a
	// 50 000-soldier frame's Update went to map lookups).
	i := b.next
	if i >= len(b.soldiers) || b.soldiers[i].prof.ID != o.Soldier {
		var ok bool
		if i, ok = b.index[o.Soldier]; !ok {
			i = b.add(engine.DefaultProfile(o.Soldier))
		}
	}
	b.next = i + 1
	s := &b.soldiers[i]
	var v *detector.Verdict
	if k < len(snap.Verdicts) && snap.Verdicts[k].Soldier == o.Soldier {
		v = &snap.Verdicts[k]
		b.scoredN++
	}
	s.hist.push().fill(o, v, s.truth.now)
	s.obs, s.seen, s.last = *o, true, b.frames
	if v != nil {
		s.v, s.scored = *v, true
		if v.Alert.Opened {
			b.opened(i, v, at)
		} else if v.Alert.Refined && s.hasAlert {
			*s.alert = *v
			b.log.refine(v)
		}
	} else {
		s.scored = false
	}
	b.tally.missed += s.truth.expire(f.T)
	s.spark.push(s.sparkValue(s.hist.last().v[engine.HeartRate]))
}

// opened records an alert opening of soldier i.
func (b *board) opened(i int, v *detector.Verdict, at time.Time) {
	s := &b.soldiers[i]
	if s.alert == nil {
		s.alert = new(detector.Verdict)
	}
	*s.alert, s.hasAlert = *v, true
	e := newAlertEntry(v, at, i, s.prof.Squad)
	truth, detected := s.truth.open(v.T)
	e.truth = truth
	if detected {
		b.tally.detected++
	}
	if truth > 0 {
		b.tally.trueAlerts++
	} else {
		b.tally.falseAlerts++
		if s.truth.now == engine.KindArtefact {
			b.tally.artefactHits++
		}
	}
	b.log.add(e)
}

// psi is the soldier's latest Physiological Strain Index (NaN if unknown).
func (s *soldier) psi() float64 {
	if !s.seen {
		return math.NaN()
	}
	return s.obs.PSI(s.prof)
}
