package training

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// RunConfig describes the simulated runs of a training, calibration or
// evaluation: each seed is one run of the engine's default battlefield with
// these sizes.
type RunConfig struct {
	Seeds      []uint64      // one run per seed
	Soldiers   int           // soldiers per run (squads of 10)
	Duration   time.Duration // simulated length of each run
	PoisonRate float64       // fraction of soldier-ticks inside anomaly windows (0: normal runs)
	// Artefacts is the mean number of one-sample motion artefacts per
	// soldier-hour (the engine's default is 1).
	Artefacts float64
	// Workers is how many runs go at once (default 1).
	Workers int
	// World is the sensor world of the runs (nil: the engine's default,
	// engine.DefaultWorldName).
	World *engine.World
	// Stored, if not empty, replaces the simulations: one run per entry,
	// read from the offline store (chakra-tui train --runs); Seeds then
	// holds each one's simulation seed (0 when it was not a simulation)
	// and Soldiers, Duration, PoisonRate and Artefacts only describe them.
	Stored []StoredRun
}

// StoredRun is a run kept in the offline store (a Parquet run, opened by
// the command that has the adapter), as training reads it.
type StoredRun struct {
	Name string // for messages
	Seed uint64 // the simulation's seed, 0 if it was not one
	// Open returns the run's frames from the start (with their ground
	// truth); each call starts afresh.
	Open func() (engine.Source, error)
}

// Source returns run i's frames (ForEachRun's i and seed) and a name for
// messages: the stored run, or the simulation of seed.
func (c *RunConfig) Source(i int, seed uint64) (engine.Source, string, error) {
	if len(c.Stored) > 0 {
		src, err := c.Stored[i].Open()
		if err != nil {
			return nil, "", fmt.Errorf("open run %s: %w", c.Stored[i].Name, err)
		}
		return src, "run " + c.Stored[i].Name, nil
	}
	sim, err := engine.NewSim(c.EngineConfig(seed))
	if err != nil {
		return nil, "", fmt.Errorf("start simulation %d: %w", seed, err)
	}
	return sim, fmt.Sprintf("simulation %d", seed), nil
}

// drive is Drive over run i of c.
func (c *RunConfig) drive(ctx context.Context, i int, seed uint64, scorers []detector.Scorer, visit TickVisitor) error {
	src, name, err := c.Source(i, seed)
	if err != nil {
		return err
	}
	return DriveSource(ctx, src, name, scorers, visit)
}

// Validate checks c for a run of what ("calibrate", "evaluate", …), which
// its errors name; they wrap detector.ErrConfig.
func (c *RunConfig) Validate(what string) error {
	if len(c.Stored) > 0 {
		if len(c.Seeds) != len(c.Stored) {
			return fmt.Errorf("%w: %s: %d seeds for %d stored runs", detector.ErrConfig, what, len(c.Seeds), len(c.Stored))
		}
		return nil
	}
	switch {
	case len(c.Seeds) == 0:
		return fmt.Errorf("%w: %s: no seeds", detector.ErrConfig, what)
	case c.Soldiers < 1:
		return fmt.Errorf("%w: %s: %d soldiers (want ≥ 1)", detector.ErrConfig, what, c.Soldiers)
	case c.Duration < time.Minute:
		return fmt.Errorf("%w: %s: duration %v (want ≥ 1m)", detector.ErrConfig, what, c.Duration)
	}
	seen := map[uint64]bool{}
	for _, s := range c.Seeds {
		if seen[s] {
			return fmt.Errorf("%w: %s: seed %d listed twice", detector.ErrConfig, what, s)
		}
		seen[s] = true
	}
	return nil
}

// EngineConfig returns the engine configuration of the run with seed.
func (c *RunConfig) EngineConfig(seed uint64) engine.Config {
	ec := engine.DefaultConfig()
	ec.Seed = seed
	ec.Soldiers = c.Soldiers
	ec.Duration = c.Duration
	ec.PoisonRate = c.PoisonRate
	ec.ArtefactRate = c.Artefacts
	if c.World != nil {
		ec.World = *c.World
	}
	return ec
}

// windowKeep is the number of rows the driver keeps per soldier window: the
// scorers need the newest row, and earlier ones only to catch up.
const windowKeep = 32

// TickVisitor sees each frame with the verdicts of every scorer, in the
// order of the scorers. Both are valid only during the call.
type TickVisitor func(f *engine.Frame, verdicts [][]detector.Verdict) error

// Drive runs one simulation to its end, scoring every frame with each
// scorer (through windows of the last 32 rows per soldier, as the feature
// store serves them), and calls visit after each tick. It stops at the
// first error of a scorer or of visit, or when ctx is done.
func Drive(ctx context.Context, ec engine.Config, scorers []detector.Scorer, visit TickVisitor) error {
	sim, err := engine.NewSim(ec)
	if err != nil {
		return fmt.Errorf("start simulation %d: %w", ec.Seed, err)
	}
	return DriveSource(ctx, sim, fmt.Sprintf("simulation %d", ec.Seed), scorers, visit)
}

// DriveSource is Drive over any source of frames (name is for messages): a
// simulation, a replay, a run of the offline store. Soldiers need not
// report every tick; one not among the source's profiles is scored with
// engine.DefaultProfile. The verdicts of a tick are in the order of its
// frame's observations.
func DriveSource(ctx context.Context, src engine.Source, name string, scorers []detector.Scorer, visit TickVisitor) error {
	profiles := src.Profiles()
	index := make(map[engine.SoldierID]int, len(profiles))
	for i, p := range profiles {
		index[p.ID] = i
	}
	bufs := make([][]engine.Observation, len(profiles))
	for i := range bufs {
		bufs[i] = make([]engine.Observation, 0, 2*windowKeep)
	}
	ws := make([]featurestore.Window, 0, len(profiles))
	verdicts := make([][]detector.Verdict, len(scorers))
	for i := range verdicts {
		verdicts[i] = make([]detector.Verdict, 0, len(profiles))
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := src.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		ws = ws[:0]
		for i := range f.Obs {
			k, ok := index[f.Obs[i].Soldier]
			if !ok {
				k = len(profiles)
				index[f.Obs[i].Soldier] = k
				profiles = append(profiles, engine.DefaultProfile(f.Obs[i].Soldier))
				bufs = append(bufs, make([]engine.Observation, 0, 2*windowKeep))
			}
			b := bufs[k]
			if len(b) == cap(b) {
				b = b[:copy(b, b[len(b)-windowKeep+1:])]
			}
			b = append(b, f.Obs[i])
			bufs[k] = b
			ws = append(ws, featurestore.Window{Profile: profiles[k], Rows: b[max(0, len(b)-windowKeep):]})
		}
		for s, sc := range scorers {
			verdicts[s], err = sc.Score(ws, verdicts[s][:0])
			if err != nil {
				return fmt.Errorf("%s tick %d: %s: %w", name, f.T, sc.Name(), err)
			}
		}
		if err := visit(&f, verdicts); err != nil {
			return err
		}
	}
}

// ForEachRun calls run for every seed of c (i its index) with up to
// c.Workers at once and returns the first error; the first error cancels
// the context of the other calls.
func (c *RunConfig) ForEachRun(ctx context.Context, run func(ctx context.Context, i int, seed uint64) error) error {
	seeds, workers := c.Seeds, c.Workers
	if len(c.Stored) > 0 && len(seeds) != len(c.Stored) {
		return fmt.Errorf("%w: %d seeds for %d stored runs", detector.ErrConfig, len(seeds), len(c.Stored))
	}
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, workers)
	errs := make(chan error, len(seeds))
	for i, s := range seeds {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			err := run(ctx, i, s)
			if err != nil {
				cancel()
			}
			errs <- err
		}()
	}
	var first error
	for range seeds {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
