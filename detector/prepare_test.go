package detector

import (
	"context"
	"fmt"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// unprepared hides a forecaster's prepare: its series select their rows
// only when they forecast.
type unprepared struct{ forecaster }

// TestPrepareSameVerdicts: the TFT selects each warming series' rows as
// they come (prepare), so that a battlefield that starts at once does not
// select every soldier's whole window on its first forecast's tick. The
// verdicts are those of a scorer that does not, to the last bit, with full
// and compact streams, on a seeded battlefield with anomalies and a
// soldier whose readings stop for a while (a gap restarts his warm-up).
func TestPrepareSameVerdicts(t *testing.T) {
	m, err := EmbeddedModel()
	if err != nil {
		t.Skipf("no embedded model: %v", err)
	}
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Seed, cfg.PoisonRate = 40, 11, 0.3
	run := func(compact, prepare bool) string {
		sc, err := NewTFT(WithModel(m), WithCompactState(compact))
		if err != nil {
			t.Fatal(err)
		}
		c := sc.(*core)
		if _, ok := c.f.(preparer); !ok {
			t.Fatal("the TFT forecaster does not prepare")
		}
		if !prepare {
			c.f = unprepared{c.f}
		}
		sim, err := engine.NewSim(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rows := map[engine.SoldierID][]engine.Observation{}
		profiles := map[engine.SoldierID]engine.Profile{}
		for _, p := range sim.Profiles() {
			profiles[p.ID] = p
		}
		var out []byte
		var vs []Verdict
		for tick := range 75 {
			f, err := sim.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var ws []featurestore.Window
			for _, o := range f.Obs {
				if o.Soldier == f.Obs[0].Soldier && tick >= 20 && tick < 28 {
					continue // no readings for 8 s
				}
				r := append(rows[o.Soldier], o)
				rows[o.Soldier] = r[max(0, len(r)-32):]
				ws = append(ws, featurestore.Window{Profile: profiles[o.Soldier], Rows: rows[o.Soldier]})
			}
			if vs, err = sc.Score(ws, vs[:0]); err != nil {
				t.Fatal(err)
			}
			for i := range vs {
				v := vs[i]
				v.Alert.Attribution = nil // a pointer
				out = fmt.Appendf(out, "%+v\n", v)
			}
		}
		return string(out)
	}
	for _, compact := range []bool{false, true} {
		want := run(compact, false)
		if got := run(compact, true); got != want {
			t.Errorf("compact %v: the verdicts differ with prepare", compact)
		}
	}
}
