package training

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Config configures Train. Zero fields take the defaults noted.
type Config struct {
	// Seed derives every simulation seed and the network's initialisation
	// and shuffling: training runs use seeds 1000·Seed+1…, validation runs
	// 1000·Seed+101…, calibration runs 1000·Seed+201…
	Seed uint64
	// Soldiers per run (default 100) and Duration of each run (default
	// 1h); TrainRuns, ValRuns and CalibRuns runs (defaults 2, 1, 2).
	Soldiers                      int
	Duration                      time.Duration
	TrainRuns, ValRuns, CalibRuns int
	// Stride samples every Stride-th tick of each soldier as an example
	// (default 3): neighbouring ticks are nearly the same example.
	Stride int
	// ValExamples is about how many validation examples are kept (default
	// 12000): the validation pass runs after every epoch.
	ValExamples int
	// AugmentProb is the share of training examples with imputed rows
	// (default 0.15; negative: none).
	AugmentProb float64
	// Artefacts turns motion artefacts on in the training runs (off by
	// default: the scorer imputes out-of-band readings, so the model never
	// sees a spike in its inputs, and a spike as a target only widens the
	// 98 % quantile).
	Artefacts bool
	// TargetFA is the calibration target, false alerts per soldier-hour
	// (default DefaultTargetFA).
	TargetFA float64
	// Net configures the optimiser (epochs, batch, learning rate, …; the
	// defaults here are 8 epochs of 250 minibatches of 64, patience 3);
	// its Seed is set from Seed and Workers from Workers.
	Net tft.TrainConfig
	// Workers is the number of goroutines (default 2). Results are
	// deterministic for a given Seed and Workers.
	Workers int
	// World is the sensor world of every run (nil: the engine's default).
	// Training runs keep its noise, device errors and lost readings but
	// not its artefacts unless Artefacts is set; validation and
	// calibration runs have artefacts on.
	World *engine.World
	// Stored, if not nil, replaces the simulations with runs of the
	// offline store (chakra-tui train --runs): TrainRuns, ValRuns and
	// CalibRuns are then the lengths of its lists, Soldiers and Duration
	// should describe the runs (the model file records them; valStride
	// follows them) and World the world they were recorded in. Validation
	// runs give both the validation examples and the drift check's
	// half-bands (on the fly, the drift is measured on the validation
	// seeds simulated again with artefacts on); calibration runs are used
	// as they are. Artefacts only records what the runs hold.
	Stored *StoredRuns
}

// StoredRuns are the offline-store runs of a training, by role.
type StoredRuns struct {
	Train, Val, Calib []StoredRun
}

func (c Config) withDefaults() Config {
	if c.Stored != nil {
		c.TrainRuns, c.ValRuns, c.CalibRuns = len(c.Stored.Train), len(c.Stored.Val), len(c.Stored.Calib)
	}
	if c.Soldiers == 0 {
		c.Soldiers = 100
	}
	if c.Duration == 0 {
		c.Duration = time.Hour
	}
	if c.TrainRuns == 0 {
		c.TrainRuns = 2
	}
	if c.ValRuns == 0 {
		c.ValRuns = 1
	}
	if c.CalibRuns == 0 {
		c.CalibRuns = 2
	}
	if c.Stride == 0 {
		c.Stride = 3
	}
	if c.ValExamples == 0 {
		c.ValExamples = 12000
	}
	if c.AugmentProb == 0 {
		c.AugmentProb = 0.15
	}
	if c.AugmentProb < 0 {
		c.AugmentProb = 0
	}
	if c.TargetFA == 0 {
		c.TargetFA = DefaultTargetFA
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.Net.Epochs == 0 {
		c.Net.Epochs = 8
	}
	if c.Net.StepsPerEpoch == 0 {
		c.Net.StepsPerEpoch = 250
	}
	if c.Net.Patience == 0 {
		c.Net.Patience = 3
	}
	c.Net.Seed = c.Seed
	c.Net.Workers = c.Workers
	return c
}

// seeds returns n seeds from 1000·seed+offset+1.
func seeds(seed uint64, offset, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = 1000*seed + uint64(offset) + uint64(i) + 1
	}
	return out
}

// Progress reports what Train is doing.
type Progress struct {
	Stage string        // "simulate", "train", "validate", "calibrate"
	Net   *tft.Progress // the optimiser's progress during "train"
}

// Result is what Train reports beside the model.
type Result struct {
	Elapsed   time.Duration
	Stages    map[string]time.Duration
	NetResult tft.Result
}

// Train simulates normal runs (no anomaly windows), trains a TFT on them
// with the detector's features, measures its forecasts on validation runs,
// and calibrates its alert thresholds (and the z-score baseline's) on
// further normal runs. progress, if not nil, is called from Train's
// goroutine.
func Train(ctx context.Context, cfg Config, progress func(Progress)) (*detector.Model, Result, error) {
	cfg = cfg.withDefaults()
	start := time.Now()
	res := Result{Stages: map[string]time.Duration{}}
	report := func(p Progress) {
		if progress != nil {
			progress(p)
		}
	}
	stage := func(name string, t0 time.Time) { res.Stages[name] += time.Since(t0) }
	if cfg.Soldiers < 1 || cfg.Duration < 10*time.Minute || cfg.TrainRuns < 1 || cfg.ValRuns < 1 || cfg.CalibRuns < 1 || cfg.Stride < 1 {
		return nil, res, fmt.Errorf("%w: train: %d soldiers, %v runs (≥ 10m), %d/%d/%d runs, stride %d",
			detector.ErrConfig, cfg.Soldiers, cfg.Duration, cfg.TrainRuns, cfg.ValRuns, cfg.CalibRuns, cfg.Stride)
	}
	rs := cfg.runSets()

	t0 := time.Now()
	report(Progress{Stage: "simulate"})
	trainSet, valSet, err := cfg.examples(ctx, rs)
	if err != nil {
		return nil, res, fmt.Errorf("train: %w", err)
	}
	stage("simulate", t0)

	net, err := tft.New(detector.NetConfig(), cfg.Seed)
	if err != nil {
		return nil, res, fmt.Errorf("train: %w", err)
	}
	t0 = time.Now()
	nr, err := tft.Train(ctx, net, trainSet, valSet, cfg.Net, func(p tft.Progress) {
		report(Progress{Stage: "train", Net: &p})
	})
	stage("train", t0)
	res.NetResult = nr
	if err != nil {
		return nil, res, fmt.Errorf("train: %w", err)
	}

	m := detector.NewModel(net, detector.ModelMeta{Format: detector.ModelFormat, FeatureVersion: detector.FeatureVersion})
	m.Meta.Training = detector.TrainingInfo{
		Seed: cfg.Seed, TrainSeeds: rs.train.Seeds, ValSeeds: rs.val.Seeds, Soldiers: cfg.Soldiers, Duration: cfg.Duration,
		Stride: cfg.Stride, Artefacts: cfg.Artefacts, AugmentProb: cfg.AugmentProb,
		TrainExamples: trainSet.Len(), ValExamples: valSet.Len(), Epochs: nr.Epochs, Steps: nr.Steps,
		BestEpoch: nr.BestEpoch, BestValLoss: nr.BestValLoss, FinalLoss: nr.FinalTrainLoss,
		Workers: cfg.Workers, Params: net.NumParams(), World: rs.world(),
	}

	t0 = time.Now()
	report(Progress{Stage: "validate"})
	if err := validateModel(ctx, m, net, valSet, rs.val, rs.stored); err != nil {
		return nil, res, fmt.Errorf("train: %w", err)
	}
	stage("validate", t0)

	t0 = time.Now()
	report(Progress{Stage: "calibrate"})
	if err := calibrateModel(ctx, m, rs.cal, cfg.TargetFA); err != nil {
		return nil, res, fmt.Errorf("train: %w", err)
	}
	stage("calibrate", t0)
	res.Elapsed = time.Since(start)
	return m, res, nil
}

// runSets are the simulated runs of a training: training, validation and
// calibration, each with its own seeds.
type runSets struct {
	train, val, cal RunConfig
	stored          bool // runs of the offline store
}

// runSets returns the runs of cfg (with defaults).
func (c Config) runSets() runSets {
	artefacts := 0.0
	if c.Artefacts {
		artefacts = engine.DefaultConfig().ArtefactRate
	}
	run := func(s []uint64) RunConfig {
		return RunConfig{Seeds: s, Soldiers: c.Soldiers, Duration: c.Duration, Artefacts: artefacts, Workers: c.Workers, World: c.World}
	}
	if c.Stored != nil {
		stored := func(rs []StoredRun) RunConfig {
			rc := run(nil)
			rc.Stored = rs
			for _, r := range rs {
				rc.Seeds = append(rc.Seeds, r.Seed)
			}
			return rc
		}
		return runSets{train: stored(c.Stored.Train), val: stored(c.Stored.Val), cal: stored(c.Stored.Calib), stored: true}
	}
	return runSets{train: run(seeds(c.Seed, 0, c.TrainRuns)), val: run(seeds(c.Seed, 100, c.ValRuns)), cal: run(seeds(c.Seed, 200, c.CalibRuns))}
}

// world returns the sensor world the runs were simulated in.
func (rs runSets) world() *engine.World {
	if rs.train.World != nil {
		w := *rs.train.World
		return &w
	}
	w := engine.DefaultConfig().World
	return &w
}

// examples simulates the training and validation runs and cuts their
// examples: every Stride-th tick of the training runs (augmented), and
// about ValExamples spread over the validation runs.
func (c Config) examples(ctx context.Context, rs runSets) (trainSet, valSet *detector.Examples, err error) {
	te := detector.NetConfig().EncoderLen
	trainTS, err := buildTrainingSet(ctx, rs.train, te, c.Stride)
	if err != nil {
		return nil, nil, err
	}
	// The validation pass runs after every epoch: keep it to about
	// ValExamples examples spread over the validation runs.
	valStride := max(1, c.Soldiers*int(c.Duration.Seconds())*c.ValRuns/c.ValExamples)
	valTS, err := buildTrainingSet(ctx, rs.val, te, valStride)
	if err != nil {
		return nil, nil, err
	}
	return detector.NewExamples(trainTS, c.AugmentProb, c.Seed), detector.NewExamples(valTS, 0, c.Seed+1), nil
}

// validateModel measures the forecasts of m's network net on valSet and
// the drift check's half-bands on the validation runs val, into m.Meta.
func validateModel(ctx context.Context, m *detector.Model, net *tft.Model, valSet *detector.Examples, val RunConfig, stored bool) error {
	var err error
	if m.Meta.Validation, err = validate(ctx, net, valSet, 20000); err != nil {
		return err
	}
	m.Meta.Drift = detector.DriftCheck{Ticks: detector.DefaultDriftTicks}
	m.Meta.Drift.VitalTicks[engine.HeartRate] = detector.DefaultHRDriftTicks
	// All the validation soldiers: phases are per squad, and contact is
	// about 2 % of the time, so fewer squads can leave contact without a
	// half-band of its own.
	if !stored { // stored runs are what they are
		val.Artefacts = engine.DefaultConfig().ArtefactRate
	}
	half, phaseHalf, err := measureDrift(ctx, m, val)
	if err != nil {
		return err
	}
	// Scored: core temperature (heat strain) and, over its short horizon,
	// heart rate (a tachycardia's onset ramp the forecast followed).
	for _, v := range []engine.Vital{engine.CoreTemp, engine.HeartRate} {
		m.Meta.Drift.Half[v] = half[v]
		for p := range phaseHalf {
			m.Meta.Drift.PhaseHalf[p][v] = phaseHalf[p][v]
		}
	}
	return nil
}

// calibrateModel calibrates the TFT scorer on m and the z-score baseline
// to targetFA on the runs cal (motion artefacts on: calibrate on what the
// field looks like), into m.Meta.
func calibrateModel(ctx context.Context, m *detector.Model, cal RunConfig, targetFA float64) error {
	cc := CalibrateConfig{Runs: cal, TargetFA: targetFA}
	cc.Runs.Artefacts = engine.DefaultConfig().ArtefactRate
	m.Meta.Calibration.Alerts = detector.DefaultAlertConfig()
	var err error
	if m.Meta.Calibration, err = Calibrate(ctx, cc, detector.DefaultAlertConfig(), func(a detector.AlertConfig) (detector.Scorer, error) {
		return detector.NewTFT(detector.WithModel(m), detector.WithAlertConfig(a), detector.WithExplanations(false))
	}); err != nil {
		return fmt.Errorf("calibrate tft: %w", err)
	}
	if m.Meta.ZScore, err = Calibrate(ctx, cc, detector.DefaultAlertConfig(), func(a detector.AlertConfig) (detector.Scorer, error) {
		return detector.NewZScore(detector.WithAlertConfig(a))
	}); err != nil {
		return fmt.Errorf("calibrate zscore: %w", err)
	}
	return nil
}

// validate forecasts up to max evenly spaced examples of ds and measures
// the bands in the vitals' units.
func validate(ctx context.Context, net *tft.Model, ds *detector.Examples, limit int) (detector.ValidationReport, error) {
	var rep detector.ValidationReport
	n := ds.Len()
	step := max(1, n/limit)
	ws := net.NewWorkspace()
	out := net.NewForecast()
	var ex tft.Example
	var abs, width [engine.NumVitals][]float64
	var in96, in80, cnt [engine.NumVitals]int
	var pin float64
	var pinN int
	for i := 0; i < n; i += step {
		if i%(step*1000) == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		if err := ds.Example(i, &ex); err != nil {
			return rep, err
		}
		if err := net.Forecast(ws, &ex.Input, out); err != nil {
			return rep, fmt.Errorf("validate: %w", err)
		}
		scale := ds.TargetScale(i)
		for v := range engine.NumVitals {
			if ex.TargetMask[v] == 0 {
				continue
			}
			y := ex.Target[v]
			b := out.Band(0, v)
			cnt[v]++
			if b[0] <= y && y <= b[4] {
				in96[v]++
			}
			if b[1] <= y && y <= b[3] {
				in80[v]++
			}
			abs[v] = append(abs[v], math.Abs(y-b[2])/scale[v])
			width[v] = append(width[v], (b[4]-b[0])/scale[v])
			for q, lv := range detector.QuantileLevels {
				d := y - b[q]
				pin += max(lv*d, (lv-1)*d)
				pinN++
			}
		}
		rep.Examples++
	}
	for v := range engine.NumVitals {
		if cnt[v] == 0 {
			continue
		}
		rep.Cover96[v] = float64(in96[v]) / float64(cnt[v])
		rep.Cover80[v] = float64(in80[v]) / float64(cnt[v])
		rep.MedianAbs[v] = median(abs[v])
		rep.Width96[v] = median(width[v])
	}
	if pinN > 0 {
		rep.PinballAvg = pin / float64(pinN)
	}
	return rep, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// minDriftRows is how many drift values a phase needs in the validation
// runs before it gets a half-band of its own.
const minDriftRows = 2000

// measureDrift runs the TFT scorer (alerts off, drift measured but not
// scored) over normal runs and returns per vital the 0.96 quantile of
// |detector.VitalVerdict.Drift| — the drift check's half-band — over all rows and
// within each phase that has at least minDriftRows rows (zero otherwise).
func measureDrift(ctx context.Context, m *detector.Model, rc RunConfig) (half [engine.NumVitals]float64, phaseHalf [engine.NumPhases][engine.NumVitals]float64, err error) {
	saved := m.Meta.Drift
	m.Meta.Drift.Half = [engine.NumVitals]float64{}
	m.Meta.Drift.PhaseHalf = [engine.NumPhases][engine.NumVitals]float64{}
	defer func() { m.Meta.Drift = saved }()
	cfg := detector.DefaultAlertConfig()
	for v := range cfg.Open {
		cfg.Open[v] = math.Inf(1)
	}
	per := make([][engine.NumPhases][engine.NumVitals][]float64, len(rc.Seeds))
	err = rc.ForEachRun(ctx, func(ctx context.Context, i int, seed uint64) error {
		sc, err := detector.NewTFT(detector.WithModel(m), detector.WithAlertConfig(cfg))
		if err != nil {
			return err
		}
		return rc.drive(ctx, i, seed, []detector.Scorer{sc}, func(_ *engine.Frame, vs [][]detector.Verdict) error {
			for j := range vs[0] {
				ph := min(vs[0][j].Phase, engine.NumPhases-1)
				for v := range engine.NumVitals {
					if d := vs[0][j].Vitals[v].Drift; !math.IsNaN(d) {
						per[i][ph][v] = append(per[i][ph][v], math.Abs(d))
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		return half, phaseHalf, fmt.Errorf("measure drift: %w", err)
	}
	q96 := func(xs []float64) float64 {
		slices.Sort(xs)
		return xs[int(0.96*float64(len(xs)-1))]
	}
	for v := range engine.NumVitals {
		var all []float64
		for p := range engine.NumPhases {
			var in []float64
			for i := range per {
				in = append(in, per[i][p][v]...)
			}
			all = append(all, in...)
			if len(in) >= minDriftRows {
				phaseHalf[p][v] = q96(in)
			}
		}
		if len(all) == 0 {
			return half, phaseHalf, fmt.Errorf("measure drift: no drift values for %s", engine.Vital(v))
		}
		half[v] = q96(all)
	}
	return half, phaseHalf, nil
}
