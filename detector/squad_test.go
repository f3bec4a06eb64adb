package detector

import (
	"math"
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

// Squads need not come in order within a call (an HTTP batch): soldiers of
// two squads interleaved (3, 1, 3, 1, …) get each the verdicts they get
// when the call holds their squads one after the other. Squad 3 rises
// together (no HR alert), squad 1 has one soldier rising alone (an alert).
// It fails if the squad-wide rule groups a call's soldiers by runs of one
// squad rather than by squad.
func TestSquadWideInterleaved(t *testing.T) {
	const n, ticks, onset = 16, 400, 300
	run := func(interleaved bool) map[engine.SoldierID][]Verdict {
		sc, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		ss := make([]*series, n)
		for i := range ss {
			id := engine.SoldierID(i + 1)
			ss[i] = steadySeries(ticks, uint64(40+i))
			ss[i].p = engine.DefaultProfile(id)
			ss[i].p.Squad = 1
			if i >= n/2 {
				ss[i].p.Squad = 3
				ss[i].ramp(engine.HeartRate, onset, ticks, 60, 3)
			}
			if i == 0 {
				ss[i].ramp(engine.HeartRate, onset, ticks, 60, 3)
			}
			for k := range ss[i].obs {
				ss[i].obs[k].Soldier = id
			}
		}
		order := make([]int, 0, n)
		for i := range n / 2 {
			if interleaved {
				order = append(order, n/2+i, i)
			} else {
				order = append(order, i)
			}
		}
		if !interleaved {
			for i := range n / 2 {
				order = append(order, n/2+i)
			}
		}
		out := map[engine.SoldierID][]Verdict{}
		ws := make([]featurestore.Window, 0, n)
		var vs []Verdict
		for k := range ticks {
			ws = ws[:0]
			for _, i := range order {
				ws = append(ws, featurestore.Window{Profile: ss[i].p, Rows: ss[i].obs[max(0, k-31) : k+1]})
			}
			if vs, err = sc.Score(ws, vs[:0]); err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				out[v.Soldier] = append(out[v.Soldier], v)
			}
		}
		return out
	}
	grouped, mixed := run(false), run(true)
	for id, want := range grouped {
		got := mixed[id]
		for k := range want {
			if got[k].State != want[k].State || got[k].Channels != want[k].Channels || math.Float64bits(got[k].Score) != math.Float64bits(want[k].Score) {
				t.Fatalf("soldier %d, tick %d: interleaved %v score %v, grouped %v score %v", id, k, got[k].State, got[k].Score, want[k].State, want[k].Score)
			}
		}
	}
	if got := opened(grouped[1], ChannelHeartRate); len(got) == 0 || got[0] > onset+5 {
		t.Errorf("squad 1's one soldier rising: HR alerts at %v, want one within 5 s of %d", got, onset)
	}
	for id := engine.SoldierID(n/2 + 1); id <= n; id++ {
		if got := opened(grouped[id], ChannelHeartRate); len(got) > 0 {
			t.Errorf("squad 3 rising together: soldier %d opened HR alerts at %v", id, got)
		}
	}
}

// A soldier whose core temperature is judged against a hotter phase's
// half-band (heatHalf) is counted by the squad-wide rule as the reported
// phase judges it: three soldiers above the band and a fourth above it
// only by the reported phase's judgement are a squad-wide excursion (all
// four cleared); without the fourth's count the three are not.
func TestSquadWideCountsReportedHeat(t *testing.T) {
	const ct = int(engine.CoreTemp)
	run := func(hotter bool) ([]job, []Verdict) {
		c := &core{}
		b := &batch{jobs: make([]job, 4)}
		vds := make([]Verdict, 4)
		for i := range b.jobs {
			j := &b.jobs[i]
			j.s = &soldier{id: engine.SoldierID(i + 1)}
			j.s.profile.Squad = 2
			j.in.out = nanVitals
			j.in.out[ct] = 1.5
			vds[i].Vitals[ct].Out = 1.5
		}
		j := &b.jobs[3]
		j.in.out[ct], vds[3].Vitals[ct].Out = 0, 0 // in band against the hotter phase
		j.hotter, j.reportedOut = hotter, 1.2
		b.squadSlots()
		c.squadWide(b, vds)
		return b.jobs, vds
	}
	jobs, vds := run(true)
	for i := range 3 {
		if jobs[i].in.out[ct] != 0 || !jobs[i].in.squad.Has(engine.CoreTemp) || vds[i].Vitals[ct].Out != 0 {
			t.Errorf("counted by the reported phase: soldier %d out %g squad %v", i+1, jobs[i].in.out[ct], jobs[i].in.squad)
		}
	}
	jobs, _ = run(false)
	for i := range 3 {
		if jobs[i].in.out[ct] != 1.5 || jobs[i].in.squad != 0 {
			t.Errorf("three of four: soldier %d out %g squad %v, want 1.5 and none", i+1, jobs[i].in.out[ct], jobs[i].in.squad)
		}
	}
}
