package parquet

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

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
