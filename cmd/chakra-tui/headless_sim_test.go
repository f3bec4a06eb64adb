package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/featurestore"
)

// The built-in battlefield skips frames through a store outage (logged once
// per outage) and out-of-order refusals, and stops on anything else.
func TestSimulationHealth(t *testing.T) {
	var logs bytes.Buffer
	health := simulationHealth(slog.New(slog.NewTextHandler(&logs, nil)))
	down := fmt.Errorf("write tick: %w", featurestore.ErrUnavailable)
	for tick, err := range []error{nil, down, down, context.DeadlineExceeded, nil, featurestore.ErrOutOfOrder} {
		if got := health(int64(tick), err); got != nil {
			t.Fatalf("tick %d (%v): stopped with %v, want skipped", tick, err, got)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "feature store is unavailable"); n != 1 {
		t.Errorf("%d outage lines for one outage:\n%s", n, out)
	}
	if !strings.Contains(out, "frames flow again") || !strings.Contains(out, "out of order") {
		t.Errorf("no recovery or out-of-order line:\n%s", out)
	}
	broken := errors.New("scorer broken")
	if err := health(7, broken); !errors.Is(err, broken) || !strings.Contains(err.Error(), "tick 7") {
		t.Errorf("an unknown error: %v, want it wrapped with its tick", err)
	}
}
