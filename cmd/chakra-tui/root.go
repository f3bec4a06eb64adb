package main

import (
	"context"
	"errors"
)

// runRoot runs the default mode: the dashboard (or --headless, --ssh).
func runRoot(ctx context.Context, args []string, e env) error {
	return errors.New("the dashboard is not built yet")
}
