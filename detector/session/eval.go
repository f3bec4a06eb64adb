package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// EvalOptions says how Evaluate scores a recording.
type EvalOptions struct {
	// Recorded evaluates the verdicts stored in the file, as the detector
	// that produced them saw the session (needs a session recording).
	Recorded bool
	// Detectors are scored afresh on the recorded frames, each with a new
	// scorer behind its own in-memory store.
	Detectors []detector.Detector
	// Match holds the matching rules (Grace 0: detector.DefaultGrace).
	Match detector.MatchConfig
}

// RecordedName is the name Evaluate gives the recorded verdicts in its
// report: "recorded:" and the detector that produced them.
func RecordedName(m Meta) string {
	if m.Detector == "" {
		return "recorded"
	}
	return "recorded:" + m.Detector
}

// Evaluate matches the alerts of the recorded verdicts and/or of detectors
// re-scoring the recorded frames against the recording's ground truth, in
// one pass over the file, and reports event-level metrics per detector as
// detector.Evaluate does for simulations.
func Evaluate(ctx context.Context, path string, o EvalOptions) (*detector.Report, error) {
	if !o.Recorded && len(o.Detectors) == 0 {
		return nil, fmt.Errorf("%w: evaluate %q: no detectors and no recorded verdicts asked for", detector.ErrConfig, path)
	}
	if o.Match.Grace == 0 {
		o.Match.Grace = detector.DefaultGrace
	}
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if o.Recorded && !r.HasVerdicts() {
		return nil, fmt.Errorf("evaluate %q: it holds no verdicts (a frame recording): name detectors to score it with", path)
	}
	type lane struct {
		name    string
		cal     *detector.Calibration
		replay  *Replay // nil: the recorded verdicts of r
		run     detector.Run
		elapsed time.Duration
	}
	var lanes []*lane
	if o.Recorded {
		lanes = append(lanes, &lane{name: RecordedName(r.Meta())})
	}
	for _, d := range o.Detectors {
		// Each re-scoring lane reads the file itself: a Replay scores as it
		// reads, and the lanes stay independent.
		lr, err := Open(path, WithRescore(d.New))
		if err != nil {
			return nil, fmt.Errorf("evaluate %s: %w", d.Name, err)
		}
		defer lr.Close()
		lanes = append(lanes, &lane{name: d.Name, cal: d.Calibration, replay: lr})
	}

	type key struct {
		s     engine.SoldierID
		start int64
		kind  engine.AnomalyKind
	}
	seen := map[key]bool{}
	var events []detector.Event
	var exposure [engine.NumPhases]int64
	collect := func(l *lane, vs []detector.Verdict) {
		for j := range vs {
			v := &vs[j]
			for c := range v.Channels {
				if v.Channels[c].Opened {
					l.run.Alerts = append(l.run.Alerts, detector.Alert{Soldier: v.Soldier, T: v.T,
						Channel: detector.Channel(c), Kind: v.Channels[c].Kind, Phase: v.Phase})
				}
			}
		}
	}
	for {
		f, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for i := range f.Obs {
			exposure[min(f.Obs[i].Phase, engine.NumPhases-1)]++
		}
		for _, l := range f.Truth {
			k := key{l.Soldier, l.Start, l.Kind}
			if seen[k] {
				continue
			}
			seen[k] = true
			ph := engine.PhaseRest
			if i := obsIndex(f.Obs, l.Soldier); i >= 0 {
				ph = f.Obs[i].Phase
			}
			events = append(events, detector.Event{Label: l, Phase: ph})
		}
		for _, l := range lanes {
			if l.replay == nil {
				collect(l, r.Verdicts())
				continue
			}
			start := time.Now()
			lf, err := l.replay.Next(ctx)
			l.elapsed += time.Since(start)
			if err != nil {
				return nil, fmt.Errorf("evaluate %s: %w", l.name, err)
			}
			if lf.T != f.T {
				return nil, fmt.Errorf("evaluate %s: read tick %d beside tick %d", l.name, lf.T, f.T)
			}
			collect(l, l.replay.Verdicts())
		}
	}

	h := r.Header()
	rep := &detector.Report{Soldiers: len(h.Profiles), Grace: o.Match.Grace}
	if r.Len() > 0 {
		rep.Duration = time.Duration(r.Last()-r.First())*time.Second + r.Tick()
	}
	if c := h.Config; c != nil {
		rep.Seeds, rep.PoisonRate, rep.Artefacts = []uint64{c.Seed}, c.PoisonRate, c.ArtefactRate
	}
	for _, l := range lanes {
		l.run.Events, l.run.Exposure = events, exposure
		t := detector.NewTally(o.Match)
		t.Add(&l.run)
		dr := detector.DetectorReport{Name: l.name, Calibration: l.cal, Overall: t.Overall(),
			Contact: t.Contact(), Other: t.Other(), ArtefactHits: t.ArtefactHits(),
			DataQualityFalse: t.DataQualityFalse(), Elapsed: l.elapsed}
		for k := range engine.AnomalyKind(engine.NumKinds) {
			if k.IsEvent() {
				dr.Kinds = append(dr.Kinds, detector.KindReport{Kind: k.String(), Metrics: t.Kind(k)})
			}
		}
		for c := range detector.Channel(detector.NumChannels) {
			tr, fa := t.ChannelAlerts(c)
			dr.Channels = append(dr.Channels, detector.ChannelCount{Channel: c.String(), True: tr, False: fa})
		}
		rep.SoldierHours = dr.Overall.SoldierHours
		rep.Detectors = append(rep.Detectors, dr)
	}
	return rep, nil
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
