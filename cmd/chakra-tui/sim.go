package main

import (
	"context"
	"errors"
)

// runSim fast-forwards a simulation without a screen.
func runSim(ctx context.Context, args []string, e env) error {
	return errors.New("sim is not built yet")
}
