package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
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
	lanes, err := openLanes(path, r, o)
	defer closeLanes(lanes)
	if err != nil {
		return nil, err
	}
	col := evaluation.NewCollector(len(lanes), o.Match)
	if err := collect(ctx, r, lanes, col); err != nil {
		return nil, err
	}
	return report(path, r, o.Match, lanes, col), nil
}

// evalLane is one column of an evaluation: the recorded verdicts or one
// detector re-scoring the recording.
type evalLane struct {
	name    string
	cal     *detector.Calibration
	replay  *Replay       // nil: the recorded verdicts of r
	elapsed time.Duration // time spent in replay.Next
}

// openLanes returns the lanes o asks for: the recorded verdicts of r, then
// one per detector, each on its own Replay of path. On error it returns
// the lanes opened so far, for closeLanes.
func openLanes(path string, r *Replay, o EvalOptions) ([]*evalLane, error) {
	var lanes []*evalLane
	if o.Recorded {
		lanes = append(lanes, &evalLane{name: RecordedName(r.Meta())})
	}
	for _, d := range o.Detectors {
		// Each re-scoring lane reads the file itself: a Replay scores as it
		// reads, and the lanes stay independent.
		lr, err := Open(path, WithRescore(d.New))
		if err != nil {
			return lanes, fmt.Errorf("evaluate %s: %w", d.Name, err)
		}
		lanes = append(lanes, &evalLane{name: d.Name, cal: d.Calibration, replay: lr})
	}
	return lanes, nil
}

// closeLanes closes the lanes' replays, last opened first.
func closeLanes(lanes []*evalLane) {
	for _, l := range slices.Backward(lanes) {
		if l.replay != nil {
			l.replay.Close()
		}
	}
}

// collect reads r to its end and hands col every frame and, per lane, the
// verdicts on it, timing each re-scoring lane.
func collect(ctx context.Context, r *Replay, lanes []*evalLane, col *evaluation.Collector) error {
	for {
		f, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
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
				return fmt.Errorf("evaluate %s: %w", l.name, err)
			}
			if lf.T != f.T {
				return fmt.Errorf("evaluate %s: read tick %d beside tick %d", l.name, lf.T, f.T)
			}
			col.Verdicts(li, l.replay.Verdicts())
		}
	}
}

// report builds the report of recording path (read as r) from the lanes'
// alerts collected in col.
func report(path string, r *Replay, m evaluation.MatchConfig, lanes []*evalLane, col *evaluation.Collector) *evaluation.Report {
	h := r.Header()
	rep := &evaluation.Report{Recording: path, Soldiers: len(h.Profiles), Grace: m.Grace, Probation: m.Probation}
	if r.Len() > 0 {
		rep.Duration = time.Duration(r.Last()-r.First())*time.Second + r.Tick()
	}
	if c := h.Config; c != nil {
		rep.Seeds, rep.PoisonRate, rep.Artefacts = []uint64{c.Seed}, c.PoisonRate, c.ArtefactRate
	}
	for li, l := range lanes {
		run := col.Run(li)
		t := evaluation.NewTally(m)
		t.Add(&run)
		dr := evaluation.NewDetectorReport(l.name, l.cal, t, l.elapsed)
		rep.SoldierHours = dr.Overall.SoldierHours
		rep.Detectors = append(rep.Detectors, dr)
	}
	return rep
}
