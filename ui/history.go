package ui

import (
	"math"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// DefaultHistory is how many ticks of each soldier the dashboard keeps for
// its charts: a little over eight minutes at one-second ticks.
const DefaultHistory = 512

// sample is one soldier at one tick as the charts need it. Readings and
// forecasts are float32 (the charts have a few dozen rows of resolution);
// NaN marks a missing reading or no forecast.
type sample struct {
	t     int64
	v     [engine.NumVitals]float32
	q     [engine.NumVitals][detector.NumQuantiles]float32
	out   [engine.NumVitals]float32
	state detector.State
	phase engine.Phase
	truth engine.AnomalyKind // ground-truth label active at t (KindNone: none)
	kind  engine.AnomalyKind // alert kind open at t (KindNone: none)
}

// history is a ring of the last samples of one soldier, oldest first.
type history struct {
	s    []sample
	head int // index of the oldest sample
	n    int // samples held
}

func newHistory(capacity int) history { return history{s: make([]sample, capacity)} }

// clear forgets every sample (after a seek).
func (h *history) clear() { h.head, h.n = 0, 0 }

// push appends a sample, dropping the oldest when full; it returns the slot
// to fill.
func (h *history) push() *sample {
	c := len(h.s)
	if h.n < c {
		i := (h.head + h.n) % c
		h.n++
		return &h.s[i]
	}
	i := h.head
	h.head = (h.head + 1) % c
	return &h.s[i]
}

// at returns the i-th sample, oldest first.
func (h *history) at(i int) *sample { return &h.s[(h.head+i)%len(h.s)] }

// last returns the newest sample; nil if empty.
func (h *history) last() *sample {
	if h.n == 0 {
		return nil
	}
	return h.at(h.n - 1)
}

var nan32 = float32(math.NaN())

// fill records one tick: the observation, its verdict (nil: unscored) and
// the ground-truth kind.
func (s *sample) fill(o *engine.Observation, v *detector.Verdict, truth engine.AnomalyKind) {
	s.t = o.T
	s.phase = o.Phase
	s.truth = truth
	for i := range engine.NumVitals {
		s.v[i] = float32(o.Values[i])
		if o.Missing.Has(engine.Vital(i)) {
			s.v[i] = nan32
		}
	}
	if v == nil {
		s.state = detector.StateWarmingUp
		s.kind = engine.KindNone
		for i := range engine.NumVitals {
			s.out[i] = 0
			for j := range detector.NumQuantiles {
				s.q[i][j] = nan32
			}
		}
		return
	}
	s.state = v.State
	s.kind = v.Kind
	for i := range engine.NumVitals {
		vv := &v.Vitals[i]
		s.out[i] = float32(vv.Out)
		for j := range detector.NumQuantiles {
			s.q[i][j] = float32(vv.Forecast[j])
		}
	}
}

// blank records a tick with nothing known (a gap in the feed).
func (s *sample) blank(t int64) {
	*s = sample{t: t, state: detector.StateNoData}
	for i := range engine.NumVitals {
		s.v[i] = nan32
		for j := range detector.NumQuantiles {
			s.q[i][j] = nan32
		}
	}
}
