package detector

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// A squad whose heart rates all rise together (an unplanned contact the
// plan does not show) opens no alert; one soldier rising alone does, and so
// does a soldier of that squad when scored without the others.
func TestSquadWideExcursion(t *testing.T) {
	const n, ticks, onset = 8, 400, 300
	run := func(rising int, together bool) [][]Verdict {
		sc, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		ss := make([]*series, n)
		for i := range ss {
			ss[i] = steadySeries(ticks, uint64(20+i))
			ss[i].p = engine.DefaultProfile(engine.SoldierID(i + 1))
			ss[i].p.Squad = 3
			for k := range ss[i].obs {
				ss[i].obs[k].Soldier = engine.SoldierID(i + 1)
			}
			if i < rising {
				ss[i].ramp(engine.HeartRate, onset, ticks, 60, 3)
			}
		}
		out := make([][]Verdict, n)
		ws := make([]featurestore.Window, 0, n)
		var vs []Verdict
		for k := range ticks {
			ws = ws[:0]
			for i := range ss {
				ws = append(ws, featurestore.Window{Profile: ss[i].p, Rows: ss[i].obs[max(0, k-31) : k+1]})
			}
			if together {
				if vs, err = sc.Score(ws, vs[:0]); err != nil {
					t.Fatal(err)
				}
			} else {
				vs = vs[:0]
				for i := range ws {
					if vs, err = sc.Score(ws[i:i+1], vs); err != nil {
						t.Fatal(err)
					}
				}
			}
			for i := range vs {
				out[i] = append(out[i], vs[i])
			}
		}
		return out
	}
	for i, vs := range run(n, true) {
		if got := opened(vs, ChannelHeartRate); len(got) > 0 {
			t.Errorf("whole squad rising: soldier %d opened HR alerts at %v", i+1, got)
		}
	}
	vs := run(1, true)
	if got := opened(vs[0], ChannelHeartRate); len(got) == 0 || got[0] > onset+5 {
		t.Errorf("one soldier rising: HR alerts at %v, want one within 5 s of %d", got, onset)
	}
	vs = run(n, false)
	if got := opened(vs[0], ChannelHeartRate); len(got) == 0 {
		t.Error("soldiers scored one by one: no HR alert for a rise the squad shares")
	}
}
