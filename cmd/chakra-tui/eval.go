package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/evaluation"
	"github.com/chakra-tui/chakra-tui/detector/training"
)

func init() {
	subcommands["eval"] = subcommand{"evaluate the TFT and the baselines on held-out simulated seeds", runEval}
}

// runEval evaluates detectors on held-out simulations and prints event-level
// metrics per detector and anomaly kind.
func runEval(ctx context.Context, args []string, e env) error {
	c := newCommand("eval", "chakra-tui eval [flags]",
		"Run the TFT and the baselines on simulated seeds never used for training or calibration and print event-level\n"+
			"precision, recall, F1, detection delay and false alerts per soldier-hour, per detector and anomaly kind.", e.stderr)
	fs := c.fs
	seeds := fs.String("seeds", "9001-9004", "held-out simulation seeds: a list and/or ranges")
	c.example("seeds", "9001-9008,9100")
	duration := fs.Duration("duration", time.Hour, "simulated time per seed")
	c.example("duration", "2h")
	soldiers := fs.Int("soldiers", 100, "soldiers per simulation")
	c.example("soldiers", "50")
	poison := fs.Float64("poison-rate", 0.05, "fraction of soldier-ticks inside anomaly windows")
	c.example("poison-rate", "0.1")
	artefacts := fs.Float64("artefact-rate", 1, "one-sample motion artefacts (non-events) per soldier-hour")
	c.example("artefact-rate", "2")
	dets := fs.String("detectors", "tft,threshold,zscore", "detectors to evaluate, comma-separated (tft, threshold, zscore)")
	c.example("detectors", "tft,zscore")
	target := fs.Float64("target-fa", 0, "target false alerts per soldier-hour when calibrating (0: keep the model's calibration)")
	c.example("target-fa", "0.005")
	calibSeeds := fs.String("calib-seeds", "", "normal-run seeds to recalibrate the TFT and z-score on (empty: the model's calibration)")
	c.example("calib-seeds", "8001-8002")
	calibDuration := fs.Duration("calib-duration", time.Hour, "simulated time per calibration seed")
	c.example("calib-duration", "2h")
	grace := fs.Int64("grace", evaluation.DefaultGrace, "ticks after an event's end during which an alert still counts for it")
	c.example("grace", "10")
	probation := fs.Int64("probation", evaluation.DefaultProbation, "ticks at the start of each run that are not scored (events starting in them, alerts opening in them)")
	c.example("probation", "0")
	workers := fs.Int("workers", runtime.NumCPU(), "simulations run at once")
	c.example("workers", "1")
	modelPath := fs.String("model", "", "model file to use instead of the embedded model")
	c.example("model", "detector/model/tft.bin")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	c.example("json", "true")
	replay := fs.String("replay", "", "evaluate a recording instead of simulated seeds: score its frames with --detectors and, if it holds verdicts, evaluate those as seen live (the simulation flags are ignored)")
	c.example("replay", "run.chakra.gz")
	if err := c.parse(args); err != nil {
		return err
	}
	if *replay != "" {
		names := strings.Split(*dets, ",")
		for i := range names {
			names[i] = strings.TrimSpace(names[i])
		}
		return runEvalReplay(ctx, *replay, names, *modelPath, evaluation.MatchConfig{Grace: *grace, Probation: *probation}, *asJSON, e)
	}
	evalSeeds, err := parseSeeds(*seeds)
	if err != nil {
		return fmt.Errorf("--seeds: %w", err)
	}
	var cseeds []uint64
	if *calibSeeds != "" {
		if cseeds, err = parseSeeds(*calibSeeds); err != nil {
			return fmt.Errorf("--calib-seeds: %w", err)
		}
	}
	names := strings.Split(*dets, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	opts := evaluation.Options{
		Eval: evaluation.Config{
			Runs: training.RunConfig{Seeds: evalSeeds, Soldiers: *soldiers, Duration: *duration,
				PoisonRate: *poison, Artefacts: *artefacts, Workers: *workers},
			Match: evaluation.MatchConfig{Grace: *grace, Probation: *probation},
		},
		Detectors:     names,
		ModelPath:     *modelPath,
		TargetFA:      *target,
		CalibSeeds:    cseeds,
		CalibDuration: *calibDuration,
	}
	if !*asJSON {
		fmt.Fprintf(e.stderr, "evaluating %s on %d seeds × %d soldiers × %v …\n", strings.Join(names, ", "), len(evalSeeds), *soldiers, *duration)
	}
	rep, err := evaluation.RunEval(ctx, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(e.stdout)
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
