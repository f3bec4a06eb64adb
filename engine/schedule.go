package engine

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Segment is one stretch of a squad's phase schedule: Phase holds from
// Start (a tick, inclusive) until the next segment's Start.
type Segment struct {
	Start int64
	Phase Phase
}

// phaseDuration is the range of a phase's duration, minutes, uniform.
var phaseDuration = [NumPhases][2]float64{
	PhaseRest:     {10, 30},
	PhasePatrol:   {15, 40},
	PhaseMarch:    {20, 45},
	PhaseContact:  {2, 10},
	PhaseRecovery: {5, 15},
}

// firstRest is the range of the opening rest (briefing), minutes.
var firstRest = [2]float64{5, 20}

// transition is the probability of each next phase given the current one.
var transition = [NumPhases][NumPhases]float64{
	PhaseRest:     {PhasePatrol: 0.55, PhaseMarch: 0.45},
	PhasePatrol:   {PhaseRest: 0.35, PhaseMarch: 0.35, PhaseContact: 0.30},
	PhaseMarch:    {PhaseRest: 0.30, PhasePatrol: 0.40, PhaseContact: 0.30},
	PhaseContact:  {PhaseRecovery: 1},
	PhaseRecovery: {PhaseRest: 0.4, PhasePatrol: 0.6},
}

// schedule is one squad's phase schedule, generated lazily from its own
// stream so that any future tick can be asked for at any time and the
// answer never depends on when it was asked.
type schedule struct {
	rng  *rand.Rand
	dt   int64 // tick, seconds
	segs []Segment
	end  int64 // start of the segment after the last generated one
	cur  int   // index of the segment holding the clock's current tick
}

func newSchedule(seed uint64, squad int, dt int64) *schedule {
	s := &schedule{rng: newStream(seed, streamSchedule, uint64(squad)), dt: dt}
	s.extend()
	return s
}

// extend appends one segment.
func (s *schedule) extend() {
	p, rng := PhaseRest, firstRest
	if n := len(s.segs); n > 0 {
		p = nextPhase(s.rng, s.segs[n-1].Phase)
		rng = phaseDuration[p]
	}
	minutes := uniform(s.rng, rng[0], rng[1])
	ticks := max(1, int64(math.Round(minutes*60/float64(s.dt))))
	s.segs = append(s.segs, Segment{Start: s.end, Phase: p})
	s.end += ticks * s.dt
}

func nextPhase(r *rand.Rand, p Phase) Phase {
	u := r.Float64()
	row := &transition[p]
	var last Phase
	for q, w := range row {
		if w == 0 {
			continue
		}
		last = Phase(q)
		if u < w {
			return Phase(q)
		}
		u -= w
	}
	return last
}

// ensure generates segments until one covers tick t.
func (s *schedule) ensure(t int64) {
	for s.end <= t {
		s.extend()
	}
}

// index returns the index of the segment holding tick t (t < 0 counts as 0).
func (s *schedule) index(t int64) int {
	s.ensure(t)
	i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].Start > t }) - 1
	return max(i, 0)
}

// at returns the phase at tick t.
func (s *schedule) at(t int64) Phase { return s.segs[s.index(t)].Phase }

// nextChange returns the start of the segment after the current one,
// generating it if needed.
func (s *schedule) nextChange() int64 {
	if s.cur+1 >= len(s.segs) {
		s.extend()
	}
	return s.segs[s.cur+1].Start
}

// between appends the segments overlapping [from, to] to dst.
func (s *schedule) between(from, to int64, dst []Segment) []Segment {
	if to < from {
		return dst
	}
	s.ensure(to)
	for i := s.index(from); i < len(s.segs) && s.segs[i].Start <= to; i++ {
		dst = append(dst, s.segs[i])
	}
	return dst
}

// ambientAt returns the ambient temperature at simulated seconds-of-day
// sod: mean + swing·cos(2π(sod − 15 h)/24 h), warmest at 15:00, rounded to
// 0.1 °C as a weather station reports it.
func ambientAt(mean, swing float64, sod int64) float64 {
	const day = 86400
	return round1(mean + swing*math.Cos(2*math.Pi*float64(sod-15*3600)/day))
}
