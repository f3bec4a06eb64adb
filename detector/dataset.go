package detector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
)

// soldierSeries is one soldier's whole run, the raw material of training
// examples.
type soldierSeries struct {
	n      norm
	static [numStatic]float64
	obs    []engine.Observation
}

// exampleRef names one training example: the series and the index of the
// observation whose change is the target.
type exampleRef struct {
	s int32
	t int32
}

// vitalsDataset serves TFT training examples from simulated runs. Each
// example is point-in-time correct: its encoder rows are the EncoderLen
// rows before tick t (plus one more for the first change), its decoder row
// holds only t's known inputs (phase, next phase, ambient), and its target
// is t's change from the row before.
//
// With probability augment an example's last k rows (k from 1 to 12) of
// one vital, or of all four (a dropout), are replaced by the last value
// before them and flagged as imputed, as the scorer does for missing,
// stuck and out-of-band readings; the model so learns what imputed rows
// mean (a forecast anchored on a held value is less certain). The choice
// is a hash of (seed, example index): deterministic and free of shared
// state, so workers may build examples concurrently.
type vitalsDataset struct {
	series  []soldierSeries
	refs    []exampleRef
	te      int
	augment float64
	seed    uint64
}

// Len returns the number of examples.
func (d *vitalsDataset) Len() int { return len(d.refs) }

// Example fills dst with example i.
func (d *vitalsDataset) Example(i int, dst *tft.Example) error {
	if i < 0 || i >= len(d.refs) {
		return fmt.Errorf("example %d of %d: %w", i, len(d.refs), tft.ErrBadInput)
	}
	ref := d.refs[i]
	s := &d.series[ref.s]
	t := int(ref.t)
	te := d.te
	dst.Static = append(dst.Static[:0], s.static[:]...)
	dst.Encoder = growTo(dst.Encoder, te*numEncoder)
	dst.Decoder = growTo(dst.Decoder, numDecoder)
	dst.Target = growTo(dst.Target, engine.NumVitals)
	dst.TargetMask = growTo(dst.TargetMask, engine.NumVitals)

	// rows[0..te] are the cleaned rows of ticks t−te−1 … t−1.
	var rows [MaxEncoder + 1]row
	for j := 0; j <= te; j++ {
		o := &s.obs[t-te-1+j]
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
		s.n.encoderRow(&rows[j], &rows[j-1], dst.Encoder[(j-1)*numEncoder:j*numEncoder])
	}
	o := &s.obs[t]
	decoderRow(o, dst.Decoder)
	for v := range engine.NumVitals {
		x, anchor := o.Values[v], rows[te].values[v]
		if o.Missing.Has(engine.Vital(v)) || math.IsNaN(x) || math.IsNaN(anchor) {
			dst.Target[v], dst.TargetMask[v] = 0, 0
			continue
		}
		dst.Target[v], dst.TargetMask[v] = (x-anchor)*s.n.scale[v], 1
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

// simulateSeries runs the simulations of rc and returns every soldier's
// whole run.
func simulateSeries(ctx context.Context, rc RunConfig) ([]soldierSeries, error) {
	per := make([][]soldierSeries, len(rc.Seeds))
	err := forEachSeed(ctx, rc.Seeds, rc.Workers, func(ctx context.Context, i int, seed uint64) error {
		sim, err := engine.NewSim(rc.engineConfig(seed))
		if err != nil {
			return fmt.Errorf("start simulation %d: %w", seed, err)
		}
		ps := sim.Profiles()
		ss := make([]soldierSeries, len(ps))
		ticks := int(rc.Duration.Seconds())
		for j := range ss {
			ss[j].n = normFor(&ps[j])
			staticRow(&ps[j], ss[j].static[:])
			ss[j].obs = make([]engine.Observation, 0, ticks)
		}
		var f engine.Frame
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := sim.Step(&f); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return fmt.Errorf("simulation %d: %w", seed, err)
			}
			for j := range f.Obs {
				ss[j].obs = append(ss[j].obs, f.Obs[j])
			}
		}
		per[i] = ss
		return nil
	})
	if err != nil {
		return nil, err
	}
	var all []soldierSeries
	for _, ss := range per {
		all = append(all, ss...)
	}
	return all, nil
}

// newDataset indexes every stride-th tick of every series that has a full
// encoder window before it.
func newDataset(series []soldierSeries, te, stride int, augment float64, seed uint64) *vitalsDataset {
	d := &vitalsDataset{series: series, te: te, augment: augment, seed: seed}
	for s := range series {
		for t := te + 1; t < len(series[s].obs); t += stride {
			d.refs = append(d.refs, exampleRef{s: int32(s), t: int32(t)})
		}
	}
	return d
}
