package evaluation

import (
	"encoding/json"
	"math"
	"slices"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"gonum.org/v1/gonum/stat"
)

// Event is one ground-truth label of a run with the phase its soldier was in
// when it started. Labels of kind KindArtefact are kept too: they are not
// events to detect, but an alert on one is counted as an artefact hit.
type Event struct {
	engine.Label
	Phase engine.Phase // the soldier's phase at Start
}

// Alert is one alert opening: a channel of a soldier opened at tick T.
type Alert struct {
	Soldier engine.SoldierID
	T       int64
	Channel detector.Channel
	Kind    engine.AnomalyKind // the scorer's classification
	Phase   engine.Phase       // the soldier's phase at T
}

// Run is what one simulated run produced for one detector: its labels, the
// detector's alert openings, and the soldier-ticks spent in each phase.
type Run struct {
	Events []Event
	Alerts []Alert
	// Exposure counts the soldier-ticks per phase after the probationary
	// period (Collector leaves the period out).
	Exposure [engine.NumPhases]int64
	First    int64 // the run's first tick
}

// Matching rules (documented in docs/detector.md):
//
//   - An event (a label whose kind IsEvent) is detected when an alert of
//     the same soldier, on any channel, opens within [Start, End+Grace].
//     Its delay is the first such opening tick minus Start.
//   - An alert is true when it opens within [Start, End+Grace] of some
//     event of its soldier, false otherwise. An alert within an artefact
//     label's window and no event's is false and also counted as an
//     artefact hit.
//   - A true alert is attributed to the matching event of its own kind if
//     there is one, else to the matching event that started first. Per
//     kind K: recall = detected K events / K events; precision = true
//     alerts attributed to K / (those + false alerts the scorer classified
//     as K). The kind is correct for a detected event when one of the
//     alerts that opened first for it carries the event's kind.
//   - Phase splits use the soldier's phase at the event's Start and at the
//     alert's opening; false alerts per soldier-hour divide by the
//     soldier-hours spent in that phase.
//   - Events under way at start (label Start ≤ the run's first tick) are
//     also counted in a slice of their own; every delay is measured from
//     the later of Start and the first tick.
//   - Probationary period (as NAB's, off by default): the first Probation
//     ticks of a run are not scored. Events that start in it are left out, alerts that open
//     in it are ignored, an alert that matches only left-out events is
//     neither true nor false, and its soldier-ticks are not exposure. No
//     scorer can know a soldier's normal before it has seen any of it: the
//     simulation starts in its steady state, so some anomalies are already
//     under way at tick 0.
type MatchConfig struct {
	// Grace is how many ticks after an event's End an opening still counts
	// for it. Persistence delays the opening of an alert on a short event,
	// and the simulated physiology does not snap back at End: each offset
	// decays with its kind's tail (heart rate 8–30 s, SpO2 20 s, stamina
	// 60 s, core temperature 90 s), during which secondary channels (SpO2
	// recovering after a collapse, core temperature cooling after heat
	// strain, a reading jumping back when a stuck sensor frees) can still
	// open on the event's own after-effects.
	Grace int64
	// Probation is how many ticks at the start of a run are not scored.
	Probation int64
}

// DefaultGrace is the default MatchConfig.Grace, in ticks: about one tail
// time constant of the simulated after-effects.
const DefaultGrace = 30

// DefaultProbation is the default MatchConfig.Probation, in ticks: none.
// A soldier already unwell when the monitor starts must be flagged too;
// the events under way at start have a row of their own instead
// (Tally.AtStart).
const DefaultProbation = 0

// StartWindow is the time, in ticks from a run's first tick, within which an
// event under way at start counts as caught in time (Goals.StartRecall).
const StartWindow = 60

// Counts are the raw tallies behind a set of metrics.
type Counts struct {
	Events      int     `json:"events"`
	Detected    int     `json:"detected"`
	KindCorrect int     `json:"kind_correct"`
	TrueAlerts  int     `json:"true_alerts"`
	FalseAlerts int     `json:"false_alerts"`
	Delays      []int64 `json:"-"`
}

func (c *Counts) add(o *Counts) {
	c.Events += o.Events
	c.Detected += o.Detected
	c.KindCorrect += o.KindCorrect
	c.TrueAlerts += o.TrueAlerts
	c.FalseAlerts += o.FalseAlerts
	c.Delays = append(c.Delays, o.Delays...)
}

// Metrics are event-level detection metrics for one slice of the data (all
// of it, one anomaly kind, or one phase). Rates are NaN where undefined
// (no events, no alerts); NaN is written as null in JSON.
type Metrics struct {
	Counts
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// KindAccuracy is the fraction of detected events whose first alert
	// named the right kind.
	KindAccuracy float64 `json:"kind_accuracy"`
	// DelayMedian and DelayP90 are detection delays in ticks (seconds).
	DelayMedian float64 `json:"delay_median_s"`
	DelayP90    float64 `json:"delay_p90_s"`
	// SoldierHours is the exposure behind FalsePerSoldierHour (0 for a
	// per-kind slice, where that rate is NaN).
	SoldierHours        float64 `json:"soldier_hours"`
	FalsePerSoldierHour float64 `json:"false_per_soldier_hour"`
}

// Tally accumulates matched runs of one detector.
type Tally struct {
	grace        int64
	probation    int64
	all          Counts
	kinds        [engine.NumKinds]Counts
	contact      Counts
	other        Counts
	atStart      Counts // events under way at the run's first tick
	exposure     [engine.NumPhases]int64
	artefactHits int
	dqFalse      int
	channels     [detector.NumChannels]Counts // alerts per channel (true/false only)
}

// NewTally returns an empty tally with the given matching rules.
func NewTally(m MatchConfig) *Tally { return &Tally{grace: m.Grace, probation: m.Probation} }

// Add matches one run's alerts against its events and adds the result.
func (t *Tally) Add(r *Run) {
	for p, n := range r.Exposure {
		t.exposure[p] += n
	}
	m := newRunMatch(r, t.probation)
	for i := range r.Alerts {
		a := &r.Alerts[i]
		if a.T < m.cut {
			continue
		}
		attributed, artefact, excluded := m.match(a, t.grace)
		if attributed < 0 && excluded {
			continue // an after-effect of an event left out with the probation
		}
		t.countAlert(a, attributed, artefact, r)
	}
	t.countEvents(m)
}

// runMatch is the matching of one run's alerts to its events: which events
// were detected, when first and whether by an alert of their kind.
type runMatch struct {
	r           *Run
	cut         int64 // events starting and alerts opening before it are left out (probation)
	bySoldier   map[engine.SoldierID][]int
	detected    []bool
	firstT      []int64
	firstKindOK []bool
}

// newRunMatch returns the matching of r before any alert, with the
// probation period probation (0: none).
func newRunMatch(r *Run, probation int64) *runMatch {
	n := len(r.Events)
	m := &runMatch{r: r, bySoldier: map[engine.SoldierID][]int{},
		detected: make([]bool, n), firstT: make([]int64, n), firstKindOK: make([]bool, n)}
	for i := range r.Events {
		m.bySoldier[r.Events[i].Soldier] = append(m.bySoldier[r.Events[i].Soldier], i)
	}
	for i := range m.firstT {
		m.firstT[i] = math.MaxInt64
	}
	m.cut = math.MinInt64 // without a probation every label counts, even one under way at the start
	if probation > 0 {
		m.cut = r.First + probation
	}
	return m
}

// match books alert a as a detection of every event of its soldier it
// opened within (start to end + grace) and returns the event it is
// attributed to (-1: none), whether it opened on an artefact, and whether
// it matched an event left out with the probation.
func (m *runMatch) match(a *Alert, grace int64) (attributed int, artefact, excluded bool) {
	attributed = -1
	for _, ei := range m.bySoldier[a.Soldier] {
		e := &m.r.Events[ei]
		if a.T < e.Start || a.T > e.End+grace {
			continue
		}
		if e.Start < m.cut {
			excluded = excluded || e.Kind.IsEvent()
			continue
		}
		if !e.Kind.IsEvent() {
			artefact = artefact || e.Kind == engine.KindArtefact
			continue
		}
		// Detection bookkeeping for every event this opening matches.
		m.detected[ei] = true
		switch {
		case a.T < m.firstT[ei]:
			m.firstT[ei], m.firstKindOK[ei] = a.T, a.Kind == e.Kind
		case a.T == m.firstT[ei] && a.Kind == e.Kind:
			m.firstKindOK[ei] = true
		}
		if attributed < 0 || betterMatch(a, e, &m.r.Events[attributed]) {
			attributed = ei
		}
	}
	return attributed, artefact, excluded
}

// countAlert counts alert a as true (attributed to event attributed of r)
// or false (attributed < 0).
func (t *Tally) countAlert(a *Alert, attributed int, artefact bool, r *Run) {
	contact := a.Phase == engine.PhaseContact
	if attributed < 0 {
		t.all.FalseAlerts++
		t.kinds[a.Kind].FalseAlerts++
		t.channels[a.Channel].FalseAlerts++
		t.phase(contact).FalseAlerts++
		if artefact {
			t.artefactHits++
		}
		if a.Channel >= detector.ChannelDropout {
			t.dqFalse++
		}
		return
	}
	t.all.TrueAlerts++
	t.kinds[r.Events[attributed].Kind].TrueAlerts++
	t.channels[a.Channel].TrueAlerts++
	t.phase(contact).TrueAlerts++
}

// countEvents counts the run's events (those not left out) as detected or
// missed, with their delays.
func (t *Tally) countEvents(m *runMatch) {
	for i := range m.r.Events {
		e := &m.r.Events[i]
		if !e.Kind.IsEvent() || e.Start < m.cut {
			continue
		}
		var c Counts
		c.Events = 1
		if m.detected[i] {
			c.Detected = 1
			c.Delays = []int64{m.firstT[i] - max(e.Start, m.r.First)}
			if m.firstKindOK[i] {
				c.KindCorrect = 1
			}
		}
		t.all.add(&c)
		t.kinds[e.Kind].add(&c)
		t.phase(e.Phase == engine.PhaseContact).add(&c)
		if e.Start <= m.r.First {
			t.atStart.add(&c)
		}
	}
}

// betterMatch reports whether event e is a better attribution of alert a
// than event cur: one of a's own kind first, then the earlier start.
func betterMatch(a *Alert, e, cur *Event) bool {
	es, cs := e.Kind == a.Kind, cur.Kind == a.Kind
	if es != cs {
		return es
	}
	return e.Start < cur.Start
}

func (t *Tally) phase(contact bool) *Counts {
	if contact {
		return &t.contact
	}
	return &t.other
}

// soldierHours converts soldier-ticks of one second to soldier-hours.
func soldierHours(ticks int64) float64 { return float64(ticks) / 3600 }

// Overall returns the metrics over every event kind and phase.
func (t *Tally) Overall() Metrics {
	var n int64
	for _, e := range t.exposure {
		n += e
	}
	return metricsOf(&t.all, soldierHours(n))
}

// Kind returns the metrics of one anomaly kind. Its FalseAlerts are the
// false alerts the scorer classified as k; FalsePerSoldierHour divides them
// by all soldier-hours.
func (t *Tally) Kind(k engine.AnomalyKind) Metrics {
	var n int64
	for _, e := range t.exposure {
		n += e
	}
	return metricsOf(&t.kinds[k], soldierHours(n))
}

// AtStart returns the metrics of the events under way at a run's first
// tick (none with a probation: they are left out), their delays measured
// from that tick. Precision, F1 and the false-alert rate are undefined
// (NaN): an alert is not owned by this slice.
func (t *Tally) AtStart() Metrics {
	m := metricsOf(&t.atStart, 0)
	m.Precision, m.F1 = math.NaN(), math.NaN()
	return m
}

// WithoutHeat returns the events of every kind but heat strain, detected
// or missed, with their delays: the slice issue 18's median-delay goal is
// checked on (heat strain is reported apart, see Goals). Like AtStart it
// owns no alerts, so precision, F1 and the false-alert rate are undefined
// (NaN).
func (t *Tally) WithoutHeat() Metrics {
	var c Counts
	for k := range t.kinds {
		if engine.AnomalyKind(k) != engine.KindHeatStrain {
			c.Events += t.kinds[k].Events
			c.Detected += t.kinds[k].Detected
			c.KindCorrect += t.kinds[k].KindCorrect
			c.Delays = append(c.Delays, t.kinds[k].Delays...)
		}
	}
	m := metricsOf(&c, 0)
	m.Precision, m.F1 = math.NaN(), math.NaN()
	return m
}

// Contact returns the metrics of events starting and alerts opening in the
// contact phase; Other those of every other phase.
func (t *Tally) Contact() Metrics {
	return metricsOf(&t.contact, soldierHours(t.exposure[engine.PhaseContact]))
}

// Other returns the metrics outside the contact phase; see Contact.
func (t *Tally) Other() Metrics {
	var n int64
	for p, e := range t.exposure {
		if engine.Phase(p) != engine.PhaseContact {
			n += e
		}
	}
	return metricsOf(&t.other, soldierHours(n))
}

// ArtefactHits is the number of false alerts that opened on a motion
// artefact.
func (t *Tally) ArtefactHits() int { return t.artefactHits }

// DataQualityFalse is the number of false alerts from the data-quality
// channels (dropout, stuck).
func (t *Tally) DataQualityFalse() int { return t.dqFalse }

// ChannelAlerts returns the true and false alerts that opened on channel c.
func (t *Tally) ChannelAlerts(c detector.Channel) (true_, false_ int) {
	return t.channels[c].TrueAlerts, t.channels[c].FalseAlerts
}

// metricsJSON is Metrics as written to JSON: undefined rates are null.
type metricsJSON struct {
	Events              int      `json:"events"`
	Detected            int      `json:"detected"`
	KindCorrect         int      `json:"kind_correct"`
	TrueAlerts          int      `json:"true_alerts"`
	FalseAlerts         int      `json:"false_alerts"`
	Precision           *float64 `json:"precision"`
	Recall              *float64 `json:"recall"`
	F1                  *float64 `json:"f1"`
	KindAccuracy        *float64 `json:"kind_accuracy"`
	DelayMedian         *float64 `json:"delay_median_s"`
	DelayP90            *float64 `json:"delay_p90_s"`
	SoldierHours        float64  `json:"soldier_hours"`
	FalsePerSoldierHour *float64 `json:"false_per_soldier_hour"`
}

func (m *Metrics) json() metricsJSON {
	return metricsJSON{m.Events, m.Detected, m.KindCorrect, m.TrueAlerts, m.FalseAlerts,
		finite(m.Precision), finite(m.Recall), finite(m.F1), finite(m.KindAccuracy),
		finite(m.DelayMedian), finite(m.DelayP90), m.SoldierHours, finite(m.FalsePerSoldierHour)}
}

// MarshalJSON writes the metrics with undefined (NaN) rates as null.
func (m Metrics) MarshalJSON() ([]byte, error) { return json.Marshal(m.json()) }

// finite returns &x, or nil for NaN and ±Inf (written as JSON null).
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func metricsOf(c *Counts, hours float64) Metrics {
	m := Metrics{Counts: *c, SoldierHours: hours}
	m.Delays = slices.Clone(c.Delays)
	m.Precision = ratio(c.TrueAlerts, c.TrueAlerts+c.FalseAlerts)
	m.Recall = ratio(c.Detected, c.Events)
	m.KindAccuracy = ratio(c.KindCorrect, c.Detected)
	m.F1 = math.NaN()
	if !math.IsNaN(m.Precision) && !math.IsNaN(m.Recall) {
		if m.Precision+m.Recall == 0 {
			m.F1 = 0
		} else {
			m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
		}
	}
	m.DelayMedian = percentile(m.Delays, 0.5)
	m.DelayP90 = percentile(m.Delays, 0.9)
	m.FalsePerSoldierHour = math.NaN()
	if hours > 0 {
		m.FalsePerSoldierHour = float64(c.FalseAlerts) / hours
	}
	return m
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// percentile returns the nearest-rank p-quantile of xs (sorted in place):
// the smallest x with at least ⌈p·n⌉ values ≤ x (gonum's empirical
// quantile); NaN for no values.
func percentile(xs []int64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	fs := make([]float64, len(xs))
	for i, x := range xs {
		fs[i] = float64(x)
	}
	return stat.Quantile(p, stat.Empirical, fs, nil)
}
