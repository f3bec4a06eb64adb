package evaluation

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
)

// FitPhaseZ fits the phase-aware z-score's expectation table on the normal
// runs of rc (PoisonRate must be 0: the table is what normal looks like).
func FitPhaseZ(ctx context.Context, rc training.RunConfig) (*detector.PhaseZModel, error) {
	if err := rc.Validate("fit phasez"); err != nil {
		return nil, err
	}
	if rc.PoisonRate != 0 {
		return nil, fmt.Errorf("%w: fit phasez: poison rate %v (want normal runs)", detector.ErrConfig, rc.PoisonRate)
	}
	var fit detector.PhaseZFitter
	err := rc.ForEachRun(ctx, func(ctx context.Context, _ int, seed uint64) error {
		sim, err := engine.NewSim(rc.EngineConfig(seed))
		if err != nil {
			return fmt.Errorf("fit phasez: start simulation %d: %w", seed, err)
		}
		profiles := sim.Profiles()
		tracks := make([]*detector.PhaseZTrack, len(profiles))
		for i := range profiles {
			tracks[i] = fit.Track(profiles[i])
		}
		var f engine.Frame
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := sim.Step(&f); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return fmt.Errorf("fit phasez: simulation %d: %w", seed, err)
			}
			for i := range f.Obs {
				tracks[i].Add(&f.Obs[i])
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return fit.Fit()
}

// PhaseZ fits the phase-aware z-score on the normal runs of cc and
// calibrates its open levels on the same runs, as the TFT's calibration
// does on them; newScorer builds scorers on the returned table.
func PhaseZ(ctx context.Context, cc training.CalibrateConfig) (*detector.PhaseZModel, detector.Calibration, error) {
	m, err := FitPhaseZ(ctx, cc.Runs)
	if err != nil {
		return nil, detector.Calibration{}, err
	}
	cal, err := training.Calibrate(ctx, cc, detector.DefaultAlertConfig(), func(a detector.AlertConfig) (detector.Scorer, error) {
		return detector.NewPhaseZ(m, detector.WithAlertConfig(a))
	})
	if err != nil {
		return nil, detector.Calibration{}, fmt.Errorf("calibrate phasez: %w", err)
	}
	return m, cal, nil
}
