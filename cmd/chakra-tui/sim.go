package main

import (
	"context"
	"errors"
)

func init() {
	subcommands["sim"] = subcommand{"fast-forward a simulation without a screen and print a summary", runSim}
}

// runSim fast-forwards a simulation without a screen.
func runSim(ctx context.Context, args []string, e env) error {
	return errors.New("sim is not built yet")
}
