// Command chakra-tui is a real-time battlefield vitals monitor: a seeded
// simulation of soldiers, a feature store, an embedded Temporal Fusion
// Transformer that forecasts each vital, and alerts that explain themselves,
// watched in a terminal dashboard, over SSH or over HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGHUP (the terminal closed) stops the program like SIGTERM, so a
	// recording is finished and closed rather than cut.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chakra-tui:", err)
		os.Exit(1)
	}
}

// env is what a mode gets from the process: standard streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// mode is a mode named by the first argument.
type mode struct {
	name     string
	synopsis string
	run      func(ctx context.Context, args []string, e env) error
}

// modes lists the named modes, in the order --help shows them. Without
// one, run starts the dashboard (or --headless, --ssh, --replay, which are
// also flags of the root command).
func modes() []mode {
	return []mode{
		{"eval", "evaluate the TFT and the baselines on held-out simulated seeds", runEval},
		{"eval-csv", "measure a detector's alerts against a label column: onset recall, delay, false alerts per hour", runEvalCSV},
		{"headless", "serve the monitor over HTTP (same as --headless)", runHeadless},
		{"nab", "compute the Numenta Anomaly Benchmark score of a results folder", runNAB},
		{"runs", "list (ls DIR|s3://…) and describe (show RUN) the offline store's Parquet runs", runRuns},
		{"score", "score a CSV time series (or a folder of them) for anomalies, streaming, no look-ahead", runScore},
		{"sim", "fast-forward a simulation without a screen and print a summary", runSim},
		{"ssh", "serve the dashboard to SSH clients (same as --ssh ADDR)", runSSH},
		{"train", "train the TFT on simulated normal runs, calibrate it and write the model file", runTrain},
	}
}

// findMode returns the mode called name.
func findMode(name string) (mode, bool) {
	for _, m := range modes() {
		if m.name == name {
			return m, true
		}
	}
	return mode{}, false
}

// run is the whole program behind main, testable with its own arguments.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if versionRequested(args) {
		return printVersion(stdout)
	}
	if len(args) > 0 {
		if m, ok := findMode(args[0]); ok {
			return m.run(ctx, args[1:], e)
		}
	}
	return runRoot(ctx, args, e)
}
