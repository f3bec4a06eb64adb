package live

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// fakeClock advances only when slept on: pacing costs no wall time and its
// waits add up exactly.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(0, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept += d
	return ctx.Err()
}

func (c *fakeClock) total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}

// testSim is a seeded simulation of soldiers for d of simulated time.
func testSim(t testing.TB, seed uint64, soldiers int, d time.Duration) *engine.Sim {
	t.Helper()
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Seed, cfg.Duration, cfg.PoisonRate = soldiers, 4, seed, d, 0.3
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

// scored returns a Config over src scored by the threshold baseline behind
// a fresh in-memory store.
func scored(t testing.TB, src engine.Source) Config {
	t.Helper()
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	return Config{Source: src, Store: store, Scorer: sc}
}

// open opens cfg and closes the runtime at the end of the test.
func open(t testing.TB, cfg Config) *Runtime {
	t.Helper()
	rt, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// stepAll steps rt to the end of its source.
func stepAll(t testing.TB, rt *Runtime) []Snapshot {
	t.Helper()
	var out []Snapshot
	for {
		s, err := rt.Step(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
}

// recordRun records a whole seeded run stepped through a runtime and
// returns the file's bytes.
func recordRun(t testing.TB, seed uint64, d time.Duration) []byte {
	t.Helper()
	sim := testSim(t, seed, 6, d)
	var buf bytes.Buffer
	cfg := sim.Config()
	rec, err := session.NewRecorder(&buf, "run", engine.NewHeader(sim.Profiles(), &cfg), session.Meta{Detector: "threshold", Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	c := scored(t, sim)
	c.Record = rec
	rt := open(t, c)
	stepAll(t, rt)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ticks is a source of empty frames at ticks 0, 1, …, n−1.
type ticks struct {
	n, i int
	// gate, if not nil, must deliver a value before each frame.
	gate chan struct{}
	// at, if not nil, is called with each tick before it is returned.
	at func(t int64)
}

func (s *ticks) Profiles() []engine.Profile { return nil }

func (s *ticks) Next(ctx context.Context) (engine.Frame, error) {
	if s.i == s.n {
		return engine.Frame{}, io.EOF
	}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return engine.Frame{}, ctx.Err()
		}
	}
	s.i++
	if s.at != nil {
		s.at(int64(s.i - 1))
	}
	return engine.Frame{T: int64(s.i - 1)}, nil
}

// tickPipeline fails on chosen ticks; it needs the tick, which an empty
// frame's observations do not carry, so it counts calls.
type tickPipeline struct {
	calls int64
	bad   map[int64]error
}

func (p *tickPipeline) Ingest(_ context.Context, _ []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error) {
	t := p.calls
	p.calls++
	if err := p.bad[t]; err != nil {
		return dst, err
	}
	return dst, nil
}
