package live

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// memSink is an OfflineSink that keeps everything.
type memSink struct {
	mu       sync.Mutex
	rows     []engine.Observation
	labels   map[engine.Label]bool
	profiles map[engine.SoldierID]engine.Profile
}

func newMemSink() *memSink {
	return &memSink{labels: map[engine.Label]bool{}, profiles: map[engine.SoldierID]engine.Profile{}}
}

func (s *memSink) Observe(obs []engine.Observation) {
	s.mu.Lock()
	s.rows = append(s.rows, obs...)
	s.mu.Unlock()
}

func (s *memSink) Profile(p engine.Profile) { s.mu.Lock(); s.profiles[p.ID] = p; s.mu.Unlock() }

func (s *memSink) Labels(ls []engine.Label) {
	s.mu.Lock()
	for _, l := range ls {
		s.labels[l] = true
	}
	s.mu.Unlock()
}

// TestOfflineSinkSeesEverything: a scored runtime with an offline sink hands
// it every row it stored, every profile and every label of the frames.
func TestOfflineSinkSeesEverything(t *testing.T) {
	sim := testSim(t, 5, 8, 3*time.Minute)
	sink := newMemSink()
	cfg := scored(t, sim)
	cfg.Offline = sink
	snaps := stepAll(t, open(t, cfg))
	var rows []engine.Observation
	labels := map[engine.Label]bool{}
	for _, s := range snaps {
		rows = append(rows, s.Frame.Obs...)
		for _, l := range s.Frame.Truth {
			labels[l] = true
		}
	}
	if len(labels) == 0 {
		t.Fatal("the test wants a run with labels")
	}
	if len(sink.rows) != len(rows) || !slices.EqualFunc(sink.rows, rows, func(a, b engine.Observation) bool { return a.Soldier == b.Soldier && a.T == b.T }) {
		t.Fatalf("sink has %d rows, the frames %d", len(sink.rows), len(rows))
	}
	if len(sink.labels) != len(labels) {
		t.Fatalf("sink has %d labels, the frames %d", len(sink.labels), len(labels))
	}
	for _, p := range sim.Profiles() {
		if sink.profiles[p.ID] != p {
			t.Fatalf("profile %d: %+v, want %+v", p.ID, sink.profiles[p.ID], p)
		}
	}
}
