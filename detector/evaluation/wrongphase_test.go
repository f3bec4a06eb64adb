package evaluation

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

func TestParsePhaseFault(t *testing.T) {
	for _, c := range []struct {
		in   string
		want PhaseFault
		ok   bool
	}{
		{"rest", PhaseFault{Const: engine.PhaseRest, Share: 1}, true},
		{"contact", PhaseFault{Const: engine.PhaseContact, Share: 1}, true},
		{"stale:5m", PhaseFault{Stale: 300, Share: 1}, true},
		{"stale:1.5s", PhaseFault{}, false},
		{"stale:0s", PhaseFault{}, false},
		{"sleep", PhaseFault{}, false},
	} {
		got, err := ParsePhaseFault(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParsePhaseFault(%q) = %+v, %v", c.in, got, err)
		}
		if c.ok && got.String() != c.in && !(c.in == "stale:5m" && got.String() == "stale:5m0s") {
			t.Errorf("%q prints as %q", c.in, got.String())
		}
	}
	if err := (PhaseFault{Share: 0}).Validate(); err == nil {
		t.Error("share 0 accepted")
	}
}

// phaseRecorder is a scorer that records the phases it is given.
type phaseRecorder struct {
	got map[engine.SoldierID][]engine.Phase
}

func (p *phaseRecorder) Name() string { return "rec" }
func (p *phaseRecorder) Score(ws []featurestore.Window, dst []detector.Verdict) ([]detector.Verdict, error) {
	for _, w := range ws {
		o := w.Rows[len(w.Rows)-1]
		p.got[o.Soldier] = append(p.got[o.Soldier], o.Phase)
		dst = append(dst, detector.Verdict{Soldier: o.Soldier, T: o.T, Phase: o.Phase})
	}
	return dst, nil
}

// TestMisreportPhase: a stale phase is the true phase Stale ticks
// earlier (the first phase before the start); a constant one is that
// phase; the share picks soldiers by a seeded hash; verdicts carry the
// true phase back and the windows passed in are not modified.
func TestMisreportPhase(t *testing.T) {
	truth := func(t int64) engine.Phase {
		if t < 10 {
			return engine.PhaseRest
		}
		return engine.PhaseContact
	}
	run := func(f PhaseFault, ids int) (map[engine.SoldierID][]engine.Phase, []detector.Verdict, [][]engine.Observation) {
		rec := &phaseRecorder{got: map[engine.SoldierID][]engine.Phase{}}
		sc := MisreportPhase(rec, f)
		rows := make([][]engine.Observation, ids)
		var vs []detector.Verdict
		for tick := range int64(20) {
			var ws []featurestore.Window
			for id := range ids {
				rows[id] = append(rows[id], engine.Observation{Soldier: engine.SoldierID(id + 1), T: tick, Phase: truth(tick), NextPhase: truth(tick + 1)})
				ws = append(ws, featurestore.Window{Rows: rows[id][max(0, len(rows[id])-4):]})
			}
			var err error
			if vs, err = sc.Score(ws, vs[:0]); err != nil {
				t.Fatal(err)
			}
		}
		return rec.got, vs, rows
	}
	got, vs, rows := run(PhaseFault{Stale: 5, Share: 1}, 1)
	for tick, p := range got[1] {
		if want := truth(int64(tick) - 5); p != want {
			t.Errorf("stale: tick %d reported %v, want %v", tick, p, want)
		}
	}
	if vs[0].Phase != engine.PhaseContact {
		t.Errorf("verdict phase %v, want the true contact", vs[0].Phase)
	}
	for _, o := range rows[0] {
		if o.Phase != truth(o.T) {
			t.Fatalf("window row at %d modified", o.T)
		}
	}
	got, _, _ = run(PhaseFault{Const: engine.PhaseRest, Share: 0.5, Seed: 3}, 40)
	hit := 0
	for id, ps := range got {
		if ps[19] == engine.PhaseRest {
			hit++
			for _, p := range ps {
				if p != engine.PhaseRest {
					t.Fatalf("soldier %d: a misreported soldier reports %v", id, p)
				}
			}
		}
	}
	if hit < 10 || hit > 30 {
		t.Errorf("share 0.5 misreported %d of 40 soldiers", hit)
	}
}
