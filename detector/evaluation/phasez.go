package evaluation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

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

// PhaseZ fits the phase-aware z-score's table on the normal runs fit and
// calibrates its open levels on those of cc, as the TFT is trained on some
// runs and calibrated on others (calibrating on the runs the table was
// fitted on chooses levels that fresh runs exceed several times as often).
func PhaseZ(ctx context.Context, fit training.RunConfig, cc training.CalibrateConfig) (*detector.PhaseZModel, detector.Calibration, error) {
	m, err := FitPhaseZ(ctx, fit)
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

// PhaseZRuns returns the runs the phase-aware z-score learns from when it
// gets what the TFT of model m got: its table from m's training and
// validation runs, its open levels from m's calibration runs at m's target,
// in the sensor world m was trained in (the field world for the embedded
// model; the engine's default world for a model file that does not say).
func PhaseZRuns(m *detector.Model, workers int) (fit training.RunConfig, cc training.CalibrateConfig) {
	t, mc := &m.Meta.Training, &m.Meta.Calibration
	fit = training.RunConfig{Seeds: append(slices.Clone(t.TrainSeeds), t.ValSeeds...), Soldiers: t.Soldiers,
		Duration: t.Duration, Workers: workers, World: t.World}
	if t.Artefacts {
		fit.Artefacts = engine.DefaultConfig().ArtefactRate
	}
	cc = training.CalibrateConfig{TargetFA: mc.TargetFA, Runs: training.RunConfig{Seeds: slices.Clone(mc.Seeds),
		Soldiers: t.Soldiers, Duration: t.Duration, Artefacts: engine.DefaultConfig().ArtefactRate, Workers: workers,
		World: t.World}}
	return fit, cc
}
