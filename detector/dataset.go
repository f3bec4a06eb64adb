package detector

import (
	"context"
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// vitalsDataset serves TFT training examples cut by the feature store's
// point-in-time-correct training set (featurestore.Builder): each example's
// inputs are the EncoderLen+1 rows ending at tick T (the extra row gives the
// first row's change) and its target is the row of T+1, so the encoder only
// ever sees the past, the decoder row holds only the target tick's known
// inputs (phase, next phase, ambient), and the target is that tick's change
// from the row before.
//
// With probability augment an example's last k rows (k from 1 to 12) of
// one vital, or of all four (a dropout), are replaced by the last value
// before them and flagged as imputed, as the scorer does for missing,
// stuck and out-of-band readings; the model so learns what imputed rows
// mean (a forecast anchored on a held value is less certain). The choice
// is a hash of (seed, example index): deterministic and free of shared
// state, so workers may build examples concurrently.
type vitalsDataset struct {
	ts      *featurestore.TrainingSet
	te      int
	augment float64
	seed    uint64
}

// Len returns the number of examples.
func (d *vitalsDataset) Len() int { return d.ts.Len() }

// normOf returns the normalisation of example i's soldier.
func (d *vitalsDataset) normOf(i int) norm {
	p := d.ts.Example(i).Profile
	return normFor(&p)
}

// Example fills dst with example i.
func (d *vitalsDataset) Example(i int, dst *tft.Example) error {
	if i < 0 || i >= d.ts.Len() {
		return fmt.Errorf("example %d of %d: %w", i, d.ts.Len(), tft.ErrBadInput)
	}
	fx := d.ts.Example(i)
	te := d.te
	if len(fx.Inputs) != te+1 || len(fx.Targets) != 1 {
		return fmt.Errorf("example %d: %d input and %d target rows, want %d and 1: %w", i, len(fx.Inputs), len(fx.Targets), te+1, tft.ErrBadInput)
	}
	n := normFor(&fx.Profile)
	dst.Static = growTo(dst.Static, numStatic)
	staticRow(&fx.Profile, dst.Static)
	dst.Encoder = growTo(dst.Encoder, te*numEncoder)
	dst.Decoder = growTo(dst.Decoder, numDecoder)
	dst.Target = growTo(dst.Target, engine.NumVitals)
	dst.TargetMask = growTo(dst.TargetMask, engine.NumVitals)

	// rows[0..te] are the cleaned rows of ticks T−te … T.
	var rows [MaxEncoder + 1]row
	for j := 0; j <= te; j++ {
		o := &fx.Inputs[j]
		r := &rows[j]
		*r = row{t: o.T, phase: o.Phase, nextPhase: o.NextPhase, ambient: o.Ambient, missing: o.Missing, values: o.Values}
		for v := range engine.NumVitals {
			if o.Missing.Has(engine.Vital(v)) || math.IsNaN(o.Values[v]) {
				r.imputed = r.imputed.With(engine.Vital(v))
				r.values[v] = math.NaN()
				if j > 0 {
					r.values[v] = rows[j-1].values[v]
				}
			}
		}
	}
	if h := splitmix(d.seed ^ uint64(i)*0x9e3779b97f4a7c15); d.augment > 0 && float64(h>>11)/(1<<53) < d.augment {
		h2 := splitmix(h)
		k := 1 + int(h2%12)
		vitals := engine.Mask(1<<engine.NumVitals - 1)
		if (h2>>8)&1 == 0 {
			vitals = engine.Mask(0).With(engine.Vital((h2 >> 16) % engine.NumVitals))
		}
		from := te + 1 - k
		for j := from; j <= te; j++ {
			for v := range engine.NumVitals {
				if vitals.Has(engine.Vital(v)) {
					rows[j].values[v] = rows[from-1].values[v]
					rows[j].imputed = rows[j].imputed.With(engine.Vital(v))
				}
			}
		}
	}
	for j := 1; j <= te; j++ {
		n.encoderRow(&rows[j], &rows[j-1], dst.Encoder[(j-1)*numEncoder:j*numEncoder])
	}
	o := &fx.Targets[0]
	decoderRow(o, dst.Decoder)
	for v := range engine.NumVitals {
		x, anchor := o.Values[v], rows[te].values[v]
		if o.Missing.Has(engine.Vital(v)) || math.IsNaN(x) || math.IsNaN(anchor) {
			dst.Target[v], dst.TargetMask[v] = 0, 0
			continue
		}
		dst.Target[v], dst.TargetMask[v] = (x-anchor)*n.scale[v], 1
	}
	return nil
}

func growTo(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// splitmix is the SplitMix64 finaliser: a cheap, well-mixed hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// buildTrainingSet simulates the runs of rc (one after the other: the
// builder is not safe for concurrent use) through the feature store's
// training-set builder, cutting an example every stride ticks of each
// soldier. Examples overlapping an event label are left out (there are none
// in normal runs).
func buildTrainingSet(ctx context.Context, rc RunConfig, te, stride int) (*featurestore.TrainingSet, error) {
	b, err := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: te + 1, Horizon: 1, Stride: stride, SkipLabelled: true})
	if err != nil {
		return nil, fmt.Errorf("training set: %w", err)
	}
	for _, seed := range rc.Seeds {
		sim, err := engine.NewSim(rc.engineConfig(seed))
		if err != nil {
			return nil, fmt.Errorf("start simulation %d: %w", seed, err)
		}
		if err := b.AddSource(ctx, sim); err != nil {
			return nil, fmt.Errorf("simulation %d: %w", seed, err)
		}
	}
	ts, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("training set: %w", err)
	}
	if ts.Len() == 0 {
		return nil, fmt.Errorf("%w: training set: runs too short for a %d-row window", ErrConfig, te+1)
	}
	return ts, nil
}
