package monitor

import (
	"context"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// TestIngestTrace: an Ingest whose context carries a trace records its
// phases in order, one shard trace per worker that scored, whose windows
// add up to the call's, and counts the incidents it opened and closed
// as the verdicts and the changes stream say.
func TestIngestTrace(t *testing.T) {
	defer func(n int) { minShard = n }(minShard)
	minShard = 8
	profiles := engine.GenerateProfiles(40, 5, 3) // 8 squads of 5
	for _, workers := range []int{1, 2} {
		sc, err := detector.NewThreshold()
		if err != nil {
			t.Fatal(err)
		}
		store, err := featurestore.NewMemory()
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		m, err := New(store, sc, WithWorkers(workers))
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		ctx := context.Background()
		if err := m.SetProfiles(ctx, profiles); err != nil {
			t.Fatal(err)
		}
		changes := m.SubscribeAlertChanges(10_000)
		var tr IngestTrace
		var vs []detector.Verdict
		opened, closed := 0, 0
		for tk := range int64(60) {
			f := make([]engine.Observation, len(profiles))
			for i, p := range profiles {
				hr := 70.0
				if tk >= 10 && tk < 25+int64(i%4) && i%3 == 0 {
					hr = 230 // far out of band: an incident for a third of them, ending at one of four ticks
				}
				f[i] = obs(p.ID, tk, hr)
			}
			c := ctx
			if tk%2 == 1 {
				c = WithTrace(ctx, &tr)
			}
			if vs, err = m.Ingest(c, f, vs[:0]); err != nil {
				t.Fatal(err)
			}
			if tk%2 == 0 {
				continue
			}
			for p := PhaseLocked + 1; p < NumPhases; p++ {
				if tr.Ends[p] < tr.Ends[p-1] {
					t.Fatalf("%d workers, tick %d: phase %v ends at %v, before %v's %v", workers, tk, p, tr.Ends[p], p-1, tr.Ends[p-1])
				}
			}
			n := 0
			for _, s := range tr.Shards {
				n += s.Windows
				if s.Scored < s.Began || s.Kept < s.Scored || s.CPU < 0 {
					t.Errorf("%d workers, tick %d: shard %+v", workers, tk, s)
				}
			}
			if n != len(f) || len(tr.Shards) != workers {
				t.Errorf("%d workers, tick %d: %d shards of %d windows in all, want %d of %d", workers, tk, len(tr.Shards), n, workers, len(f))
			}
			want := 0
			for i := range vs {
				if vs[i].Alert.Opened {
					want++
				}
			}
			if tr.Opened != want {
				t.Errorf("%d workers, tick %d: trace opened %d, the verdicts %d", workers, tk, tr.Opened, want)
			}
			opened += tr.Opened
			closed += tr.Closed
		}
		sawOpen, sawClosed := 0, 0
		for len(changes.C()) > 0 {
			ch := <-changes.C()
			if ch.Verdict.T%2 == 0 {
				continue // an untraced tick
			}
			if ch.Verdict.Alert.Opened {
				sawOpen++
			}
			if ch.Closed.Open {
				sawClosed++
			}
		}
		changes.Close()
		if opened == 0 || closed == 0 || opened != sawOpen || closed != sawClosed {
			t.Errorf("%d workers: traced ticks opened %d and closed %d incidents, the changes stream %d and %d (want some of each)",
				workers, opened, closed, sawOpen, sawClosed)
		}
	}
}
