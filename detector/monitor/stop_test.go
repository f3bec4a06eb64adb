package monitor

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// gateScorer is a scorer that, once armed, holds its next Score call until
// the test opens the gate: a tick caught half-way through its chunks.
type gateScorer struct {
	detector.Scorer
	mu      sync.Mutex
	calls   int           // Score calls since armed
	armed   bool          // hold the next call
	held    chan struct{} // closed when a call is held
	release chan struct{} // closed by the test to let it go on
}

func (g *gateScorer) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls, g.armed = 0, true
	g.held, g.release = make(chan struct{}), make(chan struct{})
}

func (g *gateScorer) Score(ws []featurestore.Window, dst []detector.Verdict) ([]detector.Verdict, error) {
	g.mu.Lock()
	g.calls++
	hold := g.armed
	g.armed = false
	held, release := g.held, g.release
	g.mu.Unlock()
	if hold {
		close(held)
		<-release
	}
	return g.Scorer.Score(ws, dst)
}

func (g *gateScorer) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// TestIngestStopsBetweenChunks: a context that ends while a tick is scored
// stops it before the next chunk of squads. Ingest returns the context's
// error with no verdict, no alert and no change to what the monitor
// records of each soldier (Latest, Stats), on one worker and on two; the
// next tick is scored whole.
func TestIngestStopsBetweenChunks(t *testing.T) {
	defer func(c, s, b int) { chunkWindows, minShard, balanceWindows = c, s, b }(chunkWindows, minShard, balanceWindows)
	chunkWindows, minShard, balanceWindows = 10, 8, 10
	profiles := engine.GenerateProfiles(40, 5, 3) // 8 squads of 5: 4 chunks of 10 on one worker
	ws := make([]featurestore.Window, len(profiles))
	for i, p := range profiles {
		ws[i].Profile = p
	}
	chunks := len(shards(nil, ws, 2)) - 1 // two workers' chunks (a squad each)
	frame := func(tk int64) []engine.Observation {
		f := make([]engine.Observation, len(profiles))
		for i, p := range profiles {
			f[i] = obs(p.ID, tk, 60+float64(i%7))
		}
		return f
	}
	for _, workers := range []int{1, 2} {
		sc, err := detector.NewThreshold()
		if err != nil {
			t.Fatal(err)
		}
		g := &gateScorer{Scorer: sc}
		store, err := featurestore.NewMemory()
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		m, err := New(store, g, WithWorkers(workers))
		if err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		if err := m.SetProfiles(bg, profiles); err != nil {
			t.Fatal(err)
		}
		alerts := m.SubscribeAlerts(100)
		var vs []detector.Verdict
		for tk := range int64(3) {
			if vs, err = m.Ingest(bg, frame(tk), vs[:0]); err != nil {
				t.Fatal(err)
			}
		}
		before := m.Stats()

		g.arm()
		ctx, cancel := context.WithCancel(bg)
		type result struct {
			vs  []detector.Verdict
			err error
		}
		done := make(chan result, 1)
		go func() {
			vs, err := m.Ingest(ctx, frame(3), nil)
			done <- result{vs, err}
		}()
		<-g.held // one of the tick's chunks is being scored
		cancel()
		close(g.release)
		r := <-done
		if !errors.Is(r.err, context.Canceled) || len(r.vs) != 0 {
			t.Fatalf("%d workers: Ingest cancelled mid-tick: %d verdicts, error %v; want none and context.Canceled", workers, len(r.vs), r.err)
		}
		// One worker: the held chunk, then nothing. Two: the held chunk
		// and at most the others, which the other worker may have taken
		// before the stop.
		if n, most := g.count(), 1+(chunks-1)*(workers-1); n > most {
			t.Errorf("%d workers: %d Score calls after the cancel, want at most %d", workers, n, most)
		}
		if st := m.Stats(); st.Scored != before.Scored || st.Alerts != before.Alerts {
			t.Errorf("%d workers: stats went from %+v to %+v over a cancelled tick", workers, before, st)
		}
		// One worker: every soldier's latest verdict is still of tick 2.
		// Two: a chunk scored before the stop kept its soldiers' verdicts
		// of tick 3 (Monitor.score), whole squads at a time, and the held
		// chunk, scored after it, kept none.
		stopped := map[int]int{} // squad → soldiers at tick 3
		for _, p := range profiles {
			v, ok := m.Latest(p.ID)
			switch {
			case ok && v.T == 2:
			case ok && v.T == 3 && workers > 1:
				stopped[p.Squad]++
			default:
				t.Fatalf("%d workers: soldier %d's latest verdict is of tick %d (%v), want 2", workers, p.ID, v.T, ok)
			}
		}
		if len(stopped) > len(profiles)/5-len(profiles)/5/chunks {
			t.Errorf("%d workers: squads %v kept tick 3, more than the chunks that were not held", workers, stopped)
		}
		for sq, n := range stopped {
			if n != 5 {
				t.Errorf("%d workers: squad %d kept tick 3 for %d of its 5 soldiers", workers, sq, n)
			}
		}
		select {
		case ev := <-alerts.C():
			if ev.Verdict.T == 3 {
				t.Errorf("%d workers: an alert of the cancelled tick was published: %+v", workers, ev.Verdict.Alert)
			}
		default:
		}

		vs, err = m.Ingest(bg, frame(4), vs[:0])
		if err != nil || len(vs) != len(profiles) {
			t.Fatalf("%d workers: the tick after: %d verdicts, error %v", workers, len(vs), err)
		}
		alerts.Close()
		m.Close()
	}
}
