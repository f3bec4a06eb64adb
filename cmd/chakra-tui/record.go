package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Opening recordings for the modes: every mode then steps the replay (or
// records its battlefield) through a live runtime.

// errRecordReplay refuses --record with --replay.
var errRecordReplay = errors.New("--record and --replay together: a replay is already a recording (to score it with another detector use --rescore, or `chakra-tui eval --replay FILE`)")

// scorerFactory returns a constructor of the detector named by --scorer
// (see loadScorer), for replays that score again after every seek; the
// model is read once.
func scorerFactory(name, modelPath string) (func() (detector.Scorer, error), string, string, error) {
	s, err := loadScorer(name, modelPath)
	if err != nil {
		return nil, "", "", err
	}
	return s.build, s.name, s.note, nil
}

// replayed is an opened replay with what a screen says about it.
type replayed struct {
	r        *session.Replay
	source   string // for the header: "replay run.chakra.gz · recorded tft verdicts"
	detector string
	note     string
	warning  string // what a cut recording lost (engine.Truncation), "" for a whole one
}

// openReplay opens the recording at path for a mode. It shows the recorded
// verdicts, or scores the frames again with --scorer when rescore is set or
// when the file holds none (a `sim --record` file).
func openReplay(path string, rescore bool, scorer, modelPath string) (*replayed, error) {
	probe, err := session.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--replay: %w", err)
	}
	meta, has := probe.Meta(), probe.HasVerdicts()
	probe.Close()
	base := filepath.Base(path)
	if has && !rescore {
		r, err := session.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--replay: %w", err)
		}
		name := meta.Detector
		if name == "" {
			name = "recorded"
		}
		return withWarning(&replayed{r: r, source: "replay " + base + " · recorded verdicts", detector: name, note: meta.Note}), nil
	}
	newScorer, display, note, err := scorerFactory(scorer, modelPath)
	if err != nil {
		return nil, err
	}
	r, err := session.Open(path, session.WithRescore(newScorer))
	if err != nil {
		return nil, fmt.Errorf("--replay: %w", err)
	}
	why := "re-scored"
	if !has {
		why = "frames only, re-scored"
	}
	return withWarning(&replayed{r: r, source: "replay " + base + " · " + why, detector: display, note: note}), nil
}

// withWarning notes a cut recording in rp's source line and warning.
func withWarning(rp *replayed) *replayed {
	if tr := rp.r.Truncated(); tr != nil {
		rp.source += cutNote(tr)
		rp.warning = tr.Error()
	}
	return rp
}

// addForceFlag registers --force, which lets --record replace an existing
// file.
func addForceFlag(c *command, force *bool) {
	c.fs.BoolVar(force, "force", false, "with --record: overwrite an existing file (without it an existing path is refused)")
	c.example("force", "true")
}

// recordOptions returns the session options behind --record and --force.
func recordOptions(force bool) []session.Option {
	if force {
		return []session.Option{session.WithOverwrite()}
	}
	return nil
}

// cutNote is what a screen's source line adds for a recording whose tail is
// cut ("" for a whole one).
func cutNote(tr *engine.Truncation) string {
	if tr == nil {
		return ""
	}
	if tr.Frames == 0 {
		return " · CUT SHORT: no complete frame"
	}
	return fmt.Sprintf(" · CUT SHORT: ends at tick %d, bytes from %d lost", tr.LastT, tr.Offset)
}

// recordHeader is the header of a new recording of a simulation.
func recordHeader(sim *engine.Sim) engine.Header {
	cfg := sim.Config()
	return engine.NewHeader(sim.Profiles(), &cfg)
}
