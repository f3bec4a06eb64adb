package engine

import "math"

// Stats accumulates a summary of frames: ticks, labels by kind, the poison
// rate achieved, and the distribution of every vital and of PSI per phase
// over the normal soldier-ticks: outside any label and not within Settle
// seconds after an event window (while the anomaly's tail fades). The sim
// command prints it; the tests check the documented ranges with it.
type Stats struct {
	Ticks        int64            // frames added
	SoldierTicks int64            // observations added
	EventTicks   int64            // observations inside event windows (artefacts excluded)
	KindTicks    [NumKinds]int64  // observations inside each kind's windows
	KindCount    [NumKinds]int    // labels seen at their first tick
	Missing      [NumVitals]int64 // missing readings

	vitals [NumPhases][NumVitals]hist
	psi    [NumPhases]hist
	prof   []Profile
	byID   map[SoldierID]int // profile index by id, when ids are not 1…n
	settle map[SoldierID]int64
	// settleAt is settle by profile index (the fast path for known soldiers).
	settleAt []int64
}

// Settle is how long after an event window Stats still ignores a soldier's
// readings, seconds: by then every anomaly tail has faded below the sensor
// resolution (the slowest, heat strain with τ = 90 s, takes ≈ 560 s to go
// from 1.5 °C to under 0.003 °C, where the engine zeroes it).
const Settle = 600

// Dist summarises a distribution: count, mean, extremes and quantiles.
type Dist struct {
	N                       int64
	Mean, Min, Max          float64
	P01, P05, P50, P95, P99 float64
}

// NewStats returns an empty summary; profiles (for PSI) may be nil, and
// soldiers without a profile count toward everything but PSI.
func NewStats(profiles []Profile) *Stats {
	s := &Stats{prof: profiles, settle: map[SoldierID]int64{}, settleAt: make([]int64, len(profiles))}
	for i := range s.settleAt {
		s.settleAt[i] = math.MinInt64
	}
	for i, p := range profiles {
		if p.ID != SoldierID(i+1) {
			s.byID = map[SoldierID]int{}
			for j, q := range profiles {
				s.byID[q.ID] = j
			}
			break
		}
	}
	for p := range s.vitals {
		s.vitals[p] = [NumVitals]hist{
			HeartRate: newHist(0, 1, 260),
			Stamina:   newHist(0, 0.1, 1001),
			CoreTemp:  newHist(34, 0.01, 901),
			SpO2:      newHist(0, 1, 101),
		}
		s.psi[p] = newHist(0, 0.05, 201)
	}
	return s
}

// Add accounts for one frame. Frames must list observations and truth
// sorted by soldier, as every Source does.
func (s *Stats) Add(f *Frame) {
	s.Ticks++
	s.SoldierTicks += int64(len(f.Obs))
	for _, l := range f.Truth {
		if l.Start == f.T {
			s.KindCount[l.Kind%NumKinds]++
		}
		if l.Kind.IsEvent() {
			s.EventTicks++
		}
		s.KindTicks[l.Kind%NumKinds]++
	}
	j := 0
	for i := range f.Obs {
		o := &f.Obs[i]
		for v := range Vital(NumVitals) {
			if o.Missing.Has(v) {
				s.Missing[v]++
			}
		}
		for j < len(f.Truth) && f.Truth[j].Soldier < o.Soldier {
			j++
		}
		k, known := s.profile(o.Soldier)
		if j < len(f.Truth) && f.Truth[j].Soldier == o.Soldier {
			if l := f.Truth[j]; l.Kind.IsEvent() {
				if known {
					s.settleAt[k] = l.End + Settle
				} else {
					s.settle[o.Soldier] = l.End + Settle
				}
			}
			continue // labelled: not normal physiology
		}
		if known && o.T <= s.settleAt[k] {
			continue
		}
		if !known && len(s.settle) > 0 && o.T <= s.settle[o.Soldier] {
			continue
		}
		ph := o.Phase % NumPhases
		for v := range Vital(NumVitals) {
			if !o.Missing.Has(v) {
				s.vitals[ph][v].add(o.Values[v])
			}
		}
		if known {
			if psi := o.PSI(s.prof[k]); !math.IsNaN(psi) {
				s.psi[ph].add(psi)
			}
		}
	}
}

func (s *Stats) profile(id SoldierID) (int, bool) {
	if s.byID == nil {
		k := int(id) - 1
		return k, k >= 0 && k < len(s.prof)
	}
	k, ok := s.byID[id]
	return k, ok
}

// PoisonRate returns the fraction of soldier-ticks inside event windows.
func (s *Stats) PoisonRate() float64 {
	if s.SoldierTicks == 0 {
		return 0
	}
	return float64(s.EventTicks) / float64(s.SoldierTicks)
}

// Vital returns the distribution of vital v in phase p outside labels.
func (s *Stats) Vital(p Phase, v Vital) Dist { return s.vitals[p%NumPhases][v%NumVitals].dist() }

// PSI returns the distribution of PSI in phase p outside labels.
func (s *Stats) PSI(p Phase) Dist { return s.psi[p%NumPhases].dist() }

// hist is a fixed-bin histogram of readings already rounded to its step.
type hist struct {
	lo, step float64
	counts   []int64
	n        int64
	sum      float64
	min, max float64
}

func newHist(lo, step float64, bins int) hist {
	return hist{lo: lo, step: step, counts: make([]int64, bins), min: math.Inf(1), max: math.Inf(-1)}
}

func (h *hist) add(x float64) {
	i := int(math.Round((x - h.lo) / h.step))
	i = min(max(i, 0), len(h.counts)-1)
	h.counts[i]++
	h.n++
	h.sum += x
	h.min = min(h.min, x)
	h.max = max(h.max, x)
}

// quantile returns the bin value at quantile q.
func (h *hist) quantile(q float64) float64 {
	want := int64(math.Ceil(q * float64(h.n)))
	want = max(want, 1)
	var c int64
	for i, k := range h.counts {
		c += k
		if c >= want {
			return h.lo + float64(i)*h.step
		}
	}
	return h.max
}

func (h *hist) dist() Dist {
	if h.n == 0 {
		nan := math.NaN()
		return Dist{Mean: nan, Min: nan, Max: nan, P01: nan, P05: nan, P50: nan, P95: nan, P99: nan}
	}
	return Dist{N: h.n, Mean: h.sum / float64(h.n), Min: h.min, Max: h.max,
		P01: h.quantile(0.01), P05: h.quantile(0.05), P50: h.quantile(0.5), P95: h.quantile(0.95), P99: h.quantile(0.99)}
}
