package session_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Record two minutes of a small battlefield with the threshold baseline's
// verdicts, then replay the last minute exactly as it was seen, without
// scoring anything again.
func Example() {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Duration, cfg.Seed = 4, 2*time.Minute, 1
	sim, _ := engine.NewSim(cfg)
	store, _ := featurestore.NewMemory()
	scorer, _ := detector.NewThreshold()
	mon, _ := monitor.New(store, scorer)
	ctx := context.Background()
	mon.SetProfiles(ctx, sim.Profiles())

	var file bytes.Buffer
	rec, _ := session.NewRecorder(&file, "demo", engine.NewHeader(sim.Profiles(), &cfg),
		session.Meta{Detector: scorer.Name(), Source: "simulation seed 1"})
	for {
		f, err := sim.Next(ctx)
		if err != nil {
			break // io.EOF after two minutes
		}
		vs, _ := mon.Ingest(ctx, f.Obs, nil)
		rec.Write(&f, vs)
	}
	rec.Close()

	r, err := session.NewReplay(bytes.NewReader(file.Bytes()), "demo")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	pre, _ := r.Seek(ctx, 60)
	tk, _ := r.Step(ctx)
	fmt.Printf("%d ticks by %s; seek to 60: %d pre-roll ticks, then tick %d with %d verdicts (soldier %d: %s)\n",
		r.Len(), r.Meta().Detector, len(pre), tk.Frame.T, len(tk.Verdicts), tk.Verdicts[0].Soldier, tk.Verdicts[0].State)
	// Output:
	// 120 ticks by threshold; seek to 60: 60 pre-roll ticks, then tick 60 with 4 verdicts (soldier 1: ok)
}
