package storetest

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Gen is a tiny deterministic stand-in for the simulation: random walks of
// the four vitals with explicit missing readings, a phase schedule and an
// ambient temperature. The same seed gives the same frames. Frame times
// start at 2026-07-01 06:00 UTC (tick 0) and advance a second per tick.
type Gen struct {
	rng   *rand.Rand
	state map[engine.SoldierID]*[engine.NumVitals]float64
	start time.Time
}

// NewGen returns a generator seeded with seed.
func NewGen(seed uint64) *Gen {
	return &Gen{rng: rand.New(rand.NewPCG(seed, 0x5eed)), state: map[engine.SoldierID]*[engine.NumVitals]float64{},
		start: time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC)}
}

// Start is the wall-clock time of tick 0 in the frames.
func (g *Gen) Start() time.Time { return g.start }

// Profiles returns random profiles of soldiers 1…n.
func (g *Gen) Profiles(n int) []engine.Profile {
	ps := make([]engine.Profile, n)
	for i := range ps {
		age := 20 + 20*g.rng.Float64()
		ps[i] = engine.Profile{ID: engine.SoldierID(i + 1), Squad: i / 10, Age: age,
			Fitness: engine.FitnessClass(g.rng.IntN(engine.NumFitness)), RestingHR: 55 + 15*g.rng.Float64(),
			HRMax: engine.HRMaxForAge(age), Mass: 65 + 25*g.rng.Float64(), Acclimatised: g.rng.Float64(),
			BaseCoreTemp: 36.8 + 0.4*g.rng.Float64()}
	}
	return ps
}

// Obs returns soldier id's next observation, at tick t: one step of its
// random walk.
func (g *Gen) Obs(id engine.SoldierID, t int64) engine.Observation {
	s := g.state[id]
	if s == nil {
		s = &[engine.NumVitals]float64{75, 100, 37.2, 98}
		g.state[id] = s
	}
	s[engine.HeartRate] = min(max(s[engine.HeartRate]+2*g.rng.NormFloat64(), 45), 190)
	s[engine.Stamina] = min(max(s[engine.Stamina]-0.2+0.5*g.rng.NormFloat64(), 0), 100)
	s[engine.CoreTemp] = min(max(s[engine.CoreTemp]+0.01*g.rng.NormFloat64(), 36), 40)
	s[engine.SpO2] = min(max(s[engine.SpO2]+0.2*g.rng.NormFloat64(), 85), 100)
	phase := func(t int64) engine.Phase { return engine.Phase((t / 60) % engine.NumPhases) }
	o := engine.Observation{Soldier: id, T: t, Values: *s, Phase: phase(t), NextPhase: phase(t + 1),
		Ambient: 22 + 3*math.Sin(float64(t)/3600)}
	for v := range engine.Vital(engine.NumVitals) {
		if g.rng.IntN(20) == 0 {
			o.SetMissing(v)
		}
	}
	return o
}

// Frames returns ticks frames of soldiers 1…n from tick t0 on.
func (g *Gen) Frames(n, ticks int, t0 int64) []engine.Frame {
	fs := make([]engine.Frame, ticks)
	for i := range fs {
		t := t0 + int64(i)
		f := engine.Frame{T: t, Time: g.start.Add(time.Duration(t) * time.Second), Obs: make([]engine.Observation, n)}
		for j := range f.Obs {
			f.Obs[j] = g.Obs(engine.SoldierID(j+1), t)
		}
		fs[i] = f
	}
	return fs
}

// SameObs reports whether two observations are identical, NaN payloads
// included.
func SameObs(a, b engine.Observation) bool {
	if a.Soldier != b.Soldier || a.T != b.T || a.Missing != b.Missing || a.Phase != b.Phase ||
		a.NextPhase != b.NextPhase || math.Float64bits(a.Ambient) != math.Float64bits(b.Ambient) {
		return false
	}
	for v := range a.Values {
		if math.Float64bits(a.Values[v]) != math.Float64bits(b.Values[v]) {
			return false
		}
	}
	return true
}
