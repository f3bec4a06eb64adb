package parquet

import (
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// AddTo adds the whole run to b as a new run (Builder.StartRun with the
// run's profiles, labels and start, then every row in order), so that a
// training set can be cut from recorded runs as from frames.
func (r *Run) AddTo(b *featurestore.Builder) error {
	b.StartRun(r.Profiles(), r.Labels(), r.Start())
	if err := r.Scan(math.MinInt64, math.MaxInt64, func(o *engine.Observation) error { return b.Add(*o) }); err != nil {
		return fmt.Errorf("add run %q: %w", r.Dir(), err)
	}
	return nil
}
