package live_test

import (
	"context"
	"fmt"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// A battlefield of 20 simulated soldiers scored by the threshold baseline:
// the runtime's own clock runs it (as the SSH server and the headless
// server do) and a viewer watches the fan-out; a dashboard that owns the
// clock would call Step instead.
func Example() {
	ctx := context.Background()
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Duration = 20, 5*cfg.Tick
	sim, _ := engine.NewSim(cfg)
	store, _ := featurestore.NewMemory()
	defer store.Close()
	scorer, _ := detector.NewThreshold()

	rt, err := live.Open(ctx, live.Config{Source: sim, Store: store, Scorer: scorer, Speed: 0})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Close()
	viewer := rt.Subscribe()
	if err := rt.Run(ctx); err != nil { // until the simulation ends
		fmt.Println(err)
		return
	}
	for s := range viewer.C() {
		fmt.Printf("tick %d: %d observations, %d verdicts\n", s.Frame.T, len(s.Frame.Obs), len(s.Verdicts))
	}
	// Output:
	// tick 0: 20 observations, 20 verdicts
	// tick 1: 20 observations, 20 verdicts
	// tick 2: 20 observations, 20 verdicts
	// tick 3: 20 observations, 20 verdicts
	// tick 4: 20 observations, 20 verdicts
}
