package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/evaluation"
	"github.com/chakra-tui/chakra-tui/detector/session"
)

// runEvalReplay is `chakra-tui eval --replay FILE`: it scores the recorded
// frames with each named detector (the recording's ground truth is the
// answer key) and, when the file holds verdicts, evaluates those too, as
// "recorded:NAME". names may include "recorded" alone to evaluate only the
// stored verdicts.
func runEvalReplay(ctx context.Context, path string, names []string, modelPath string, match evaluation.MatchConfig, asJSON bool, e env) error {
	probe, err := session.Open(path)
	if err != nil {
		return fmt.Errorf("eval --replay: %w", err)
	}
	has, meta := probe.HasVerdicts(), probe.Meta()
	if tr := probe.Truncated(); tr != nil {
		fmt.Fprintf(e.stderr, "warning: %v; evaluating the %d frames it holds\n", tr, tr.Frames)
	}
	probe.Close()
	opts, err := replayOptions(path, names, modelPath, has)
	if err != nil {
		return err
	}
	opts.Match = match
	if !asJSON {
		var what []string
		if opts.Recorded {
			what = append(what, session.RecordedName(meta)+" (as seen live)")
		}
		for _, d := range opts.Detectors {
			what = append(what, d.Name)
		}
		fmt.Fprintf(e.stderr, "evaluating %s on %s …\n", strings.Join(what, ", "), path)
	}
	rep, err := session.Evaluate(ctx, path, opts)
	if err != nil {
		return fmt.Errorf("eval --replay: %w", err)
	}
	return writeReport(e.stdout, rep, asJSON)
}

// replayOptions returns the detectors called names to score the recording
// at path with (has: it holds recorded verdicts, which are always
// evaluated), on the model at modelPath or the embedded one.
func replayOptions(path string, names []string, modelPath string, has bool) (session.EvalOptions, error) {
	var opts session.EvalOptions
	var model *detector.Model
	loadModel := func() (*detector.Model, error) {
		if model != nil {
			return model, nil
		}
		var err error
		if modelPath != "" {
			model, err = detector.LoadModelFile(modelPath)
		} else {
			model, err = detector.EmbeddedModel()
		}
		return model, err
	}
	for _, n := range names {
		switch n {
		case "recorded":
			if !has {
				return opts, fmt.Errorf("eval --replay: %s holds frames only, no recorded verdicts", path)
			}
			opts.Recorded = true
		case "threshold":
			opts.Detectors = append(opts.Detectors, evaluation.Detector{Name: n, New: func() (detector.Scorer, error) { return detector.NewThreshold() }})
		case "zscore":
			var cal *detector.Calibration
			newZ := func() (detector.Scorer, error) { return detector.NewZScore() }
			if m, err := loadModel(); err == nil {
				c := m.Meta.ZScore
				cal = &c
				newZ = func() (detector.Scorer, error) { return detector.NewZScore(detector.WithAlertConfig(c.Alerts)) }
			}
			opts.Detectors = append(opts.Detectors, evaluation.Detector{Name: n, Calibration: cal, New: newZ})
		case "phasez":
			spec, err := loadScorer(n, modelPath)
			if err != nil {
				return opts, fmt.Errorf("eval --replay: %w", err)
			}
			if spec.phasez == nil {
				return opts, fmt.Errorf("eval --replay: phasez: %s", spec.note)
			}
			cal := spec.phasezCal
			opts.Detectors = append(opts.Detectors, evaluation.Detector{Name: n, Calibration: &cal, New: spec.build})
		case "tft":
			m, err := loadModel()
			if err != nil {
				return opts, fmt.Errorf("eval --replay: tft: %w (leave tft out of --detectors to evaluate without it)", err)
			}
			c := m.Meta.Calibration
			opts.Detectors = append(opts.Detectors, evaluation.Detector{Name: n, Calibration: &c,
				New: func() (detector.Scorer, error) { return detector.NewTFT(detector.WithModel(m)) }})
		default:
			return opts, fmt.Errorf("eval --replay: unknown detector %q (want recorded, tft, threshold, zscore or phasez)", n)
		}
	}
	if has && !opts.Recorded {
		opts.Recorded = true // the verdicts seen live are always worth a row
	}
	return opts, nil
}
