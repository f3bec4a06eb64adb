package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/evaluation"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
)

// runEval evaluates detectors on held-out simulations and prints event-level
// metrics per detector and anomaly kind.
func runEval(ctx context.Context, args []string, e env) error {
	if csvArgs, ok := evalCSVAlias(args); ok {
		return runEvalCSV(ctx, csvArgs, e)
	}
	c := newCommand("eval", "chakra-tui eval [flags]",
		"Run the TFT and the baselines on simulated seeds never used for training or calibration and print event-level\n"+
			"precision, recall, F1, detection delay and false alerts per soldier-hour, per detector and anomaly kind.\n"+
			"chakra-tui eval --csv DIR [eval-csv flags] is chakra-tui eval-csv --dir DIR (labelled CSV files, docs/realhr.md).", e.stderr)
	f := addEvalFlags(c)
	if err := c.parse(args); err != nil {
		return err
	}
	match := evaluation.MatchConfig{Grace: f.grace, Probation: f.probation}
	if f.replay != "" {
		return runEvalReplay(ctx, f.replay, splitNames(f.detectors), f.modelPath, match, f.asJSON, e)
	}
	opts, err := f.options(ctx)
	if err != nil {
		return err
	}
	if f.explanations {
		if !f.asJSON {
			fmt.Fprintf(e.stderr, "explaining the TFT's alerts on %d seeds × %d soldiers × %v in the %s world …\n", len(opts.Eval.Runs.Seeds), f.soldiers, f.duration, worldName(*opts.Eval.Runs.World))
		}
		rep, err := evaluation.RunExplanations(ctx, opts)
		if err != nil {
			return err
		}
		if f.asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		return rep.WriteTable(e.stdout)
	}
	if !f.asJSON {
		fmt.Fprintf(e.stderr, "evaluating %s on %d runs × %d soldiers × %v in the %s world …\n", strings.Join(opts.Detectors, ", "), len(opts.Eval.Runs.Seeds), opts.Eval.Runs.Soldiers, opts.Eval.Runs.Duration, worldName(*opts.Eval.Runs.World))
	}
	rep, err := evaluation.RunEval(ctx, opts)
	if err != nil {
		return err
	}
	return writeReport(e.stdout, rep, f.asJSON)
}

// evalFlags are the flags of chakra-tui eval.
type evalFlags struct {
	seeds, calibSeeds       string
	duration, calibDuration time.Duration
	soldiers, workers       int
	poison, artefacts       float64
	detectors               string
	target                  float64
	grace, probation        int64
	modelPath, replay       string
	runs                    string
	asJSON, explanations    bool
	withholdPhase           bool
	wrongPhase              string
	wrongShare              float64
	wrongSeed               uint64
	phaseCheck              time.Duration
	compactState            string // --compact-state
	world                   *worldFlags
}

// addEvalFlags registers the eval flags on c.
func addEvalFlags(c *command) *evalFlags {
	f := &evalFlags{}
	fs := c.fs
	fs.StringVar(&f.seeds, "seeds", "9001-9004", "held-out simulation seeds: a list and/or ranges")
	c.example("seeds", "9001-9008,9100")
	fs.DurationVar(&f.duration, "duration", time.Hour, "simulated time per seed")
	c.example("duration", "2h")
	fs.IntVar(&f.soldiers, "soldiers", 100, "soldiers per simulation")
	c.example("soldiers", "50")
	fs.Float64Var(&f.poison, "poison-rate", 0.05, "fraction of soldier-ticks inside anomaly windows")
	c.example("poison-rate", "0.1")
	fs.Float64Var(&f.artefacts, "artefact-rate", 1, "one-sample motion artefacts (non-events) per soldier-hour")
	c.example("artefact-rate", "2")
	fs.StringVar(&f.detectors, "detectors", "tft,threshold,zscore", "detectors to evaluate, comma-separated (tft, threshold, zscore, phasez)")
	c.example("detectors", "tft,zscore")
	fs.Float64Var(&f.target, "target-fa", 0, "target false alerts per soldier-hour when calibrating (0: keep the model's calibration)")
	c.example("target-fa", "0.005")
	fs.StringVar(&f.calibSeeds, "calib-seeds", "", "normal-run seeds to recalibrate the TFT and z-score on (empty: the model's calibration)")
	c.example("calib-seeds", "8001-8002")
	fs.DurationVar(&f.calibDuration, "calib-duration", time.Hour, "simulated time per calibration seed")
	c.example("calib-duration", "2h")
	fs.Int64Var(&f.grace, "grace", evaluation.DefaultGrace, "ticks after an event's end during which an alert still counts for it")
	c.example("grace", "10")
	fs.Int64Var(&f.probation, "probation", evaluation.DefaultProbation, "ticks at the start of each run that are not scored (events starting in them, alerts opening in them); 0: score everything, events under way at the start get a row of their own")
	c.example("probation", "0")
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "simulations run at once")
	c.example("workers", "1")
	fs.StringVar(&f.modelPath, "model", "", "model file to use instead of the embedded model")
	c.example("model", "detector/model/tft.bin")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	c.example("json", "true")
	fs.BoolVar(&f.explanations, "explanations", false, "report how the TFT's alerts explain themselves instead: how often they name the true event's vital, where the attribution's time peak lies, the top input by kind")
	c.example("explanations", "true")
	fs.BoolVar(&f.withholdPhase, "withhold-phase", false, "also evaluate each detector with every soldier's phase withheld, as an HTTP client that sends no phase (named DETECTOR-nophase): heart rate is then judged against each soldier's own baseline (docs/realhr.md)")
	c.example("withhold-phase", "true")
	fs.StringVar(&f.wrongPhase, "wrong-phase", "", "also evaluate each detector with a wrong phase reported, per fault of a comma-separated list (named DETECTOR-wrong:FAULT): a phase name (every row reports it, as a client stuck on \"rest\") or stale:DURATION (the phase as it was DURATION earlier); the truth labels are kept (docs/realhr.md)")
	c.example("wrong-phase", "rest,contact,stale:5m")
	fs.Float64Var(&f.wrongShare, "wrong-phase-share", 1, "fraction of soldiers whose phase --wrong-phase misreports (picked by --wrong-phase-seed)")
	c.example("wrong-phase-share", "0.3")
	fs.Uint64Var(&f.wrongSeed, "wrong-phase-seed", 1, "seed that picks the soldiers of --wrong-phase-share")
	c.example("wrong-phase-seed", "2")
	fs.DurationVar(&f.phaseCheck, "phase-check", detector.PhaseMismatchHold*time.Second, "how long a reported phase must disagree with a soldier's stamina before the TFT judges its heart rate as for an unknown phase; 0 turns the phase check off, as before it was built")
	c.example("phase-check", "0")
	fs.StringVar(&f.replay, "replay", "", "evaluate a recording instead of simulated seeds: score its frames with --detectors and, if it holds verdicts, evaluate those as seen live (the simulation flags are ignored)")
	c.example("replay", "run.chakra.gz")
	fs.StringVar(&f.runs, "runs", "", "evaluate on runs of the offline store instead of simulated seeds: runs or directories (or s3:// prefixes) of runs, comma-separated, with their ground-truth labels (the simulation flags are ignored; runs of seeds the model was trained or calibrated on are refused)")
	c.example("runs", "runs/")
	addCompactFlag(c, &f.compactState)
	f.world = addWorldFlags(c)
	return f
}

// options turns the flags into what evaluation.RunEval asks for.
func (f *evalFlags) options(ctx context.Context) (evaluation.Options, error) {
	evalSeeds, err := parseSeeds(f.seeds)
	if err != nil {
		return evaluation.Options{}, fmt.Errorf("--seeds: %w", err)
	}
	var cseeds []uint64
	if f.calibSeeds != "" {
		if cseeds, err = parseSeeds(f.calibSeeds); err != nil {
			return evaluation.Options{}, fmt.Errorf("--calib-seeds: %w", err)
		}
	}
	if err := checkCompactFlag(f.compactState); err != nil {
		return evaluation.Options{}, err
	}
	w, err := f.world.world()
	if err != nil {
		return evaluation.Options{}, err
	}
	runs := training.RunConfig{Seeds: evalSeeds, Soldiers: f.soldiers, Duration: f.duration,
		PoisonRate: f.poison, Artefacts: f.artefacts, Workers: f.workers, World: &w}
	if f.runs != "" {
		if runs, err = storedEvalRuns(ctx, f.runs, f.workers); err != nil {
			return evaluation.Options{}, err
		}
	}
	var wrong []evaluation.PhaseFault
	for _, spec := range splitNames(f.wrongPhase) {
		if spec == "" {
			continue
		}
		pf, err := evaluation.ParsePhaseFault(spec)
		if err != nil {
			return evaluation.Options{}, fmt.Errorf("--wrong-phase: %w", err)
		}
		pf.Share, pf.Seed = f.wrongShare, f.wrongSeed
		if err := pf.Validate(); err != nil {
			return evaluation.Options{}, fmt.Errorf("--wrong-phase-share: %w", err)
		}
		wrong = append(wrong, pf)
	}
	return evaluation.Options{
		Eval: evaluation.Config{
			Runs:  runs,
			Match: evaluation.MatchConfig{Grace: f.grace, Probation: f.probation},
		},
		Detectors:     splitNames(f.detectors),
		ModelPath:     f.modelPath,
		TargetFA:      f.target,
		CalibSeeds:    cseeds,
		CalibDuration: f.calibDuration,
		WithholdPhase: f.withholdPhase,
		WrongPhase:    wrong,
		PhaseCheck:    &f.phaseCheck,
		CompactState:  compactFor(f.compactState, f.soldiers),
	}, nil
}

// splitNames splits a comma-separated list of detector names.
func splitNames(s string) []string {
	names := strings.Split(s, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	return names
}

// writeReport prints rep as indented JSON or as the text table.
func writeReport(w io.Writer, rep *evaluation.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(w)
}

// parseSeeds reads a seed list such as "9001-9004,9100".
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("seed %q: want a number or a range such as 9001-9004", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("seed range %q: want low-high with low ≤ high", part)
			}
			if b-a >= 10000 {
				return nil, fmt.Errorf("seed range %q: more than 10000 seeds", part)
			}
		}
		for x := a; ; x++ { // not x <= b: that never ends when b is the largest uint64
			out = append(out, x)
			if x == b {
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no seeds in %q", s)
	}
	return out, nil
}

// evalCSVAlias turns `eval --csv DIR …` (the spelling of issue 20) into
// eval-csv's arguments, `--dir DIR …`: it reports false when args have no
// --csv flag before a "--". Every other flag is eval-csv's.
func evalCSVAlias(args []string) ([]string, bool) {
	for i, a := range args {
		if a == "--" {
			return nil, false
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "csv" {
			continue
		}
		out := append([]string{}, args[:i]...)
		if hasValue {
			out = append(out, "--dir="+value)
		} else {
			out = append(out, "--dir")
		}
		return append(out, args[i+1:]...), true
	}
	return nil, false
}

// storedEvalRuns are the runs of eval --runs: soldiers, duration, poison
// rate, artefacts and world read from them (the first simulation's).
func storedEvalRuns(ctx context.Context, list string, workers int) (training.RunConfig, error) {
	rs, err := openStoredRuns(ctx, list)
	if err != nil {
		return training.RunConfig{}, err
	}
	rc := training.RunConfig{Workers: workers}
	for _, r := range rs {
		rc.Stored = append(rc.Stored, r.StoredRun)
		rc.Seeds = append(rc.Seeds, r.Seed)
		rc.Soldiers, rc.Duration = max(rc.Soldiers, r.soldiers), max(rc.Duration, r.span)
		if r.cfg != nil && rc.World == nil {
			w := r.cfg.World
			rc.World, rc.PoisonRate, rc.Artefacts = &w, r.cfg.PoisonRate, r.cfg.ArtefactRate
		}
	}
	if rc.World == nil {
		w := engine.DefaultConfig().World
		rc.World = &w
	}
	return rc, nil
}
