package evaluation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Detector is one scorer under evaluation: a name and a constructor that
// returns a fresh scorer (no soldier state) for each run.
type Detector struct {
	Name string
	New  func() (detector.Scorer, error)
	// Calibration, if set, is reported with the detector's results.
	Calibration *detector.Calibration
}

// Config configures Evaluate.
type Config struct {
	Runs  training.RunConfig // the held-out runs (with anomalies)
	Match MatchConfig        // matching rules
	// Exclude lists seeds that must not be evaluated on (those used for
	// training and calibration); Evaluate refuses to run on them.
	Exclude []uint64
}

// Goals are the targets for held-out seeds (issue 18, the field world,
// probation 0). StartRecall is the share of the events under way at start
// to catch within StartWindow ticks; ContactFalsePerSoldierHour bounds the
// false alerts per soldier-hour spent in contact. DelayMedian is checked on
// the events of every kind but heat strain (DetectorReport.WithoutHeat), as
// the goal carves it out: heat strain's core temperature rises
// 0.10–0.20 °C/min, 0.008–0.017 °C in 5 s, about one sensor-noise sd, so no
// test held to the false-alert goal can see it in seconds; its own delay is
// reported apart (heatWhy).
var Goals = struct {
	Recall, Precision, DelayMedian, FalsePerSoldierHour, ContactFalsePerSoldierHour, StartRecall float64
}{Recall: 0.95, Precision: 0.95, DelayMedian: 5, FalsePerSoldierHour: 0.01, ContactFalsePerSoldierHour: 0.1, StartRecall: 0.8}

// heatWhy is the one-line reason the median-delay goal leaves heat strain
// out, printed with the goals.
const heatWhy = "heat strain raises core temperature 0.10–0.20 °C/min: about one noise sd in 5 s, so it takes about a minute"

// Report is the result of an evaluation.
type Report struct {
	// Recording names the file evaluated instead of simulated seeds
	// (chakra-tui eval --replay); Seeds then holds the recording's seed.
	Recording    string           `json:"recording,omitempty"`
	Seeds        []uint64         `json:"seeds"`
	Soldiers     int              `json:"soldiers"`
	Duration     time.Duration    `json:"duration_ns"`
	PoisonRate   float64          `json:"poison_rate"`
	Artefacts    float64          `json:"artefacts_per_soldier_hour"`
	Grace        int64            `json:"grace_ticks"`
	Probation    int64            `json:"probation_ticks"`
	SoldierHours float64          `json:"soldier_hours"`
	Detectors    []DetectorReport `json:"detectors"`
}

// DetectorReport holds one detector's results.
type DetectorReport struct {
	Name        string                `json:"name"`
	Calibration *detector.Calibration `json:"calibration,omitempty"`
	Overall     Metrics               `json:"overall"`
	Kinds       []KindReport          `json:"kinds"`
	// WithoutHeat holds the events of every kind but heat strain: the
	// median-delay goal is checked on its DelayMedian (see Goals).
	WithoutHeat Metrics `json:"without_heat_strain"`
	Contact     Metrics `json:"contact"`
	Other       Metrics `json:"other_phases"`
	// AtStart holds the events under way at a run's first tick (see
	// Tally.AtStart); AtStartInTime how many of them were caught within
	// StartWindow ticks of it.
	AtStart       Metrics `json:"under_way_at_start"`
	AtStartInTime int     `json:"under_way_at_start_detected_in_60s"`
	// SeedF1 is the overall F1 of each seed's run alone, in the order of
	// Report.Seeds (null where undefined; empty for a recording).
	SeedF1 Rates `json:"seed_f1,omitempty"`
	// ArtefactHits counts false alerts that opened on a motion artefact;
	// DataQualityFalse those from the dropout and stuck channels.
	ArtefactHits     int            `json:"artefact_hits"`
	DataQualityFalse int            `json:"data_quality_false"`
	Channels         []ChannelCount `json:"channels"`
	Elapsed          time.Duration  `json:"scoring_ns"`
}

// KindReport holds the metrics of one anomaly kind.
type KindReport struct {
	Kind string `json:"kind"`
	Metrics
}

// MarshalJSON writes the kind's name and its metrics as one object (without
// it, Metrics.MarshalJSON, promoted through the embedding, writes the
// metrics alone and the name is lost).
func (k KindReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind string `json:"kind"`
		metricsJSON
	}{k.Kind, k.Metrics.json()})
}

// Rates is a list of rates written to JSON with undefined (NaN) entries as
// null.
type Rates []float64

// MarshalJSON writes the rates, NaN as null.
func (r Rates) MarshalJSON() ([]byte, error) {
	out := make([]*float64, len(r))
	for i, x := range r {
		out[i] = finite(x)
	}
	return json.Marshal(out)
}

// Spread returns the smallest and largest defined rate (NaN, NaN when
// none is).
func (r Rates) Spread() (lo, hi float64) {
	lo, hi = math.NaN(), math.NaN()
	for _, x := range r {
		if math.IsNaN(x) {
			continue
		}
		if math.IsNaN(lo) || x < lo {
			lo = x
		}
		if math.IsNaN(hi) || x > hi {
			hi = x
		}
	}
	return lo, hi
}

// ChannelCount is how many true and false alerts opened on one channel.
type ChannelCount struct {
	Channel string `json:"channel"`
	True    int    `json:"true"`
	False   int    `json:"false"`
}

// Evaluate runs every detector on every held-out run and matches their
// alerts against the ground truth (see MatchConfig for the rules).
func Evaluate(ctx context.Context, cfg Config, dets []Detector) (*Report, error) {
	if err := cfg.Runs.Validate("evaluate"); err != nil {
		return nil, err
	}
	if len(dets) == 0 {
		return nil, fmt.Errorf("%w: evaluate: no detectors", detector.ErrConfig)
	}
	for _, s := range cfg.Runs.Seeds {
		for _, x := range cfg.Exclude {
			if s == x {
				return nil, fmt.Errorf("%w: evaluate: seed %d was used for training or calibration", detector.ErrConfig, s)
			}
		}
	}
	type runResult struct {
		runs    []Run
		elapsed []time.Duration
	}
	results := make([]runResult, len(cfg.Runs.Seeds))
	err := cfg.Runs.ForEachRun(ctx, func(ctx context.Context, i int, seed uint64) error {
		scorers := make([]detector.Scorer, len(dets))
		for d := range dets {
			sc, err := dets[d].New()
			if err != nil {
				return fmt.Errorf("evaluate %s: %w", dets[d].Name, err)
			}
			scorers[d] = sc
		}
		rr := &results[i]
		rr.runs = make([]Run, len(dets))
		rr.elapsed = make([]time.Duration, len(dets))
		src, name, err := cfg.Runs.Source(i, seed)
		if err != nil {
			return err
		}
		return driveRecording(ctx, src, name, cfg.Match, scorers, rr.runs, rr.elapsed)
	})
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Seeds: append([]uint64(nil), cfg.Runs.Seeds...), Soldiers: cfg.Runs.Soldiers, Duration: cfg.Runs.Duration,
		PoisonRate: cfg.Runs.PoisonRate, Artefacts: cfg.Runs.Artefacts, Grace: cfg.Match.Grace,
		Probation: cfg.Match.Probation,
	}
	for d := range dets {
		t := NewTally(cfg.Match)
		var el time.Duration
		for i := range results {
			t.Add(&results[i].runs[d])
			el += results[i].elapsed[d]
		}
		dr := NewDetectorReport(dets[d].Name, dets[d].Calibration, t, el)
		for i := range results {
			one := NewTally(cfg.Match)
			one.Add(&results[i].runs[d])
			dr.SeedF1 = append(dr.SeedF1, one.Overall().F1)
		}
		rep.SoldierHours = dr.Overall.SoldierHours
		rep.Detectors = append(rep.Detectors, dr)
	}
	return rep, nil
}

// driveRecording runs one simulation (or stored run) through every scorer and records,
// per scorer, the run's events, alert openings and phase exposure.
func driveRecording(ctx context.Context, src engine.Source, name string, m MatchConfig, scorers []detector.Scorer, runs []Run, elapsed []time.Duration) error {
	timed := make([]detector.Scorer, len(scorers))
	for i, sc := range scorers {
		timed[i] = &timedScorer{Scorer: sc, d: &elapsed[i]}
	}
	col := NewCollector(len(scorers), m)
	err := training.DriveSource(ctx, src, name, timed, func(f *engine.Frame, vs [][]detector.Verdict) error {
		col.Frame(f)
		for d := range vs {
			col.Verdicts(d, vs[d])
		}
		return nil
	})
	if err != nil {
		return err
	}
	for d := range runs {
		runs[d] = col.Run(d)
	}
	return nil
}

// timedScorer adds up the time spent in Score.
type timedScorer struct {
	detector.Scorer
	d *time.Duration
}

func (t *timedScorer) Score(ws []featurestore.Window, dst []detector.Verdict) ([]detector.Verdict, error) {
	start := time.Now()
	dst, err := t.Scorer.Score(ws, dst)
	*t.d += time.Since(start)
	return dst, err
}

// WriteTable writes the report as readable tables: per detector the
// overall and per-kind metrics, the phase split, and a goal check.
func (r *Report) WriteTable(w io.Writer) error {
	bw := &errWriter{w: w}
	if r.Recording != "" {
		fmt.Fprintf(bw, "recording %s (simulation seed %v) · ", r.Recording, r.Seeds)
	} else {
		fmt.Fprintf(bw, "held-out seeds %v · ", r.Seeds)
	}
	fmt.Fprintf(bw, "%d soldiers · %v each · poison %.3g · artefacts %.3g/soldier-hour · grace %d s · probation %d s · %.1f soldier-hours\n\n",
		r.Soldiers, r.Duration, r.PoisonRate, r.Artefacts, r.Grace, r.Probation, r.SoldierHours)
	r.writeMetrics(bw)
	r.writeF1(bw)
	r.writeChannels(bw)
	r.writeGoals(bw)
	return bw.err
}

// writeMetrics writes the table of metrics: one block per detector, a row
// per slice (all, each kind, under way at start, contact, other phases).
func (r *Report) writeMetrics(bw io.Writer) {
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "detector\tslice\tevents\tdetected\tprecision\trecall\tF1\tdelay p50\tp90 s\tkind ok\tfalse\t/100 sh\t")
	row := func(name, slice string, m *Metrics) {
		false_ := strconv.Itoa(m.FalseAlerts)
		if math.IsNaN(m.Precision) && m.FalseAlerts == 0 && m.TrueAlerts == 0 && math.IsNaN(m.FalsePerSoldierHour) {
			false_ = "—" // a slice that owns no alerts (under way at start)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, slice, m.Events, m.Detected,
			fmtRate(m.Precision), fmtRate(m.Recall), fmtRate(m.F1), fmtNum(m.DelayMedian), fmtNum(m.DelayP90),
			fmtRate(m.KindAccuracy), false_, fmtNum(100*m.FalsePerSoldierHour))
	}
	for i := range r.Detectors {
		d := &r.Detectors[i]
		row(d.Name, "all", &d.Overall)
		for j := range d.Kinds {
			row("", d.Kinds[j].Kind, &d.Kinds[j].Metrics)
		}
		if d.AtStart.Events > 0 {
			row("", "under way at start", &d.AtStart)
		}
		row("", "all but heat strain", &d.WithoutHeat)
		row("", "contact", &d.Contact)
		row("", "other phases", &d.Other)
		fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t\t\t\t")
	}
	tw.Flush()
}

// writeF1 writes each detector's F1 with its spread over seeds and its
// catches of events under way at start.
func (r *Report) writeF1(bw io.Writer) {
	fmt.Fprintln(bw, "\nper kind, false = false alerts the detector named that kind; under way at start = label start ≤ first tick,")
	fmt.Fprintln(bw, "delays from the first tick; F1 over all seeds, and min–max of each seed's own F1:")
	for i := range r.Detectors {
		d := &r.Detectors[i]
		fmt.Fprintf(bw, "  %-10s F1 %s", d.Name, fmtRate(d.Overall.F1))
		if lo, hi := d.SeedF1.Spread(); len(d.SeedF1) > 1 {
			fmt.Fprintf(bw, " (seeds %s–%s)", fmtRate(lo), fmtRate(hi))
		}
		fmt.Fprintf(bw, " · under way at start %d/%d caught within %d s\n", d.AtStartInTime, d.AtStart.Events, StartWindow)
	}
}

// writeChannels writes each detector's false alerts by channel, artefact
// hits, scoring time and calibration.
func (r *Report) writeChannels(bw io.Writer) {
	fmt.Fprintln(bw, "\nfalse alerts by channel, artefact hits, scoring time:")
	for i := range r.Detectors {
		d := &r.Detectors[i]
		var parts []string
		for _, c := range d.Channels {
			if c.True+c.False > 0 {
				parts = append(parts, fmt.Sprintf("%s %d/%d", c.Channel, c.False, c.True+c.False))
			}
		}
		perWindow := time.Duration(0)
		if n := int64(r.SoldierHours * 3600); n > 0 {
			perWindow = d.Elapsed / time.Duration(n)
		}
		fmt.Fprintf(bw, "  %-10s %s · artefact hits %d · data-quality false %d · %v scoring (%v/window)\n",
			d.Name, strings.Join(parts, ", "), d.ArtefactHits, d.DataQualityFalse, d.Elapsed.Round(time.Millisecond), perWindow)
		if c := d.Calibration; c != nil {
			fmt.Fprintf(bw, "  %-10s calibrated to %.3g false/soldier-hour on seeds %v (%.0f soldier-hours): open levels %s\n",
				"", c.TargetFA, c.Seeds, c.SoldierHours, fmtLevels(c.Alerts.Open))
		}
	}
}

// writeGoals writes the goals and which of them each detector meets.
func (r *Report) writeGoals(bw io.Writer) {
	fmt.Fprintf(bw, "\ngoals: recall ≥ %.2f, precision ≥ %.2f, median delay ≤ %.0f s, ≤ %.0f false alerts per 100 soldier-hours\n"+
		"  (≤ %.0f per 100 in contact), events under way at start: recall ≥ %.1f within %d s\n"+
		"  the delay goal is checked on every kind but heat strain, whose delay is reported apart:\n  %s\n",
		Goals.Recall, Goals.Precision, Goals.DelayMedian, 100*Goals.FalsePerSoldierHour, 100*Goals.ContactFalsePerSoldierHour,
		Goals.StartRecall, StartWindow, heatWhy)
	for i := range r.Detectors {
		d := &r.Detectors[i]
		o := &d.Overall
		start := "—"
		if d.AtStart.Events > 0 {
			start = goal(float64(d.AtStartInTime) >= Goals.StartRecall*float64(d.AtStart.Events))
		}
		contact := "—"
		if c := d.Contact.FalsePerSoldierHour; !math.IsNaN(c) {
			contact = goal(c <= Goals.ContactFalsePerSoldierHour)
		}
		heat := math.NaN()
		for j := range d.Kinds {
			if d.Kinds[j].Kind == engine.KindHeatStrain.String() {
				heat = d.Kinds[j].DelayMedian
			}
		}
		fmt.Fprintf(bw, "  %-10s recall %s  precision %s  delay %s  false %s  contact %s  at start %s"+
			"  (median delay %s s without heat strain, %s s with it; heat strain %s s)\n", d.Name,
			goal(o.Recall >= Goals.Recall), goal(o.Precision >= Goals.Precision),
			goal(d.WithoutHeat.DelayMedian <= Goals.DelayMedian), goal(o.FalsePerSoldierHour <= Goals.FalsePerSoldierHour), contact, start,
			fmtNum(d.WithoutHeat.DelayMedian), fmtNum(o.DelayMedian), fmtNum(heat))
	}
}

func goal(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func fmtRate(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%.3f", x)
}

// fmtNum writes x with 3 significant digits, but whole numbers from 1000
// on (1660, not 1.66e+03).
func fmtNum(x float64) string {
	switch {
	case math.IsNaN(x):
		return "—"
	case math.Abs(x) >= 1000:
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.3g", x)
}

func fmtLevels(l [engine.NumVitals]float64) string {
	parts := make([]string, engine.NumVitals)
	for v := range engine.NumVitals {
		parts[v] = fmt.Sprintf("%s %.3g", engine.Vital(v), l[v])
	}
	return strings.Join(parts, ", ")
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}

// Options is what `chakra-tui eval` asks for: which detectors, on which
// model, calibrated how. RunEval turns it into detectors and evaluates them.
type Options struct {
	Eval      Config
	Detectors []string // "tft", "threshold", "zscore", "phasez"
	// Model is the TFT's model; nil loads ModelPath, or the embedded model
	// when ModelPath is empty.
	Model     *detector.Model
	ModelPath string
	// TargetFA, CalibSeeds: recalibrate the TFT and the z-score to TargetFA
	// (default training.DefaultTargetFA) on normal runs of CalibSeeds (default the
	// model's calibration seeds) of CalibDuration each. With neither set
	// both keep the calibration stored in the model file.
	TargetFA      float64
	CalibSeeds    []uint64
	CalibDuration time.Duration
	// WithholdPhase adds, after each detector, the same detector with
	// every soldier's phase withheld (detector.WithholdPhase: guessed as
	// the HTTP API's default, patrol), named with "-nophase".
	WithholdPhase bool
	// WrongPhase adds after each detector, per fault, the same detector
	// with the phases of the fault reported instead of the true ones
	// (MisreportPhase), named DETECTOR-wrong:FAULT.
	WrongPhase []PhaseFault
	// PhaseCheck, if set, is the TFT's phase-check hold
	// (detector.WithPhaseCheck; 0 turns the check off).
	PhaseCheck *time.Duration
	// CompactState gives the TFT compact state (detector.WithCompactState:
	// float32 streams and histories, a float32 forward after the
	// selection), as a fleet of tens of thousands of soldiers runs it.
	CompactState bool
}

// RunEval builds the requested detectors, recalibrates them if asked, and
// evaluates them on seeds disjoint from every seed the model was trained,
// validated or calibrated on.
func RunEval(ctx context.Context, o Options) (*Report, error) {
	for _, f := range o.WrongPhase {
		if err := f.Validate(); err != nil {
			return nil, err
		}
	}
	want := map[string]bool{}
	for _, n := range o.Detectors {
		switch n {
		case "tft", "threshold", "zscore", "phasez":
			want[n] = true
		default:
			return nil, fmt.Errorf("%w: unknown detector %q (want tft, threshold, zscore or phasez)", detector.ErrConfig, n)
		}
	}
	m := o.Model
	var merr error
	if m == nil {
		if o.ModelPath != "" {
			m, merr = detector.LoadModelFile(o.ModelPath)
		} else {
			m, merr = detector.EmbeddedModel()
		}
	}
	if merr != nil && (want["tft"] || o.ModelPath != "") {
		return nil, merr
	}
	b := builder{m: m, merr: merr, recal: o.TargetFA != 0 || len(o.CalibSeeds) > 0}
	if o.PhaseCheck != nil {
		b.extra = append(b.extra, detector.WithPhaseCheck(*o.PhaseCheck))
	}
	if o.CompactState {
		b.extra = append(b.extra, detector.WithCompactState(true))
	}
	b.cc = training.CalibrateConfig{TargetFA: o.TargetFA, Runs: training.RunConfig{
		Seeds: o.CalibSeeds, Soldiers: o.Eval.Runs.Soldiers, Duration: o.CalibDuration,
		Artefacts: o.Eval.Runs.Artefacts, Workers: o.Eval.Runs.Workers, World: o.Eval.Runs.World,
	}}
	if b.cc.Runs.Duration == 0 {
		b.cc.Runs.Duration = time.Hour
	}
	if b.recal && len(b.cc.Runs.Seeds) == 0 {
		if m == nil {
			return nil, fmt.Errorf("%w: recalibrating needs calibration seeds (no model to take them from: %v)", detector.ErrConfig, merr)
		}
		b.cc.Runs.Seeds = m.Meta.Calibration.Seeds
	}
	o.Eval.Exclude = b.exclude(o.Eval.Exclude)

	var dets []Detector
	for _, n := range o.Detectors {
		d, err := b.detector(ctx, n)
		if err != nil {
			return nil, err
		}
		dets = append(dets, d)
		if o.WithholdPhase {
			dets = append(dets, withheld(d))
		}
		for _, f := range o.WrongPhase {
			dets = append(dets, misreportedDetector(d, f))
		}
	}
	return Evaluate(ctx, o.Eval, dets)
}

// builder builds RunEval's detectors: on model m (nil when it failed to
// load with merr), recalibrated with cc when recal is set.
type builder struct {
	m     *detector.Model
	merr  error
	recal bool
	cc    training.CalibrateConfig
	extra []detector.Option // given to the TFT after its own options
}

// exclude returns the seeds an evaluation must not run on: those of ex,
// the recalibration's, and every seed the model was trained, validated
// or calibrated on.
func (b *builder) exclude(ex []uint64) []uint64 {
	ex = append([]uint64(nil), ex...)
	ex = append(ex, b.cc.Runs.Seeds...)
	if m := b.m; m != nil {
		t := &m.Meta.Training
		ex = append(append(append(ex, t.TrainSeeds...), t.ValSeeds...), m.Meta.Calibration.Seeds...)
		ex = append(ex, m.Meta.ZScore.Seeds...)
	}
	return ex
}

// detector returns the detector called name ("threshold", "zscore",
// "phasez" or "tft") with its calibration.
func (b *builder) detector(ctx context.Context, name string) (Detector, error) {
	switch name {
	case "phasez":
		return b.phasez(ctx)
	case "zscore":
		var cal detector.Calibration
		switch {
		case b.recal:
			c, err := training.Calibrate(ctx, b.cc, detector.DefaultAlertConfig(), func(a detector.AlertConfig) (detector.Scorer, error) {
				return detector.NewZScore(detector.WithAlertConfig(a))
			})
			if err != nil {
				return Detector{}, fmt.Errorf("calibrate zscore: %w", err)
			}
			cal = c
		case b.m != nil:
			cal = b.m.Meta.ZScore
		default:
			return Detector{}, fmt.Errorf("%w: the z-score needs a calibration: give calibration seeds (no model to take it from: %v)", detector.ErrConfig, b.merr)
		}
		return Detector{Name: name, Calibration: &cal,
			New: func() (detector.Scorer, error) { return detector.NewZScore(detector.WithAlertConfig(cal.Alerts)) }}, nil
	case "tft":
		m := b.m
		cal := m.Meta.Calibration
		if b.recal {
			c, err := training.Calibrate(ctx, b.cc, m.Meta.Calibration.Alerts, func(a detector.AlertConfig) (detector.Scorer, error) {
				return detector.NewTFT(detector.WithModel(m), detector.WithAlertConfig(a), detector.WithExplanations(false))
			})
			if err != nil {
				return Detector{}, fmt.Errorf("calibrate tft: %w", err)
			}
			cal = c
		}
		return Detector{Name: name, Calibration: &cal,
			New: func() (detector.Scorer, error) {
				return detector.NewTFT(append([]detector.Option{detector.WithModel(m), detector.WithAlertConfig(cal.Alerts)}, b.extra...)...)
			}}, nil
	default: // "threshold"
		return Detector{Name: name, New: func() (detector.Scorer, error) { return detector.NewThreshold() }}, nil
	}
}

// phasez fits the phase-aware z-score on the runs the model's TFT was
// trained and validated on and calibrates it on its calibration runs
// (PhaseZRuns), or on the recalibration's runs when asked for.
func (b *builder) phasez(ctx context.Context) (Detector, error) {
	if b.m == nil {
		return Detector{}, fmt.Errorf("%w: phasez learns from the model's training runs (no model: %v)", detector.ErrConfig, b.merr)
	}
	fit, cc := PhaseZRuns(b.m, b.cc.Runs.Workers)
	if b.recal {
		cc = b.cc
	}
	m, cal, err := PhaseZ(ctx, fit, cc)
	if err != nil {
		return Detector{}, err
	}
	return Detector{Name: "phasez", Calibration: &cal,
		New: func() (detector.Scorer, error) { return detector.NewPhaseZ(m, detector.WithAlertConfig(cal.Alerts)) }}, nil
}

// withheld returns d scored with every soldier's phase withheld
// (detector.WithholdPhase with the HTTP API's default guess, patrol).
func withheld(d Detector) Detector {
	n := d.New
	d.Name += "-nophase"
	d.New = func() (detector.Scorer, error) {
		sc, err := n()
		if err != nil {
			return nil, err
		}
		return detector.WithholdPhase(sc, engine.PhasePatrol), nil
	}
	return d
}

// misreportedDetector returns d scored with the phases of f reported
// (MisreportPhase).
func misreportedDetector(d Detector, f PhaseFault) Detector {
	n := d.New
	d.Name += "-wrong:" + f.String()
	d.New = func() (detector.Scorer, error) {
		sc, err := n()
		if err != nil {
			return nil, err
		}
		return MisreportPhase(sc, f), nil
	}
	return d
}
