package featurestore_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

func TestTrainingSetBasics(t *testing.T) {
	g := storetest.NewGen(20)
	profiles := g.Profiles(3)
	frames := g.Frames(3, 100, 0)
	spec := featurestore.TrainingSpec{Inputs: 31, Horizon: 2, Stride: 1}
	ts := storetest.BuildFrom(t, spec, profiles, frames)
	// Per soldier: anchors at ticks 30 … 97.
	if want := 3 * (100 - 31 - 2 + 1); ts.Len() != want {
		t.Fatalf("Len = %d, want %d", ts.Len(), want)
	}
	storetest.CheckPointInTime(t, ts)
	ex := ts.Example(0)
	if ex.Soldier != 1 || ex.T != 30 || ex.Profile != profiles[0] || ex.Run != 0 {
		t.Fatalf("first example: soldier %d tick %d run %d profile %+v", ex.Soldier, ex.T, ex.Run, ex.Profile)
	}
	for j, o := range ex.Inputs {
		if !storetest.SameObs(o, frames[j].Obs[0]) {
			t.Fatalf("input %d differs from the frame's row", j)
		}
	}
	if !storetest.SameObs(ex.Targets[1], frames[32].Obs[0]) {
		t.Fatal("target differs from the frame's row")
	}
	if !ts.RunStart(0).Equal(frames[0].Time) {
		t.Fatalf("RunStart = %v", ts.RunStart(0))
	}
	// Stride.
	ts = storetest.BuildFrom(t, featurestore.TrainingSpec{Inputs: 31, Horizon: 2, Stride: 10}, profiles, frames)
	if want := 3 * 7; ts.Len() != want { // ticks 30, 40, …, 90
		t.Fatalf("Len with stride 10 = %d, want %d", ts.Len(), want)
	}
	if ts.Example(1).T != 40 {
		t.Fatalf("second example at tick %d", ts.Example(1).T)
	}
	for _, bad := range []featurestore.TrainingSpec{{Inputs: 0, Horizon: 1}, {Inputs: 1, Horizon: 0}, {Inputs: 1, Horizon: 1, Stride: -1}, {Inputs: 1, Horizon: 1, MaxGap: -1}} {
		if _, err := featurestore.NewBuilder(bad); !errors.Is(err, featurestore.ErrInvalid) {
			t.Errorf("NewBuilder(%+v) = %v; want ErrInvalid", bad, err)
		}
	}
}

// TestTrainingSetNoLeakage is the leakage test: poisoning every row after
// tick P must leave the inputs of every example at or before P untouched.
// If inputs reached into the future (off by one, a filled gap borrowing a
// later value, a window anchored at the wrong end), the poison would show.
func TestTrainingSetNoLeakage(t *testing.T) {
	g := storetest.NewGen(21)
	profiles := g.Profiles(4)
	clean := g.Frames(4, 200, 0)
	// Holes make gap filling part of the test.
	for _, f := range []int{50, 51, 120} {
		clean[f].Obs = slices.Delete(slices.Clone(clean[f].Obs), 1, 2)
	}
	const P = 100
	poisoned := make([]engine.Frame, len(clean))
	for i, f := range clean {
		f.Obs = slices.Clone(f.Obs)
		if f.T > P {
			for j := range f.Obs {
				f.Obs[j].Values = [engine.NumVitals]float64{1e9, 1e9, 1e9, 1e9}
				f.Obs[j].Missing = 0
				f.Obs[j].Ambient = 1e9
				f.Obs[j].Phase, f.Obs[j].NextPhase = engine.PhaseContact, engine.PhaseContact
			}
		}
		poisoned[i] = f
	}
	spec := featurestore.TrainingSpec{Inputs: 31, Horizon: 3, MaxGap: 3}
	a := storetest.BuildFrom(t, spec, profiles, clean)
	b := storetest.BuildFrom(t, spec, profiles, poisoned)
	storetest.CheckPointInTime(t, a)
	storetest.CheckPointInTime(t, b)
	if a.Len() != b.Len() {
		t.Fatalf("%d vs %d examples", a.Len(), b.Len())
	}
	before, poisonedTargets := 0, 0
	for i := range a.Len() {
		ea, eb := a.Example(i), b.Example(i)
		if ea.T != eb.T || ea.Soldier != eb.Soldier {
			t.Fatalf("example %d: different anchors", i)
		}
		if ea.T > P {
			continue
		}
		before++
		for j := range ea.Inputs {
			if !storetest.SameObs(ea.Inputs[j], eb.Inputs[j]) {
				t.Fatalf("example at tick %d: input %d (tick %d) leaked a future row", ea.T, j, eb.Inputs[j].T)
			}
		}
		for _, o := range eb.Targets {
			if o.Values[0] == 1e9 {
				poisonedTargets++
			}
		}
	}
	if before == 0 || poisonedTargets == 0 {
		t.Fatalf("vacuous test: %d examples at or before P, %d poisoned targets", before, poisonedTargets)
	}
}

func TestTrainingSetGaps(t *testing.T) {
	g := storetest.NewGen(22)
	var rows []engine.Observation
	for _, tick := range []int64{0, 1, 2, 3, 4, 6, 7, 8, 9, 20, 21, 22, 23, 24} {
		rows = append(rows, g.Obs(1, tick))
	}
	build := func(maxGap int) *featurestore.TrainingSet {
		b, _ := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: 3, Horizon: 1, MaxGap: maxGap})
		for _, o := range rows {
			if err := b.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		ts, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		storetest.CheckPointInTime(t, ts)
		return ts
	}
	ticks := func(ts *featurestore.TrainingSet) []int64 {
		var out []int64
		for _, ex := range ts.All() {
			out = append(out, ex.T)
		}
		return out
	}
	// MaxGap 0: segments 0–4, 6–9, 20–24.
	if got, want := ticks(build(0)), []int64{2, 3, 8, 22, 23}; !slices.Equal(got, want) {
		t.Fatalf("MaxGap 0: examples at %v, want %v", got, want)
	}
	// MaxGap 1: tick 5 filled (never an example's own tick), 10–19 still splits.
	ts := build(1)
	if got, want := ticks(ts), []int64{2, 3, 4, 6, 7, 8, 22, 23}; !slices.Equal(got, want) {
		t.Fatalf("MaxGap 1: examples at %v, want %v", got, want)
	}
	ex := ts.Example(2) // tick 4: its target is the filler at 5
	fill := ex.Targets[0]
	if fill.T != 5 || fill.Missing != 0xF || !math.IsNaN(fill.Values[engine.HeartRate]) ||
		fill.Phase != rows[4].NextPhase || fill.Ambient != rows[4].Ambient {
		t.Fatalf("filler row = %+v", fill)
	}
	if ts.Rows() != len(rows)+1 {
		t.Fatalf("Rows = %d, want %d", ts.Rows(), len(rows)+1)
	}
	// Two-second ticks: the same holes, in units of the tick.
	b, _ := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: 3, Horizon: 1, MaxGap: 1})
	for _, o := range rows {
		o.T *= 2
		if err := b.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.Add(engine.Observation{Soldier: 2, T: 1}) // a lone row of another soldier
	ts2, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckPointInTime(t, ts2)
	if ts2.Step(0) != 2 || ts2.Len() != ts.Len() || ts2.Example(2).Targets[0].T != 10 {
		t.Fatalf("two-second ticks: step %d, %d examples", ts2.Step(0), ts2.Len())
	}
	b, _ = featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: 3, Horizon: 1})
	_ = b.Add(rows[3])
	if err := b.Add(rows[2]); !errors.Is(err, featurestore.ErrOutOfOrder) {
		t.Fatalf("out-of-order Add: %v", err)
	}
}

func TestTrainingSetSkipLabelled(t *testing.T) {
	g := storetest.NewGen(23)
	frames := g.Frames(2, 60, 0)
	label := engine.Label{Soldier: 2, Start: 30, End: 32, Kind: engine.KindBradycardia}
	artefact := engine.Label{Soldier: 1, Start: 30, End: 30, Kind: engine.KindArtefact}
	for i := range frames {
		for _, l := range []engine.Label{label, artefact} {
			if l.Contains(frames[i].T) {
				frames[i].Truth = append(frames[i].Truth, l)
			}
		}
	}
	spec := featurestore.TrainingSpec{Inputs: 5, Horizon: 2, SkipLabelled: true}
	ts := storetest.BuildFrom(t, spec, nil, frames)
	per := map[engine.SoldierID]int{}
	for _, ex := range ts.All() {
		per[ex.Soldier]++
		if ex.Soldier == 2 && ex.T+2 >= 30 && ex.T-4 <= 32 {
			t.Fatalf("example at tick %d overlaps the label", ex.T)
		}
	}
	// Soldier 1 keeps all 54 (the artefact is no event); soldier 2 loses
	// anchors 28 … 36.
	if per[1] != 54 || per[2] != 54-9 {
		t.Fatalf("examples per soldier = %v", per)
	}
	if k := ts.KindAt(0, 2, 31); k != engine.KindBradycardia {
		t.Fatalf("KindAt = %v", k)
	}
	if k := ts.KindAt(0, 1, 30); k != engine.KindArtefact {
		t.Fatalf("KindAt = %v", k)
	}
	if ts.Example(0).Profile != engine.DefaultProfile(1) {
		t.Fatal("a soldier without a profile did not get the default one")
	}
}

func TestTrainingExampleNoAllocs(t *testing.T) {
	g := storetest.NewGen(24)
	ts := storetest.BuildFrom(t, featurestore.TrainingSpec{Inputs: 31, Horizon: 1}, g.Profiles(10), g.Frames(10, 100, 0))
	i := 0
	if a := testing.AllocsPerRun(100, func() { sinkExample = ts.Example(i % ts.Len()); i++ }); a != 0 {
		t.Fatalf("Example allocates %.1f times", a)
	}
}

var sinkExample featurestore.Example
