package live

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Run makes each frame while the tick before it is scored (ahead); Step
// does not. A seeded battlefield scored by the TFT, on 1 and 2 workers
// (1 200 soldiers: a tick splits), run both ways gives the same snapshots
// (frames, schedules, the verdicts' states, channels and scores in order)
// and the same recording, byte for byte (every verdict's every field). The schedules are read from the simulation with each frame, at
// the same point of its sequence of calls as Step reads them. Run is
// traced (Config.Trace): the trace sees every tick, in order, and changes
// nothing.
func TestRunAheadSameAsStep(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 1 200 soldiers for 40 s four times")
	}
	type run struct {
		snaps  []Snapshot
		rec    []byte
		traced []int64 // Run's traced ticks
		shards int     // the most shards a traced tick had
	}
	battlefield := func(workers int, byRun bool) run {
		cfg := engine.DefaultConfig()
		cfg.Soldiers, cfg.Seed, cfg.Duration, cfg.PoisonRate = 1200, 23, 40*time.Second, 0.2
		sim, err := engine.NewSim(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		rec, err := session.NewRecorder(&buf, "run", engine.NewHeader(sim.Profiles(), &cfg), session.Meta{Detector: "tft", Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		store, err := featurestore.NewMemory()
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		sc, err := detector.Default()
		if err != nil {
			t.Fatal(err)
		}
		c := Config{Source: sim, Store: store, Scorer: sc, Record: rec, Workers: workers}
		var out run
		if byRun {
			c.Backlog, c.Buffer = 64, 64 // every tick stays in the backlog
			c.Trace = func(tr *TickTrace) {
				out.traced = append(out.traced, tr.T)
				out.shards = max(out.shards, len(tr.Ingest.Shards))
				if tr.Ingest.Rows < 2 || tr.Published < tr.Scored || tr.Ingest.Ends[monitor.PhasePublished] > tr.Scored {
					t.Errorf("tick %d: trace %+v", tr.T, tr)
				}
			}
			rt := open(t, c)
			if err := rt.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			sub := rt.Subscribe()
			for s := range sub.C() {
				out.snaps = append(out.snaps, s)
			}
		} else {
			out.snaps = stepAll(t, open(t, c))
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		out.rec = buf.Bytes()
		return out
	}
	want := battlefield(1, false)
	if len(want.snaps) != 40 || len(want.snaps[39].Schedule) != 120 {
		t.Fatalf("stepped %d ticks, %d squads' schedules at the end; want 40 and 120", len(want.snaps), len(want.snaps[39].Schedule))
	}
	for _, w := range []int{1, 2} {
		got := battlefield(w, true)
		if len(got.snaps) != len(want.snaps) {
			t.Fatalf("%d workers: Run published %d ticks, Step %d", w, len(got.snaps), len(want.snaps))
		}
		for i := range want.snaps {
			g, s := got.snaps[i], want.snaps[i]
			// %v, not reflect.DeepEqual: a missing reading is NaN.
			if fmt.Sprintf("%+v", g.Frame) != fmt.Sprintf("%+v", s.Frame) || !reflect.DeepEqual(g.Schedule, s.Schedule) || !sameVerdicts(g.Verdicts, s.Verdicts) {
				t.Fatalf("%d workers: tick %d differs between Run and Step", w, i)
			}
		}
		if !bytes.Equal(got.rec, want.rec) {
			t.Errorf("%d workers: Run recorded %d bytes, Step %d: they differ", w, len(got.rec), len(want.rec))
		}
		if len(got.traced) != len(want.snaps) || got.traced[0] != want.snaps[0].Frame.T || got.traced[len(got.traced)-1] != want.snaps[39].Frame.T || got.shards != w {
			t.Errorf("%d workers: traced ticks %v, at most %d shards; want every tick once, %d shards", w, got.traced, got.shards, w)
		}
	}
}
