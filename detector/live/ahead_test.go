package live

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
	"unsafe"

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

// frameSpy is a recorder that notes where each tick's observations lie.
type frameSpy struct{ obs []*engine.Observation }

func (s *frameSpy) Write(f *engine.Frame, _ []detector.Verdict) error {
	s.obs = append(s.obs, unsafe.SliceData(f.Obs))
	return nil
}

// Run makes a frame (and its schedules) in the slices of one that nobody
// holds any more (no backlog and no viewer when it was published), and
// never in a held one's: a viewer who holds ticks 11–20 finds their
// frames, schedules and verdicts as a stepped run made them after the
// 40 ticks that came later. It fails if a held frame is made again (and,
// under -race, if one is written while the viewer reads it).
func TestRunReusesUnkeptFrames(t *testing.T) {
	want := stepAll(t, open(t, scored(t, testSim(t, 2, 6, time.Minute))))
	c := scored(t, testSim(t, 2, 6, time.Minute))
	spy := &frameSpy{}
	c.Record, c.Clock = spy, newFakeClock()
	var rt *Runtime
	var sub *Subscription
	c.Trace = func(tr *TickTrace) {
		switch tr.T {
		case 10:
			sub = rt.Subscribe() // from tick 11 on
		case 20:
			sub.Close() // keeps ticks 11–20 for the reader below
		}
	}
	rt = open(t, c)
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(spy.obs) != len(want) {
		t.Fatalf("Run published %d ticks, Step %d", len(spy.obs), len(want))
	}
	held := map[*engine.Observation]int64{} // a held frame's observations → its tick
	for s := range sub.C() {
		w := want[s.Frame.T]
		// %v, not reflect.DeepEqual: a missing reading is NaN.
		if fmt.Sprintf("%+v", s.Frame) != fmt.Sprintf("%+v", w.Frame) || !reflect.DeepEqual(s.Schedule, w.Schedule) || !sameVerdicts(s.Verdicts, w.Verdicts) {
			t.Fatalf("held tick %d: changed by the ticks after it", s.Frame.T)
		}
		held[unsafe.SliceData(s.Frame.Obs)] = s.Frame.T
	}
	if len(held) != 10 {
		t.Fatalf("the viewer held %d distinct frames, want 10 (ticks 11–20)", len(held))
	}
	unheld := map[*engine.Observation]bool{}
	for tick, p := range spy.obs {
		if h, ok := held[p]; ok && int64(tick) > h {
			t.Fatalf("tick %d was made in the frame of tick %d, which the viewer holds", tick, h)
		}
		if tick < 11 || tick > 20 {
			unheld[p] = true
		}
	}
	if len(unheld) > 4 {
		t.Errorf("the %d ticks nobody held were made in %d frames, want at most 4 (reused)", len(spy.obs)-10, len(unheld))
	}
}
