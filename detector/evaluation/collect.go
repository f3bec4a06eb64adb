package evaluation

import (
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Collector turns a stream of frames and, per detector (a lane), their
// verdicts into the Runs a Tally matches: the events from the frames'
// ground truth, the alert openings from the verdicts, and the exposure per
// phase after the probationary period. Evaluate and the evaluation of
// recordings both use it.
type Collector struct {
	probation int64
	first     int64
	started   bool
	seen      map[labelKey]bool
	events    []Event
	exposure  [engine.NumPhases]int64
	alerts    [][]Alert
}

type labelKey struct {
	s     engine.SoldierID
	start int64
	kind  engine.AnomalyKind
}

// NewCollector returns a collector for lanes detectors with the
// probationary period of m.
func NewCollector(lanes int, m MatchConfig) *Collector {
	return &Collector{probation: m.Probation, seen: map[labelKey]bool{}, alerts: make([][]Alert, lanes)}
}

// Frame takes one frame's ground truth and exposure. Call it once per frame,
// in tick order, before or after the lanes' Verdicts for it.
func (c *Collector) Frame(f *engine.Frame) {
	if !c.started {
		c.first, c.started = f.T, true
	}
	if f.T >= c.first+c.probation {
		for i := range f.Obs {
			c.exposure[min(f.Obs[i].Phase, engine.NumPhases-1)]++
		}
	}
	for _, l := range f.Truth {
		k := labelKey{l.Soldier, l.Start, l.Kind}
		if c.seen[k] {
			continue
		}
		c.seen[k] = true
		ph := engine.PhaseRest
		if i := obsIndex(f.Obs, l.Soldier); i >= 0 {
			ph = f.Obs[i].Phase
		}
		c.events = append(c.events, Event{Label: l, Phase: ph})
	}
}

// Verdicts takes the alert openings among one lane's verdicts.
func (c *Collector) Verdicts(lane int, vs []detector.Verdict) {
	for j := range vs {
		v := &vs[j]
		for ch := range v.Channels {
			if v.Channels[ch].Opened {
				c.alerts[lane] = append(c.alerts[lane], Alert{Soldier: v.Soldier, T: v.T,
					Channel: detector.Channel(ch), Kind: v.Channels[ch].Kind, Phase: v.Phase})
			}
		}
	}
}

// Run returns what lane collected (the events are shared between lanes).
func (c *Collector) Run(lane int) Run {
	return Run{Events: c.events, Alerts: c.alerts[lane], Exposure: c.exposure, First: c.first}
}

// obsIndex returns the index of soldier id in obs (sorted by id), or −1.
func obsIndex(obs []engine.Observation, id engine.SoldierID) int {
	lo, hi := 0, len(obs)
	for lo < hi {
		m := (lo + hi) / 2
		if obs[m].Soldier < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(obs) && obs[lo].Soldier == id {
		return lo
	}
	return -1
}

// NewDetectorReport summarises a detector's tally.
func NewDetectorReport(name string, cal *detector.Calibration, t *Tally, elapsed time.Duration) DetectorReport {
	dr := DetectorReport{Name: name, Calibration: cal, Overall: t.Overall(),
		Contact: t.Contact(), Other: t.Other(), AtStart: t.AtStart(), WithoutHeat: t.WithoutHeat(), ArtefactHits: t.ArtefactHits(),
		DataQualityFalse: t.DataQualityFalse(), Elapsed: elapsed}
	for _, d := range dr.AtStart.Delays {
		if d <= StartWindow {
			dr.AtStartInTime++
		}
	}
	for k := range engine.AnomalyKind(engine.NumKinds) {
		if k.IsEvent() {
			dr.Kinds = append(dr.Kinds, KindReport{Kind: k.String(), Metrics: t.Kind(k)})
		}
	}
	for ch := range detector.Channel(detector.NumChannels) {
		tr, fa := t.ChannelAlerts(ch)
		dr.Channels = append(dr.Channels, ChannelCount{Channel: ch.String(), True: tr, False: fa})
	}
	return dr
}
