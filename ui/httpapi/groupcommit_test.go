package httpapi

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// slowStore makes every write take a while, as a network round trip does,
// and counts writes and rows.
type slowStore struct {
	featurestore.Online
	delay        time.Duration
	writes, rows atomic.Int64
	maxRows      atomic.Int64
}

func (s *slowStore) WriteFrame(ctx context.Context, obs []engine.Observation) error {
	time.Sleep(s.delay)
	if err := s.Online.WriteFrame(ctx, obs); err != nil {
		return err
	}
	s.writes.Add(1)
	s.rows.Add(int64(len(obs)))
	for {
		m := s.maxRows.Load()
		if int64(len(obs)) <= m || s.maxRows.CompareAndSwap(m, int64(len(obs))) {
			break
		}
	}
	return nil
}

// TestGroupCommit: concurrent requests share store writes, and each gets
// its own verdict or its own error.
func TestGroupCommit(t *testing.T) {
	mem, _ := featurestore.NewMemory()
	slow := &slowStore{Online: mem, delay: 2 * time.Millisecond}
	f := newFixtureOn(t, slow, nil, WithGroupCommit(true))
	const clients, each = 24, 15
	var wg sync.WaitGroup
	var conflicts atomic.Int64
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				// Clients 0 and 1 share soldier 1 and race for each
				// timestamp: one of each pair must be refused.
				id := c + 1
				if c == 1 {
					id = 1
				}
				r := f.predict(obsJSON(id, int64(1000+i), 70+float64(i)))
				switch r.status {
				case 200:
					if r.json["soldier_id"] != float64(id) || r.json["timestamp"] != float64(1000+i) {
						t.Errorf("client %d got the verdict of another request: %s", c, r.body)
						return
					}
					hr := r.json["vitals"].(map[string]any)["heart_rate"].(map[string]any)["observed"]
					if hr != 70+float64(i) {
						t.Errorf("client %d: observed %v", c, hr)
					}
				case 409:
					if id != 1 || r.str("code") != "out_of_order" {
						t.Errorf("client %d: %s", c, r.body)
					}
					conflicts.Add(1)
				default:
					t.Errorf("client %d: %d %s", c, r.status, r.body)
				}
			}
		})
	}
	wg.Wait()
	if conflicts.Load() != each {
		t.Errorf("%d conflicts on the shared soldier, want %d", conflicts.Load(), each)
	}
	ok := int64(clients*each) - conflicts.Load()
	if slow.rows.Load() != ok {
		t.Errorf("%d rows written for %d accepted observations", slow.rows.Load(), ok)
	}
	if slow.writes.Load() >= ok || slow.maxRows.Load() < 2 {
		t.Errorf("%d writes (largest %d rows) for %d observations: no grouping", slow.writes.Load(), slow.maxRows.Load(), ok)
	}
	t.Logf("%d observations in %d writes, largest %d", ok, slow.writes.Load(), slow.maxRows.Load())
	if st := f.mon.Stats(); st.Scored != uint64(ok) {
		t.Errorf("scored %d", st.Scored)
	}
}

// TestGroupCommitFailures: a panic or a store outage during a group reaches
// every request of the group, and nobody hangs.
func TestGroupCommitFailures(t *testing.T) {
	for _, c := range []struct {
		name   string
		fx     func(t *testing.T) *fixture
		status int
		code   string
	}{
		{"panic", func(t *testing.T) *fixture { return newFixture(t, panicScorerAdapter{}, WithGroupCommit(true)) }, 500, "internal"},
		{"store down", func(t *testing.T) *fixture {
			mem, _ := featurestore.NewMemory()
			return newFixtureOn(t, &slowStore{Online: downStore{mem}, delay: time.Millisecond}, nil, WithGroupCommit(true))
		}, 503, "store_unavailable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.fx(t)
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Go(func() {
					for j := range 5 {
						r := f.predict(obsJSON(i+1, int64(j+1), 80))
						if r.status != c.status || r.str("code") != c.code {
							t.Errorf("%d %s", r.status, r.body)
						}
					}
				})
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("requests hung")
			}
		})
	}
}

func TestGroupCommitOff(t *testing.T) {
	f := newFixture(t, nil, WithGroupCommit(false))
	r := f.predict(obsJSON(1, 1, 80))
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil || r.status != 200 {
		t.Fatal(r.status, err)
	}
	if f.api.commit != nil {
		t.Fatal("committer present")
	}
}
