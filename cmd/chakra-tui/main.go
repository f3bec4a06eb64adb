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

// subcommand is a mode named by the first argument.
type subcommand struct {
	synopsis string
	run      func(ctx context.Context, args []string, e env) error
}

// subcommands lists the named modes; each mode's file adds itself in an init
// function. Without one, run starts the dashboard (or --headless, --ssh,
// --replay).
var subcommands = map[string]subcommand{}

// run is the whole program behind main, testable with its own arguments.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) > 0 {
		if sc, ok := subcommands[args[0]]; ok {
			return sc.run(ctx, args[1:], e)
		}
	}
	return runRoot(ctx, args, e)
}
