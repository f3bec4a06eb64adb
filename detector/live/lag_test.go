package live

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// costPipeline scores nothing and takes cost of the fake clock's time per
// tick.
type costPipeline struct {
	clock *fakeClock
	cost  time.Duration
	// slow, if not nil, is the cost of the tick-th call instead.
	slow func(tick int) time.Duration
	tick int
}

func (p *costPipeline) Ingest(ctx context.Context, obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error) {
	cost := p.cost
	if p.slow != nil {
		cost = p.slow(p.tick)
	}
	p.tick++
	return dst, p.clock.Sleep(ctx, cost)
}

// Run works a slow stretch off: ticks cost half their second but tick 2
// costs 4 s; the ticks after it are stepped at once until the battlefield
// is back on pace, and the lag falls back to half a second. With a
// catch-up of one second (the pacer's default, and Run's before) the
// delay was forgiven and the ticks after it paced from tick 3, so the lag
// stayed at 3.5 s, with the pipeline idle half of each second.
func TestLagCatchUp(t *testing.T) {
	for _, c := range []struct {
		name    string
		catchUp time.Duration
		last    time.Duration
		slept   time.Duration
	}{
		{"default", 0, 500 * time.Millisecond, 5 * 500 * time.Millisecond},         // before ticks 1, 2, 10, 11, 12,
		{"1 s", time.Second, 3500 * time.Millisecond, 11 * 500 * time.Millisecond}, // before ticks 1, 2, 4…12,
	} {
		clock := newFakeClock()
		p := &costPipeline{clock: clock, slow: func(tick int) time.Duration {
			if tick == 2 {
				return 4 * time.Second
			}
			return 500 * time.Millisecond
		}}
		rt := open(t, Config{Source: &ticks{n: 13}, Pipeline: p, Speed: 1, Clock: clock, CatchUp: c.catchUp})
		if err := rt.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The pipeline slept 0.5 s × 12 + 4 s; the rest is the pacer's.
		paced := clock.total() - 12*500*time.Millisecond - 4*time.Second
		if l := rt.Lag(); l.Tick != 12 || l.Last != c.last || l.Max != 4*time.Second || paced != c.slept {
			t.Errorf("%s: lag %+v, paced %v; want tick 12 %v late, at most 4 s, paced %v", c.name, l, paced, c.last, c.slept)
		}
	}
	if _, err := Open(context.Background(), Config{Source: &ticks{}, CatchUp: -time.Second}); !errors.Is(err, ErrConfig) {
		t.Errorf("negative catch-up: %v, want ErrConfig", err)
	}
}

// Lag measures how far behind its pace Run publishes: a tick that costs
// half its second is half a second late and the lag stays there; one that
// costs 1.5 s falls further behind each tick (0.5 s more per tick, which
// the pacer's own re-anchoring does not hide); a speed change re-anchors;
// speed 0 measures nothing.
func TestLag(t *testing.T) {
	for _, c := range []struct {
		name       string
		cost       time.Duration
		last, max  time.Duration
		within1s   uint64
		bucketHalf uint64 // ticks at most 0.5 s late
	}{
		{"keeps up", 500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond, 11, 11},
		{"falls behind", 1500 * time.Millisecond, 6500 * time.Millisecond, 6500 * time.Millisecond, 0, 0},
	} {
		clock := newFakeClock()
		rt := open(t, Config{Source: &ticks{n: 11}, Pipeline: &costPipeline{clock: clock, cost: c.cost}, Speed: 1, Clock: clock})
		if err := rt.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		l := rt.Lag()
		if l.Tick != 10 || l.Count != 11 || l.Last != c.last || l.Max != c.max {
			t.Errorf("%s: lag %+v, want 11 ticks, the last (10) %v late, at most %v", c.name, l, c.last, c.max)
		}
		if l.Buckets[5] != c.within1s || l.Buckets[3] != c.bucketHalf || LagBuckets[5] != 1 || LagBuckets[3] != 0.5 {
			t.Errorf("%s: buckets %v, want %d within 1 s and %d within 0.5 s", c.name, l.Buckets, c.within1s, c.bucketHalf)
		}
	}

	clock := newFakeClock()
	src := &ticks{n: 11}
	rt := open(t, Config{Source: src, Pipeline: &costPipeline{clock: clock, cost: 1500 * time.Millisecond}, Speed: 1, Clock: clock})
	src.at = func(t int64) {
		if t == 8 {
			rt.SetSpeed(0.5) // re-anchors: ticks 8… are due every 2 s from tick 8's delivery
		}
	}
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l := rt.Lag(); l.Last != 1500*time.Millisecond || l.Max != 5*time.Second {
		t.Errorf("after a speed change: last lag %v, max %v; want 1.5 s and tick 7's 5 s", l.Last, l.Max)
	}

	clock = newFakeClock()
	rt = open(t, Config{Source: &ticks{n: 5}, Pipeline: &costPipeline{clock: clock, cost: time.Second}, Speed: 0, Clock: clock})
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l := rt.Lag(); l.Count != 0 {
		t.Errorf("speed 0: %+v measured", l)
	}
}

// The TFT on 1, 2 or 3 workers records the same bytes: 1 200 soldiers, so
// that a tick splits (at least 512 windows a worker), scored past the
// model's warm-up.
func TestWorkersRecordSameBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 1 200 soldiers for 40 s three times")
	}
	record := func(workers int) []byte {
		cfg := engine.DefaultConfig()
		cfg.Soldiers, cfg.Seed, cfg.Duration, cfg.PoisonRate = 1200, 21, 40*time.Second, 0.2
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
		rt := open(t, Config{Source: sim, Store: store, Scorer: sc, Record: rec, Workers: workers})
		snaps := stepAll(t, rt)
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		last := snaps[len(snaps)-1].Verdicts
		forecasts := 0
		for i := range last {
			if last[i].State != detector.StateWarmingUp {
				forecasts++
			}
		}
		if forecasts < len(last)/2 {
			t.Fatalf("%d workers: %d of %d soldiers past the warm-up at the end", workers, forecasts, len(last))
		}
		return buf.Bytes()
	}
	want := record(1)
	for _, w := range []int{2, 3} {
		if got := record(w); !bytes.Equal(got, want) {
			t.Errorf("%d workers recorded %d bytes, one worker %d: they differ", w, len(got), len(want))
		}
	}
}
