package detector

import (
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Examples serves TFT training examples (a tft.Dataset) cut by the feature
// store's point-in-time-correct training set (featurestore.Builder) through
// the same feature engineering the scorer uses: each example's
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
type Examples struct {
	ts      *featurestore.TrainingSet
	te      int
	augment float64
	seed    uint64
}

// NewExamples returns the examples of ts, which must have been built with
// NetConfig().EncoderLen+1 input rows and a horizon of 1, with a share augment of
// them augmented as above (0: none) by hashes of seed.
func NewExamples(ts *featurestore.TrainingSet, augment float64, seed uint64) *Examples {
	return &Examples{ts: ts, te: NetConfig().EncoderLen, augment: augment, seed: seed}
}

// Len returns the number of examples.
func (d *Examples) Len() int { return d.ts.Len() }

// TargetScale returns the factor per vital that turns a change in the
// vital's unit into example i's target unit (see the feature engineering
// in features.go): divide a target by it to get the vital's unit.
func (d *Examples) TargetScale(i int) [engine.NumVitals]float64 {
	p := d.ts.Example(i).Profile
	return normFor(&p).scale
}

// Example fills dst with example i.
func (d *Examples) Example(i int, dst *tft.Example) error {
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
	cleanInputs(fx.Inputs, rows[:te+1])
	if h := splitmix(d.seed ^ uint64(i)*0x9e3779b97f4a7c15); d.augment > 0 && float64(h>>11)/(1<<53) < d.augment {
		holdLast(rows[:te+1], splitmix(h))
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

// cleanInputs fills rows with the input rows as the scorer cleans them: a
// missing reading holds the row before's value (NaN in the first row) and
// is flagged imputed.
func cleanInputs(in []engine.Observation, rows []row) {
	for j := range rows {
		o := &in[j]
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
}

// holdLast is the augmentation: the last k rows (k from 1 to 12, drawn
// from hash h) of one vital, or of all four, hold the value before them
// and are flagged imputed.
func holdLast(rows []row, h uint64) {
	k := 1 + int(h%12)
	vitals := engine.Mask(1<<engine.NumVitals - 1)
	if (h>>8)&1 == 0 {
		vitals = engine.Mask(0).With(engine.Vital((h >> 16) % engine.NumVitals))
	}
	te := len(rows) - 1
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
