package engine

import (
	"context"
	"errors"
	"io"
	"math"
	"slices"
	"testing"
	"time"
)

func TestSimDeterministic(t *testing.T) {
	a, _ := runAll(t, testConfig(30, 20*time.Minute, 7))
	b, _ := runAll(t, testConfig(30, 20*time.Minute, 7))
	c, _ := runAll(t, testConfig(30, 20*time.Minute, 8))
	if len(a) != 1200 || len(b) != len(a) {
		t.Fatalf("got %d and %d frames, want 1200", len(a), len(b))
	}
	for i := range a {
		if d := sameFrame(&a[i], &b[i]); d != "" {
			t.Fatalf("same seed, tick %d: %s differs", a[i].T, d)
		}
	}
	differ := 0
	for i := range a {
		if sameFrame(&a[i], &c[i]) != "" {
			differ++
		}
	}
	if differ < len(a)/2 {
		t.Errorf("seeds 7 and 8 give the same frames at %d of %d ticks", len(a)-differ, len(a))
	}
}

func TestSimFrameInvariants(t *testing.T) {
	cfg := testConfig(40, 30*time.Minute, 3)
	cfg.PoisonRate = 0.2
	frames, s := runAll(t, cfg)
	for _, f := range frames {
		if want := cfg.Start.Add(time.Duration(f.T) * time.Second); !f.Time.Equal(want) {
			t.Fatalf("tick %d at %v, want %v", f.T, f.Time, want)
		}
		for i, o := range f.Obs {
			if o.Soldier != SoldierID(i+1) || o.T != f.T {
				t.Fatalf("tick %d: observation %d is soldier %d at %d", f.T, i, o.Soldier, o.T)
			}
			for v := range Vital(NumVitals) {
				x := o.Values[v]
				if o.Missing.Has(v) != math.IsNaN(x) {
					t.Fatalf("tick %d soldier %d %s: missing bit %v but value %v", f.T, o.Soldier, v, o.Missing.Has(v), x)
				}
				if !o.Missing.Has(v) && x == 0 && v != Stamina {
					t.Fatalf("tick %d soldier %d %s: a zero reading", f.T, o.Soldier, v)
				}
			}
			if o.Ambient != s.Ambient(f.T) {
				t.Fatalf("tick %d: ambient %v, Ambient says %v", f.T, o.Ambient, s.Ambient(f.T))
			}
		}
		if !slices.IsSortedFunc(f.Truth, func(a, b Label) int { return int(a.Soldier - b.Soldier) }) {
			t.Fatalf("tick %d: truth not sorted by soldier", f.T)
		}
	}
}

func TestSimTruthMatchesLabels(t *testing.T) {
	cfg := testConfig(30, time.Hour, 5)
	cfg.PoisonRate = 0.15
	frames, s := runAll(t, cfg)
	labels := s.Labels()
	if len(labels) == 0 {
		t.Fatal("no labels")
	}
	bySoldier := map[SoldierID][]Label{}
	for _, l := range labels {
		bySoldier[l.Soldier] = append(bySoldier[l.Soldier], l)
	}
	for id, ls := range bySoldier {
		for i := 1; i < len(ls); i++ {
			if ls[i].Start <= ls[i-1].End {
				t.Fatalf("soldier %d: labels %+v and %+v overlap", id, ls[i-1], ls[i])
			}
		}
	}
	for _, f := range frames {
		var want []Label
		for _, l := range labels {
			if l.Contains(f.T) {
				want = append(want, l)
			}
		}
		slices.SortStableFunc(want, func(a, b Label) int { return int(a.Soldier - b.Soldier) })
		if !slices.Equal(f.Truth, want) {
			t.Fatalf("tick %d: truth %v, labels say %v", f.T, f.Truth, want)
		}
	}
}

func TestSimPhaseScheduleKnownAhead(t *testing.T) {
	cfg := testConfig(25, 3*time.Hour, 11)
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Ask for the whole schedule before the clock moves.
	ahead := make([][]Phase, s.Squads())
	for q := range ahead {
		for tk := int64(0); tk <= 3*3600; tk++ {
			ahead[q] = append(ahead[q], s.PhaseAt(q, tk))
		}
	}
	seen := map[Phase]bool{}
	var f Frame
	for s.Step(&f) == nil {
		for _, o := range f.Obs {
			q := s.profiles[o.Soldier-1].Squad
			if o.Phase != ahead[q][f.T] || o.NextPhase != ahead[q][f.T+1] {
				t.Fatalf("tick %d squad %d: phase %v→%v, schedule said %v→%v", f.T, q, o.Phase, o.NextPhase, ahead[q][f.T], ahead[q][f.T+1])
			}
			seen[o.Phase] = true
		}
	}
	if len(seen) != NumPhases {
		t.Errorf("3 h with 3 squads visited phases %v, want all five", seen)
	}
	segs := s.Schedule(0, 0, 3600, nil)
	if len(segs) < 2 || segs[0].Start != 0 || segs[0].Phase != PhaseRest {
		t.Fatalf("schedule of squad 0: %v", segs)
	}
	for i, sg := range segs {
		if i > 0 && (sg.Start <= segs[i-1].Start || sg.Phase == segs[i-1].Phase) {
			t.Fatalf("schedule segments %v and %v", segs[i-1], sg)
		}
		if s.PhaseAt(0, sg.Start) != sg.Phase {
			t.Fatalf("PhaseAt disagrees with segment %v", sg)
		}
	}
}

// TestSimStreamsIndependent checks that anomalies only change what their
// windows (and tails) touch: the schedule, the physiology underneath and the
// artefacts come from their own streams.
func TestSimStreamsIndependent(t *testing.T) {
	clean := worldConfig(30, time.Hour, 9, CleanWorld())
	clean.PoisonRate = 0
	poisoned := clean
	poisoned.PoisonRate = 0.1
	poisoned.Mix, _ = ParseMix("tachycardia=1,heat_strain=3")
	a, _ := runAll(t, clean)
	b, sb := runAll(t, poisoned)
	settle := map[SoldierID]int64{}
	compared := 0
	for i := range a {
		fa, fb := &a[i], &b[i]
		lbl := map[SoldierID]Label{}
		for _, l := range fb.Truth {
			lbl[l.Soldier] = l
			if l.Kind.IsEvent() {
				settle[l.Soldier] = l.End + Settle
			}
		}
		for j := range fa.Obs {
			oa, ob := fa.Obs[j], fb.Obs[j]
			if oa.Phase != ob.Phase || oa.NextPhase != ob.NextPhase {
				t.Fatalf("tick %d soldier %d: the anomaly mix changed the schedule", fa.T, oa.Soldier)
			}
			if l, ok := lbl[oa.Soldier]; (ok && l.Kind.IsEvent()) || fa.T <= settle[oa.Soldier] {
				continue
			}
			if oa.Values != ob.Values {
				t.Fatalf("tick %d soldier %d: readings %v without anomalies, %v with", fa.T, oa.Soldier, oa.Values, ob.Values)
			}
			compared++
		}
	}
	if len(sb.Labels()) < 10 || compared < len(a)*30/2 {
		t.Fatalf("%d labels, %d soldier-ticks compared: too few to mean anything", len(sb.Labels()), compared)
	}
}

func TestSimContactRaisesSquadTogether(t *testing.T) {
	cfg := worldConfig(60, 4*time.Hour, 2, CleanWorld()) // the plan is what happens (no schedule drift)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	frames, s := runAll(t, cfg)
	onsets := 0
	for q := range s.Squads() {
		for _, sg := range s.Schedule(q, 0, int64(len(frames)), nil) {
			on := sg.Start
			if sg.Phase != PhaseContact || on < 120 || on+180 >= int64(len(frames)) {
				continue
			}
			onsets++
			var before, after []float64
			for _, o := range frames[on].Obs {
				if s.profiles[o.Soldier-1].Squad != q {
					continue
				}
				before = append(before, meanHR(frames[on-60:on], o.Soldier))
				after = append(after, meanHR(frames[on+60:on+120], o.Soldier))
			}
			for i := range before {
				if after[i]-before[i] < 20 {
					t.Errorf("squad %d contact at %d: a soldier's HR went %.0f → %.0f", q, on, before[i], after[i])
				}
			}
			// Another squad not in contact does not follow.
			other := (q + 1) % s.Squads()
			if s.PhaseAt(other, on) == PhaseContact || s.PhaseAt(other, on+120) == PhaseContact || s.PhaseAt(other, on-60) == PhaseContact {
				continue
			}
			var ob, oa float64
			n := 0
			for _, o := range frames[on].Obs {
				if s.profiles[o.Soldier-1].Squad == other {
					ob += meanHR(frames[on-60:on], o.Soldier)
					oa += meanHR(frames[on+60:on+120], o.Soldier)
					n++
				}
			}
			if s.PhaseAt(other, on-60) == s.PhaseAt(other, on+120) && math.Abs(oa-ob)/float64(n) > 15 {
				t.Errorf("squad %d (not in contact) moved %.0f bpm when squad %d engaged", other, (oa-ob)/float64(n), q)
			}
		}
	}
	if onsets < 3 {
		t.Fatalf("only %d contact onsets in 4 h of 6 squads", onsets)
	}
}

func meanHR(frames []Frame, id SoldierID) float64 {
	var s float64
	for _, f := range frames {
		s += f.Obs[id-1].Values[HeartRate]
	}
	return s / float64(len(frames))
}

func TestSimNextCopiesAndEnds(t *testing.T) {
	s, err := NewSim(testConfig(5, 3*time.Second, 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f0, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keep := f0.Clone()
	f0.Obs[0].Values[HeartRate] = -1 // the caller owns its frame
	f1, _ := s.Next(ctx)
	if &f1.Obs[0] == &f0.Obs[0] || f1.T != 1 || keep.Obs[0].Values[HeartRate] == -1 {
		t.Fatal("Next reused a frame's slice")
	}
	if _, err := s.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after the duration: %v, want io.EOF", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	s2, _ := NewSim(testConfig(5, 0, 1))
	if _, err := s2.Next(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestSimStepDoesNotAllocate(t *testing.T) {
	s, err := NewSim(testConfig(100, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	var f Frame
	for range 1000 { // warm up: grow the frame, the queue and the schedules
		s.Step(&f)
	}
	if n := testing.AllocsPerRun(500, func() { s.Step(&f) }); n > 0.05 {
		t.Errorf("Step allocates %.2f times per tick", n)
	}
}

func TestSimLongerTick(t *testing.T) {
	cfg := testConfig(10, 10*time.Minute, 1)
	cfg.Tick = 5 * time.Second
	frames, _ := runAll(t, cfg)
	if len(frames) != 120 || frames[1].T != 5 || frames[119].T != 595 {
		t.Fatalf("5 s ticks over 10 min: %d frames, ticks %d, %d", len(frames), frames[1].T, frames[len(frames)-1].T)
	}
}

func TestWithProfiles(t *testing.T) {
	cfg := worldConfig(3, time.Minute, 1, CleanWorld()) // exact profiles: Profiles gives back the ones passed
	ps := GenerateProfiles(3, 10, 99)
	ps[1].RestingHR = 50
	s, err := NewSim(cfg, WithProfiles(ps))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Profiles(); !slices.Equal(got, ps) {
		t.Fatalf("profiles %v, want %v", got, ps)
	}
	bad := slices.Clone(ps)
	bad[2].ID = bad[1].ID
	if _, err := NewSim(cfg, WithProfiles(bad)); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("duplicate ids: %v", err)
	}
	if _, err := NewSim(cfg, WithProfiles(ps[:2])); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("too few profiles: %v", err)
	}
}

func TestGenerateProfiles(t *testing.T) {
	ps := GenerateProfiles(2000, 10, 4)
	var fit [NumFitness]int
	for i, p := range ps {
		if p.ID != SoldierID(i+1) || p.Squad != i/10 {
			t.Fatalf("profile %d: id %d squad %d", i, p.ID, p.Squad)
		}
		if p.Age < 19 || p.Age > 45 || p.RestingHR < 45 || p.RestingHR > 90 || p.Mass < 55 || p.Mass > 110 ||
			p.Acclimatised < 0 || p.Acclimatised > 1 || p.BaseCoreTemp < 36.8 || p.BaseCoreTemp > 37.2 {
			t.Fatalf("implausible profile %+v", p)
		}
		if math.Abs(p.HRMax-HRMaxForAge(p.Age)) > 8.5 {
			t.Fatalf("HRmax %v for age %v (Tanaka %v)", p.HRMax, p.Age, HRMaxForAge(p.Age))
		}
		fit[p.Fitness]++
	}
	for f, n := range fit {
		if n < 300 {
			t.Errorf("only %d of 2000 soldiers of fitness %v", n, FitnessClass(f))
		}
	}
}

func TestAmbientProfile(t *testing.T) {
	cfg := testConfig(1, 0, 1)
	cfg.Start = time.Date(2025, 7, 1, 3, 0, 0, 0, time.FixedZone("UTC+5", 5*3600)) // 03:00 local
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Ambient(0); got != cfg.AmbientMean-cfg.AmbientSwing {
		t.Errorf("03:00 local: %v °C, want the coolest %v", got, cfg.AmbientMean-cfg.AmbientSwing)
	}
	if got := s.Ambient(12 * 3600); got != cfg.AmbientMean+cfg.AmbientSwing {
		t.Errorf("15:00 local: %v °C, want the warmest %v", got, cfg.AmbientMean+cfg.AmbientSwing)
	}
	if got := s.Ambient(36 * 3600); got != cfg.AmbientMean+cfg.AmbientSwing {
		t.Errorf("15:00 the next day: %v °C", got)
	}
}
