package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/evaluation"
)

// EvalOptions says how Evaluate scores a recording.
type EvalOptions struct {
	// Recorded evaluates the verdicts stored in the file, as the detector
	// that produced them saw the session (needs a session recording).
	Recorded bool
	// Detectors are scored afresh on the recorded frames, each with a new
	// scorer behind its own in-memory store.
	Detectors []evaluation.Detector
	// Match holds the matching rules (Grace 0: evaluation.DefaultGrace).
	Match evaluation.MatchConfig
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
// evaluation.Evaluate does for simulations.
func Evaluate(ctx context.Context, path string, o EvalOptions) (*evaluation.Report, error) {
	if !o.Recorded && len(o.Detectors) == 0 {
		return nil, fmt.Errorf("%w: evaluate %q: no detectors and no recorded verdicts asked for", detector.ErrConfig, path)
	}
	if o.Match.Grace == 0 {
		o.Match.Grace = evaluation.DefaultGrace
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

	col := evaluation.NewCollector(len(lanes), o.Match)
	for {
		f, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		col.Frame(&f)
		for li, l := range lanes {
			if l.replay == nil {
				col.Verdicts(li, r.Verdicts())
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
			col.Verdicts(li, l.replay.Verdicts())
		}
	}

	h := r.Header()
	rep := &evaluation.Report{Recording: path, Soldiers: len(h.Profiles), Grace: o.Match.Grace, Probation: o.Match.Probation}
	if r.Len() > 0 {
		rep.Duration = time.Duration(r.Last()-r.First())*time.Second + r.Tick()
	}
	if c := h.Config; c != nil {
		rep.Seeds, rep.PoisonRate, rep.Artefacts = []uint64{c.Seed}, c.PoisonRate, c.ArtefactRate
	}
	for li, l := range lanes {
		run := col.Run(li)
		t := evaluation.NewTally(o.Match)
		t.Add(&run)
		dr := evaluation.NewDetectorReport(l.name, l.cal, t, l.elapsed)
		rep.SoldierHours = dr.Overall.SoldierHours
		rep.Detectors = append(rep.Detectors, dr)
	}
	return rep, nil
}
