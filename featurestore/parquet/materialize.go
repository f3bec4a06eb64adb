package parquet

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/internal/ring"
)

// Materialize loads a recorded run into an online store: every profile, and
// per soldier the last n rows of the run, written frame by frame in tick
// order. The store must not already hold later rows of these soldiers
// (featurestore.ErrOutOfOrder).
func Materialize(ctx context.Context, dst featurestore.Online, run *Run, n int) error {
	return MaterializeAsOf(ctx, dst, run, n, math.MaxInt64)
}

// MaterializeAsOf is Materialize as the store would have been at tick asOf:
// per soldier the last n rows with tick ≤ asOf.
func MaterializeAsOf(ctx context.Context, dst featurestore.Online, run *Run, n int, asOf int64) error {
	if n < 1 {
		return fmt.Errorf("materialize %q: window of %d rows: %w", run.Dir(), n, featurestore.ErrInvalid)
	}
	for _, p := range run.profiles {
		if err := dst.PutProfile(ctx, p); err != nil {
			return fmt.Errorf("materialize %q: %w", run.Dir(), err)
		}
	}
	last := map[engine.SoldierID]*ring.Ring{}
	to := asOf
	if to < math.MaxInt64 {
		to++
	}
	err := run.Scan(math.MinInt64, to, func(o *engine.Observation) error {
		if o.T > asOf {
			return nil
		}
		r := last[o.Soldier]
		if r == nil {
			r = ring.New(n)
			last[o.Soldier] = r
		}
		r.Push(o)
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("materialize %q: %w", run.Dir(), err)
	}
	var rows []engine.Observation
	for _, r := range last {
		rows = r.AppendLast(rows, r.N)
	}
	slices.SortFunc(rows, func(a, b engine.Observation) int {
		if c := cmp.Compare(a.T, b.T); c != 0 {
			return c
		}
		return cmp.Compare(a.Soldier, b.Soldier)
	})
	for len(rows) > 0 {
		j := 1
		for j < len(rows) && rows[j].T == rows[0].T {
			j++
		}
		if err := dst.WriteFrame(ctx, rows[:j]); err != nil {
			return fmt.Errorf("materialize %q: tick %d: %w", run.Dir(), rows[0].T, err)
		}
		rows = rows[j:]
	}
	return nil
}

// MaterializeRuns loads several runs into an online store as it would
// have been at wall-clock time asOf (the zero time: at the end of each
// run): every profile, and per soldier its last n rows with a time at or
// before asOf, written frame by frame in tick order. Runs are read in the
// order given (oldest first, as a store's runs are named); when a later run
// has a soldier's rows again from an earlier tick (a simulation started
// over), the later run's rows replace the earlier ones. Rows without a
// time (a run whose frames carried none) count only when asOf is zero.
// It returns the number of soldiers and rows written.
func MaterializeRuns(ctx context.Context, dst featurestore.Online, runs []*Run, n int, asOf time.Time) (soldiers, rows int, err error) {
	if n < 1 {
		return 0, 0, fmt.Errorf("materialize: window of %d rows: %w", n, featurestore.ErrInvalid)
	}
	last := map[engine.SoldierID]*ring.Ring{}
	profiles := map[engine.SoldierID]engine.Profile{}
	for _, run := range runs {
		for _, p := range run.profiles {
			profiles[p.ID] = p
		}
		to := int64(math.MaxInt64)
		if !asOf.IsZero() {
			if run.start.IsZero() {
				continue
			}
			if asOf.Before(run.start) {
				continue
			}
			to = int64(asOf.Sub(run.start)/time.Second) + 1 // T is seconds since start

		}
		err := run.Scan(math.MinInt64, to, func(o *engine.Observation) error {
			r := last[o.Soldier]
			if r == nil {
				r = ring.New(n)
				last[o.Soldier] = r
			}
			if r.N > 0 {
				if r.Latest().T >= o.T {
					r = ring.New(n) // a later run started this soldier over
					last[o.Soldier] = r
				}
			}
			r.Push(o)
			return ctx.Err()
		})
		if err != nil {
			return 0, 0, fmt.Errorf("materialize %q: %w", run.Dir(), err)
		}
	}
	for _, p := range profiles {
		if err := dst.PutProfile(ctx, p); err != nil {
			return 0, 0, fmt.Errorf("materialize: %w", err)
		}
	}
	var all []engine.Observation
	for _, r := range last {
		all = r.AppendLast(all, r.N)
	}
	slices.SortFunc(all, func(a, b engine.Observation) int {
		if c := cmp.Compare(a.T, b.T); c != 0 {
			return c
		}
		return cmp.Compare(a.Soldier, b.Soldier)
	})
	rows = len(all)
	for len(all) > 0 {
		j := 1
		for j < len(all) && all[j].T == all[0].T {
			j++
		}
		if err := dst.WriteFrame(ctx, all[:j]); err != nil {
			return 0, 0, fmt.Errorf("materialize: tick %d: %w", all[0].T, err)
		}
		all = all[j:]
	}
	return len(last), rows, nil
}
