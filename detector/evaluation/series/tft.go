package series

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/tft"
)

// TFTConfig configures the TFT scorer of CSV series. Zero fields take the
// defaults noted.
type TFTConfig struct {
	// FitFraction is the leading fraction of each file the model is
	// trained on (default 0.15, NAB's probationary fraction).
	FitFraction float64
	// FitMax caps the rows trained on (default 750, NAB's cap on the
	// probationary period, so that by default the model is fitted on exactly
	// the rows NAB ignores; negative: no cap).
	FitMax int
	// EncoderLen is the rows of history each forecast sees (default 24).
	EncoderLen int
	// Hidden is the model width (default 16).
	Hidden int
	// Epochs caps training passes (default 40; early stopping on the
	// held-out last fifth of the fit rows, patience 5).
	Epochs int
	// RefitWindow is how many of the most recent rows each refit trains
	// on (default 2000).
	RefitWindow int
	// RefitEpochs caps the passes of each refit (default 10, patience 2).
	RefitEpochs int
	// NoRefit turns the refits off: the model is fitted once.
	NoRefit bool
	// Workers is the training goroutines per file (default 1; a folder run
	// already scores one file per core).
	Workers int
	// Seed seeds the model's initial weights and the training order.
	Seed uint64
}

func (c TFTConfig) withDefaults() TFTConfig {
	if c.FitFraction <= 0 {
		c.FitFraction = 0.15
	}
	if c.FitMax == 0 {
		c.FitMax = 750
	}
	if c.EncoderLen <= 0 {
		c.EncoderLen = 24
	}
	if c.Hidden <= 0 {
		c.Hidden = 16
	}
	if c.Epochs <= 0 {
		c.Epochs = 40
	}
	if c.RefitWindow <= 0 {
		c.RefitWindow = 2000
	}
	if c.RefitEpochs <= 0 {
		c.RefitEpochs = 10
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	return c
}

// fitRows returns how many leading rows of a file of n rows are trained on.
func (c TFTConfig) fitRows(n int) int {
	k := int(math.Floor(c.FitFraction * float64(n)))
	if c.FitMax > 0 {
		k = min(k, c.FitMax)
	}
	return k
}

// TFTFactory makes, per stream, the "tft" detector: an Ensemble of three
// members under one alarm (opening at score 0.5, re-arming below 0.375, no
// new alert within 100 rows of the last):
//
//   - the TFT forecaster (fitted on the stream's leading rows, refitted as
//     it goes) with the Likelihood post-processor on its band-width raw
//     score, primed with its out-of-sample raw scores on the held-out fit
//     rows;
//   - the ZScore baseline with the Likelihood post-processor, which reacts
//     to abrupt jumps the forecaster spreads over several rows;
//   - a Range check (values beyond the range seen so far by 5 % of it).
//
// opts configure the likelihood post-processors.
func TFTFactory(cfg TFTConfig, opts ...Option) Factory {
	cfg = cfg.withDefaults()
	return Factory{Name: "tft", New: func(info Info) (Detector, error) {
		member := append([]Option{WithoutAlarm()}, opts...)
		tftL := NewLikelihood(newTFTRaw(cfg, info), info, append([]Option{WithLearning(30)}, member...)...)
		zL := NewLikelihood(NewZScore(), info, member...)
		return NewEnsemble(ensembleAlarm(), tftL, zL, NewRange(0.05, info.Probation())), nil
	}}
}

// TFTOnlyFactory makes the TFT forecaster with the Likelihood
// post-processor alone, under the same alarm as TFTFactory: the TFT's own
// contribution, for comparison.
func TFTOnlyFactory(cfg TFTConfig, opts ...Option) Factory {
	cfg = cfg.withDefaults()
	return Factory{Name: "tft-only", New: func(info Info) (Detector, error) {
		o := append([]Option{WithLearning(30), WithRefractory(ensembleAlarm().Refractory)}, opts...)
		return NewLikelihood(newTFTRaw(cfg, info), info, o...), nil
	}}
}

// ZScoreRangeFactory makes the Ensemble of TFTFactory without its TFT
// member (the z-score likelihood and the range check): the baseline the
// TFT member is measured against.
func ZScoreRangeFactory(opts ...Option) Factory {
	return Factory{Name: "zscore+likelihood+range", New: func(info Info) (Detector, error) {
		zL := NewLikelihood(NewZScore(), info, append([]Option{WithoutAlarm()}, opts...)...)
		return NewEnsemble(ensembleAlarm(), zL, NewRange(0.05, info.Probation())), nil
	}}
}

// ensembleAlarm is the alarm of the ensembles: open at score 0.5
// (p ≤ 1e-5), re-arm below 0.375 (p > 1e-3), at most one opening per 100
// rows.
func ensembleAlarm() Alarm { return Alarm{On: 0.5, Off: 0.375, Refractory: 100} }

// Encoder and decoder variables of the CSV TFT.
const (
	encValue = iota // value, normalised by the fit rows' median and IQR, clipped to ±clipNorm
	encMissing
	encGap  // ln(step / usual step), clipped to ±clipGap
	encHour // hour of day, 0…23
	encDow  // day of week, 0…6
	numEnc
)

const (
	decGap = iota
	decHour
	decDow
	numDec
)

const (
	clipNorm = 10.0
	clipGap  = 5.0
)

// tftConfig is the model shape for CSV series.
func tftConfig(c TFTConfig) tft.Config {
	m := tft.DefaultConfig()
	m.Hidden, m.EncoderLen, m.DecoderLen = c.Hidden, c.EncoderLen, 1
	m.Heads = 4
	if m.Hidden%m.Heads != 0 {
		m.Heads = 1
	}
	m.InputSize = min(8, m.Hidden)
	m.Encoder = []tft.Variable{tft.Real("value"), tft.Real("missing"), tft.Real("gap"), tft.Categorical("hour", 24), tft.Categorical("dow", 7)}
	m.Decoder = []tft.Variable{tft.Real("gap"), tft.Categorical("hour", 24), tft.Categorical("dow", 7)}
	m.Targets = []string{"value"}
	return m
}

// tftRaw is the TFT raw scorer of one stream. It collects the fit rows,
// trains when the last of them arrives, then for every later row forecasts
// the row from the rows before it and reports how far outside the 2–98 %
// forecast band the value falls, in band widths (0 inside the band). It
// keeps learning as the stream goes on: at rows 2·fit, 4·fit, 8·fit, … it
// fine-tunes the model (starting from its current weights) on the most
// recent rows, re-deriving the normalisation from them; every refit uses
// rows already scored, never later ones.
type tftRaw struct {
	cfg  TFTConfig
	info Info
	fitN int

	times []time.Time // recent rows (at most RefitWindow), for (re)fitting
	vals  []float64   // NaN where missing
	seen  int         // rows observed
	next  int         // row count at which the next (re)fit runs

	model  *tft.Model
	stream *tft.Stream
	ws     *tft.Workspace
	fc     *tft.Forecast
	center float64
	scale  float64
	step   float64 // usual step, seconds
	prevT  time.Time
	enc    []float64
	dec    []float64
	prime  []float64
	err    error
	fits   []tft.Result
}

func newTFTRaw(cfg TFTConfig, info Info) *tftRaw {
	n := cfg.fitRows(info.Rows)
	return &tftRaw{cfg: cfg, info: info, fitN: n, next: n,
		enc: make([]float64, numEnc), dec: make([]float64, numDec)}
}

// Prime hands the post-processor the model's raw scores on its held-out
// fit rows, once.
func (d *tftRaw) Prime() []float64 {
	p := d.prime
	d.prime = nil
	return p
}

// ObserveRaw implements RawScorer.
func (d *tftRaw) ObserveRaw(t time.Time, x float64, ok bool) (float64, bool) {
	if !ok {
		x = math.NaN()
	}
	raw, valid := 0.0, false
	if d.model != nil {
		d.decoderRow(d.dec, t, d.prevT)
		var median float64
		if d.stream.Ready() {
			if err := d.stream.Forecast(d.ws, d.dec, d.fc); err == nil {
				q := d.fc.Quantiles // one step, one target: q[0] = 2 %, q[len-1] = 98 %
				median = q[len(q)/2]
				if ok {
					raw, valid = outside(d.norm(x), q[0], q[len(q)-1]), true
				}
			}
		}
		d.encoderRow(d.enc, t, d.prevT, x, median)
		_ = d.stream.Push(d.enc)
	}
	d.prevT = t
	d.times = append(d.times, t)
	d.vals = append(d.vals, x)
	if keep := d.cfg.RefitWindow; len(d.times) > 2*keep {
		d.times = append(d.times[:0], d.times[len(d.times)-keep:]...)
		d.vals = append(d.vals[:0], d.vals[len(d.vals)-keep:]...)
	}
	d.seen++
	if d.seen == d.next && d.err == nil {
		first := d.model == nil
		if err := d.fit(); err != nil && first {
			d.model, d.err = nil, err // no model: this stream gets no TFT scores
		}
		d.next *= 2
		if d.cfg.NoRefit {
			d.next = -1
		}
	}
	return raw, valid
}

// bandFloor is the smallest band width, in normalised units (half the
// series' robust spread): on a noiseless series the quantiles collapse and
// tiny forecast errors would otherwise count as many band widths.
const bandFloor = 0.5

// outside is how far y lies outside [lo, hi], in band widths (the width at
// least bandFloor).
func outside(y, lo, hi float64) float64 {
	w := math.Max(hi-lo, bandFloor)
	switch {
	case y > hi:
		return (y - hi) / w
	case y < lo:
		return (lo - y) / w
	}
	return 0
}

func (d *tftRaw) norm(x float64) float64 {
	return math.Max(-clipNorm, math.Min(clipNorm, (x-d.center)/d.scale))
}

func (d *tftRaw) gap(t, prev time.Time) float64 {
	if prev.IsZero() || d.step <= 0 {
		return 0
	}
	s := t.Sub(prev).Seconds()
	if s <= 0 {
		return -clipGap
	}
	return math.Max(-clipGap, math.Min(clipGap, math.Log(s/d.step)))
}

func (d *tftRaw) decoderRow(row []float64, t, prev time.Time) {
	row[decGap] = d.gap(t, prev)
	row[decHour] = float64(t.Hour())
	row[decDow] = float64(t.Weekday())
}

// encoderRow fills one encoder row; a missing value is replaced by the
// forecast median (normalised) and flagged.
func (d *tftRaw) encoderRow(row []float64, t, prev time.Time, x, median float64) {
	if math.IsNaN(x) {
		row[encValue], row[encMissing] = median, 1
	} else {
		row[encValue], row[encMissing] = d.norm(x), 0
	}
	row[encGap] = d.gap(t, prev)
	row[encHour] = float64(t.Hour())
	row[encDow] = float64(t.Weekday())
}

// fit (re)trains the model on the most recent rows: it derives the
// normalisation from them, builds their training windows (the last fifth
// held out for early stopping), trains (from the current weights after the
// first fit), primes the likelihood with the held-out raw scores on the
// first fit, and reloads the stream with the newest rows.
func (d *tftRaw) fit() error {
	te := d.cfg.EncoderLen
	lo := max(0, len(d.vals)-d.cfg.RefitWindow)
	if d.model == nil {
		lo = 0
	}
	times, vals := d.times[lo:], d.vals[lo:]
	var obs []float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			obs = append(obs, v)
		}
	}
	if len(obs) < 2 || len(vals) < te+10 {
		return fmt.Errorf("tft: %d fit rows (%d with values) is too few for an encoder of %d", len(vals), len(obs), te)
	}
	d.center, d.scale = robustScale(obs)
	if step, ok := medianStep(times); ok {
		d.step = step
	}
	enc, dec := d.fitRows(times, vals)
	all := d.examples(enc, dec, vals)
	cut := len(all) * 4 / 5
	train, val := all[:cut], all[cut:]
	first := d.model == nil
	// Two validation goroutines (the same loss on any number) use a core
	// that would idle at the end of a folder run without holding a tape
	// per core for every file in flight on a large machine.
	tc := tft.TrainConfig{Epochs: d.cfg.Epochs, BatchSize: 32, LearningRate: 3e-3, Patience: 5, Workers: d.cfg.Workers, EvalWorkers: 2, Seed: d.cfg.Seed + uint64(len(d.fits))}
	if first {
		m, err := tft.New(tftConfig(d.cfg), d.cfg.Seed)
		if err != nil {
			return fmt.Errorf("tft: %w", err)
		}
		d.model, d.ws, d.fc = m, m.NewWorkspace(), m.NewForecast()
	} else {
		tc.Epochs, tc.Patience, tc.LearningRate = d.cfg.RefitEpochs, 2, 1e-3
	}
	res, err := tft.Train(context.Background(), d.model, train, val, tc, nil)
	if err != nil {
		return fmt.Errorf("tft: fit %s: %w", d.info.Name, err)
	}
	d.fits = append(d.fits, res)
	if first {
		if err := d.primeOn(val); err != nil {
			return err
		}
	}
	if d.stream, err = d.model.NewStream(nil); err != nil {
		return fmt.Errorf("tft: %w", err)
	}
	n := len(vals)
	for i := n - te; i < n; i++ {
		if err := d.stream.Push(enc[i*numEnc : (i+1)*numEnc]); err != nil {
			return fmt.Errorf("tft: %w", err)
		}
	}
	return nil
}

// medianStep returns the median of the positive steps between times, in
// seconds; ok is false if there is none.
func medianStep(times []time.Time) (step float64, ok bool) {
	var steps []float64
	for i := 1; i < len(times); i++ {
		if s := times[i].Sub(times[i-1]).Seconds(); s > 0 {
			steps = append(steps, s)
		}
	}
	if len(steps) == 0 {
		return 0, false
	}
	slices.Sort(steps)
	return steps[len(steps)/2], true
}

// fitRows returns the encoder rows [n × numEnc] and decoder rows [n ×
// numDec] of the fit rows (times, vals); a missing value is encoded as the
// last normalised value, flagged.
func (d *tftRaw) fitRows(times []time.Time, vals []float64) (enc, dec []float64) {
	n := len(vals)
	enc = make([]float64, n*numEnc)
	dec = make([]float64, n*numDec)
	last := 0.0
	for i := range n {
		prev := time.Time{}
		if i > 0 {
			prev = times[i-1]
		}
		x := vals[i]
		if !math.IsNaN(x) {
			last = d.norm(x)
		}
		d.encoderRow(enc[i*numEnc:(i+1)*numEnc], times[i], prev, x, last)
		d.decoderRow(dec[i*numDec:(i+1)*numDec], times[i], prev)
	}
	return enc, dec
}

// examples returns one training example per row i ≥ EncoderLen: the
// encoder rows before it, its decoder row and its normalised value as the
// target (masked when missing).
func (d *tftRaw) examples(enc, dec, vals []float64) tft.Examples {
	te := d.cfg.EncoderLen
	var all tft.Examples
	for i := te; i < len(vals); i++ {
		ex := tft.Example{Input: tft.Input{Encoder: enc[(i-te)*numEnc : i*numEnc], Decoder: dec[i*numDec : (i+1)*numDec]}}
		if math.IsNaN(vals[i]) {
			ex.Target, ex.TargetMask = []float64{0}, []float64{0}
		} else {
			ex.Target = []float64{d.norm(vals[i])}
		}
		all = append(all, ex)
	}
	return all
}

// primeOn appends to d.prime, for each held-out example with a target,
// how far (in band widths) the target lies outside the forecast's outer
// quantiles.
func (d *tftRaw) primeOn(val tft.Examples) error {
	for i := range val {
		if len(val[i].TargetMask) > 0 {
			continue
		}
		if err := d.model.Forecast(d.ws, &val[i].Input, d.fc); err != nil {
			return fmt.Errorf("tft: %w", err)
		}
		q := d.fc.Quantiles
		d.prime = append(d.prime, outside(val[i].Target[0], q[0], q[len(q)-1]))
	}
	return nil
}

// robustScale returns the median and a robust spread (IQR/1.349, else the
// standard deviation, else a small fraction of the level).
func robustScale(x []float64) (center, scale float64) {
	s := slices.Clone(x)
	slices.Sort(s)
	q := func(p float64) float64 { return s[int(p*float64(len(s)-1))] }
	center = q(0.5)
	scale = (q(0.75) - q(0.25)) / 1.349
	if scale <= 0 {
		var m, v float64
		for _, y := range s {
			m += y
		}
		m /= float64(len(s))
		for _, y := range s {
			v += (y - m) * (y - m)
		}
		scale = math.Sqrt(v / float64(len(s)))
	}
	if scale <= 0 {
		scale = math.Max(1e-3*math.Abs(center), 1e-9)
	}
	return center, scale
}
