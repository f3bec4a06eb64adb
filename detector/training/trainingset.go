package training

import (
	"context"
	"fmt"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// buildTrainingSet simulates (or reads, rc.Stored) the runs of rc (one after the other: the
// builder is not safe for concurrent use) through the feature store's
// training-set builder, cutting an example of te+1 input rows and one
// target row every stride ticks of each soldier (what
// detector.NewExamples reads). Examples overlapping an event label are
// left out (there are none in normal runs).
func buildTrainingSet(ctx context.Context, rc RunConfig, te, stride int) (*featurestore.TrainingSet, error) {
	b, err := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: te + 1, Horizon: 1, Stride: stride, SkipLabelled: true})
	if err != nil {
		return nil, fmt.Errorf("training set: %w", err)
	}
	for i, seed := range rc.Seeds {
		src, name, err := rc.Source(i, seed)
		if err != nil {
			return nil, err
		}
		if err := b.AddSource(ctx, src); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	ts, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("training set: %w", err)
	}
	if ts.Len() == 0 {
		return nil, fmt.Errorf("%w: training set: runs too short for a %d-row window", detector.ErrConfig, te+1)
	}
	return ts, nil
}
