package detector

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// activitySeries returns n ticks of one soldier reported in phase rep
// throughout: at rest (heart rate ≈ 72 ± 2, stamina recovering 1.2 points
// a minute from 80 until full) before from, then in contact (heart rate up
// 80 bpm with an 18-s lag and ± 4 bpm of noise, stamina draining 1.6 a
// minute) from from on (from ≥ n: at rest throughout). Readings carry the
// simulation's noise (stamina ± 0.15).
func activitySeries(n, from int, rep engine.Phase, seed uint64) *series {
	r := rand.New(rand.NewPCG(seed, 7))
	s := &series{p: engine.DefaultProfile(1)}
	st, hr := 80.0, 72.0
	for i := range n {
		o := engine.Observation{Soldier: 1, T: int64(i), Phase: rep, NextPhase: rep, Ambient: 22}
		target, noise := 72.0, 2.0
		if i >= from {
			target, noise = 152, 4
			st = max(0, st-1.6/60)
		} else {
			st = min(100, st+1.2/60)
		}
		hr += (target - hr) * (1 - math.Exp(-1.0/18))
		o.Values = [engine.NumVitals]float64{
			math.Round(hr + noise*r.NormFloat64()),
			math.Round(10*(st+0.15*r.NormFloat64())) / 10,
			37 + 0.3*float64(max(0, i-from))/float64(n) + 0.01*r.NormFloat64(),
			97 + float64(r.IntN(2)),
		}
		s.obs = append(s.obs, o)
	}
	return s
}

// openings returns the alerts opened in vs, by kind.
func openings(vs []Verdict) map[engine.AnomalyKind]int {
	m := map[engine.AnomalyKind]int{}
	for i := range vs {
		if vs[i].Alert.Opened {
			m[vs[i].Alert.Kind]++
		}
	}
	return m
}

// TestPhaseCheckRestReportedInContact: a soldier whose client keeps
// reporting "rest" goes into contact (heart rate up 80 bpm, stamina
// draining 1.6 points a minute) for 25 minutes. The phase check judges
// the phase wrong within PhaseMismatchHold and a minute of window, and
// from then on says so in the verdict; the heart rate is judged against
// the soldier's own baseline, whose activity gate holds while stamina
// drains, so no storm of tachycardia alerts follows.
func TestPhaseCheckRestReportedInContact(t *testing.T) {
	s := activitySeries(2100, 600, engine.PhaseRest, 3)
	on := feed(t, newTFT(t), s, 64)
	off := feed(t, newTFT(t, WithPhaseCheck(0)), s, 64)
	first := -1
	for i := range on {
		if on[i].PhaseSeen != ActivityNone && first < 0 {
			first = int(on[i].T)
		}
		if on[i].T < 600 && on[i].PhaseSeen != ActivityNone {
			t.Fatalf("t %d: phase judged wrong at rest", on[i].T)
		}
	}
	if first < 600 || first > 600+PhaseWindow+PhaseMismatchHold+30 {
		t.Fatalf("phase judged wrong from t %d (contact from 600)", first)
	}
	if got := on[len(on)-1].PhaseSeen; got != ActivityHard {
		t.Errorf("activity seen at the end %v, want %v", got, ActivityHard)
	}
	if e := Explain(&on[len(on)-1]); !strings.Contains(e, "reported phase rest does not match") {
		t.Errorf("explanation %q", e)
	}
	a, b := openings(on)[engine.KindTachycardia], openings(off)[engine.KindTachycardia]
	t.Logf("tachycardia alerts: %d with the phase check, %d without", a, b)
	if a > 1 {
		t.Errorf("%d tachycardia alerts with the phase check (without: %d)", a, b)
	}
}

// TestPhaseCheckContactReportedAtRest: a soldier reported in contact
// rests (stamina recovering, heart rate 72); the phase check judges the
// phase wrong, and a tachycardia at rest (+40 bpm for three minutes,
// after the soldier's own baseline has warmed) is caught, with an
// explanation that names the reported phase.
func TestPhaseCheckContactReportedAtRest(t *testing.T) {
	s := activitySeries(1500, 1<<30, engine.PhaseContact, 5)
	s.ramp(engine.HeartRate, 1000, 1180, 40, 3)
	vs := feed(t, newTFT(t), s, 64)
	var opened *Verdict
	for i := range vs {
		v := &vs[i]
		if v.Alert.Opened && v.T >= 1000 && v.T < 1180 && v.Alert.Kind == engine.KindTachycardia && opened == nil {
			opened = v
		}
	}
	if opened == nil {
		t.Fatal("the tachycardia at rest, reported as contact, was missed")
	}
	e := Explain(opened)
	t.Logf("%d: %s", opened.T, e)
	if opened.PhaseSeen == ActivityNone || !strings.Contains(e, "reported phase contact does not match the activity seen") {
		t.Errorf("t %d: activity %v, explanation %q", opened.T, opened.PhaseSeen, e)
	}
}

// TestPhaseCheckQuietWhenRight: the same soldiers with their phases
// reported right (rest while resting, contact in contact) are never
// judged wrong, and hold no personal baseline.
func TestPhaseCheckQuietWhenRight(t *testing.T) {
	rest := activitySeries(1500, 1<<30, engine.PhaseRest, 5)
	contact := activitySeries(1500, 0, engine.PhaseContact, 6)
	for name, s := range map[string]*series{"rest": rest, "contact": contact} {
		sc := newTFT(t)
		for _, v := range feed(t, sc, s, 64) {
			if v.PhaseSeen != ActivityNone || v.Vitals[engine.HeartRate].Personal {
				t.Fatalf("%s: t %d judged wrong (%v)", name, v.T, v.PhaseSeen)
			}
		}
		if sc.(*core).soldiers[1].personal != nil {
			t.Errorf("%s: a personal baseline for a soldier whose phase is right", name)
		}
	}
}

// TestPhaseCheckSameVerdictsOnSimulation: on a seeded battlefield with
// anomalies and every phase reported right, the TFT's verdicts with the
// phase check are those without it, to the last bit.
func TestPhaseCheckSameVerdictsOnSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.Seed, cfg.PoisonRate, cfg.Duration = 40, 9105, 0.2, 20*time.Minute
	run := func(opts ...Option) string {
		sc := newTFT(t, opts...)
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
		for range int(cfg.Duration / time.Second) {
			f, err := sim.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ws := make([]featurestore.Window, 0, len(f.Obs))
			for _, o := range f.Obs {
				r := append(rows[o.Soldier], o)
				rows[o.Soldier] = r[max(0, len(r)-64):]
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
	if run() != run(WithPhaseCheck(0)) {
		t.Error("the verdicts with the phase check differ from those without, with every phase right")
	}
}

// TestPhaseCheckNoGrowth: the phase check's counters sit in the
// soldier's padding: a soldier costs the core as many bytes as before it
// (docs/scale.md counts them).
func TestPhaseCheckNoGrowth(t *testing.T) {
	const before = soldierBytes
	if got := unsafe.Sizeof(soldier{}); got != before {
		t.Errorf("soldier state %d bytes, was %d", got, before)
	}
	if got := unsafe.Sizeof(Evidence{}); got != evidenceBytes {
		t.Errorf("evidence %d bytes, was %d", got, evidenceBytes)
	}
	if got := unsafe.Sizeof(Verdict{}); got != verdictBytes {
		t.Errorf("verdict %d bytes, was %d", got, verdictBytes)
	}
}

// The sizes before the phase check (main at ef92bf7, amd64).
const (
	soldierBytes  = 1552
	evidenceBytes = 72
	verdictBytes  = 1240
)

// BenchmarkPhaseCheck is the phase check's cost per reading: one soldier
// whose reported phase disagrees (the worst case: the trend is read every
// tick), on a history as the TFT keeps it.
func BenchmarkPhaseCheck(b *testing.B) { benchPhaseCheck(b, PhaseWindow) }

func benchPhaseCheck(b *testing.B, rows int) {
	s := activitySeries(rows+1000, 0, engine.PhaseRest, 1)
	c := &core{phaseHold: PhaseMismatchHold}
	sol := &soldier{profile: s.p, hist: newHistory(rows, false)}
	for i := range rows {
		r := row{t: s.obs[i].T, values: s.obs[i].Values}
		sol.hist.push(&r)
	}
	sol.lastT = int64(rows - 1)
	j := job{s: sol}
	b.ReportAllocs()
	b.ResetTimer()
	obs := s.obs[rows:]
	for i := range b.N {
		o := &obs[i%len(obs)]
		o.T = sol.lastT + 1
		j.obs, j.looked = o, false
		c.checkPhase(&j)
		sol.lastT = o.T
	}
	phaseSink = j.seen.rate
}

var phaseSink float64

// TestStaminaSlopeWalk: the trend walks the ring without a division per
// row and reads the same values as history.value, full or compact, on a
// ring that has wrapped.
func TestStaminaSlopeWalk(t *testing.T) {
	s := activitySeries(500, 200, engine.PhaseRest, 9)
	for _, small := range []bool{false, true} {
		h := newHistory(PhaseWindow+7, small)
		for i := range 300 {
			r := row{t: s.obs[i].T, values: s.obs[i].Values}
			h.push(&r)
		}
		rate, rise, falling, rising, ok := staminaSlope(&h, PhaseWindow)
		q := PhaseWindow / 4
		mean := func(v, from int) float64 {
			x := 0.0
			for i := from; i < from+q; i++ {
				x += h.value(i, v)
			}
			return x / float64(q)
		}
		st := int(engine.Stamina)
		wantRate := (mean(st, 0) - mean(st, 3*q)) / float64(3*q)
		wantRise := mean(int(engine.HeartRate), 0) - mean(int(engine.HeartRate), 3*q)
		if !ok || math.Abs(rate-wantRate) > 1e-12 || math.Abs(rise-wantRise) > 1e-9 || !falling || rising {
			t.Errorf("small %v: rate %g (want %g), rise %g (want %g), falling %v rising %v ok %v", small, rate, wantRate, rise, wantRise, falling, rising, ok)
		}
	}
}

// TestPriorLowHeartRateReportedContact: a resting soldier (72 bpm) whose
// client reports contact opens no bradycardia while the population prior
// judges its first readings (contact's band starts near 100 bpm, but rest
// explains 72); a heart at 45 bpm reported in contact, slow whatever the
// soldier does, still opens one within seconds, and a soldier reported at
// rest is judged against rest's band as before.
func TestPriorLowHeartRateReportedContact(t *testing.T) {
	const n = 30 // the TFT's warm-up: the prior judges these rows
	rest := activitySeries(n, 1<<30, engine.PhaseContact, 8)
	for _, v := range feed(t, newTFT(t), rest, 64) {
		if v.Alert.Opened {
			t.Fatalf("t %d: %v opened from the prior (%s)", v.T, v.Alert.Kind, Explain(&v))
		}
		if hr := &v.Vitals[engine.HeartRate]; !hr.Prior || hr.Out != 0 {
			t.Fatalf("t %d: heart rate %v judged by the prior %v, out %v", v.T, hr.Observed, hr.Prior, hr.Out)
		}
	}
	slow := activitySeries(n, 1<<30, engine.PhaseContact, 8)
	for i := range slow.obs {
		slow.obs[i].Values[engine.HeartRate] = 45 + float64(i%3) - 1
	}
	opened := -1
	for _, v := range feed(t, newTFT(t), slow, 64) {
		if v.Alert.Opened && opened < 0 && v.Alert.Kind == engine.KindBradycardia {
			opened = int(v.T)
		}
	}
	if opened < 0 || opened > 10 {
		t.Errorf("a heart at 45 bpm reported in contact: bradycardia opened at t %d, want within 10 s", opened)
	}
	p := engine.DefaultProfile(1)
	lo, _ := populationBand(&p, engine.PhaseRest, 22, engine.HeartRate)
	if got := priorLowHR(&p, 22, lo); got != lo {
		t.Errorf("rest's prior starts at %v, judged from %v", lo, got)
	}
}

// TestJudgePhaseRestOrRecovery: the simulated physiology's slowest rest
// (fitness low, 0.8 × 0.9 of 2.4 points a minute times the share still to
// recover) reads as rest, its fastest recovery (1.2 × 1.1 of 1.2) as
// recovery, at any stamina level; a full stamina that does not fall reads
// as rest.
func TestJudgePhaseRestOrRecovery(t *testing.T) {
	p := engine.DefaultProfile(1)
	for _, st := range []float64{20, 50, 80, 95} {
		left := (100 - st) / 100
		rest := judgePhase(engine.PhaseContact, &p, 22, 0.8*0.9*2.4*left, false, true, st, 70, 0)
		rec := judgePhase(engine.PhaseContact, &p, 22, 1.2*1.1*1.2*left, false, true, st, 70, 0)
		if !rest.rest || rec.rest {
			t.Errorf("stamina %v: rest read as rest %v, recovery as rest %v", st, rest.rest, rec.rest)
		}
	}
	if full := judgePhase(engine.PhaseContact, &p, 22, 0, false, false, 99.8, 70, 0); !full.rest || full.act != ActivitySteady {
		t.Errorf("a full stamina: rest %v, activity %v", full.rest, full.act)
	}
}

// driftStub is a forecaster that only answers drift, with the half-band
// of each phase in half (heatHalf reads nothing else).
type driftStub struct {
	forecaster
	half [engine.NumPhases]float64
}

func (d driftStub) drift(p engine.Phase, v int) (int, float64) { return 60, d.half[p] }

// TestHeatHalfHotterPhase: core temperature is judged against the half-band
// of the phase the activity shows only once a disagreement showing more
// work than reported has lasted PhaseHeatHold seconds, only while the
// phase is not yet judged wrong, and only when that half-band is larger.
func TestHeatHalfHotterPhase(t *testing.T) {
	var half [engine.NumPhases]float64
	half[engine.PhaseRest], half[engine.PhaseRecovery], half[engine.PhasePatrol] = 0.065, 0.07, 0.08
	half[engine.PhaseMarch], half[engine.PhaseContact] = 0.088, 0.106
	c := &core{f: driftStub{half: half}, phaseHold: PhaseMismatchHold}
	for _, tc := range []struct {
		name   string
		act    Activity
		run    int16
		wrong  bool
		h      float64
		want   float64
		hotter bool
	}{
		{"working, a minute", ActivityWorking, PhaseHeatHold, false, 0.065, 0.088, true},
		{"working hard, a minute", ActivityHard, PhaseHeatHold, false, 0.065, 0.106, true},
		{"working, under a minute", ActivityWorking, PhaseHeatHold - 1, false, 0.065, 0.065, false},
		{"judged wrong (rephased)", ActivityHard, PhaseHeatHold, true, 0.106, 0.106, false},
		{"resting", ActivityResting, PhaseMismatchHold - 1, false, 0.088, 0.088, false},
		{"not in contact", ActivitySteady, PhaseMismatchHold - 1, false, 0.106, 0.106, false},
		{"no disagreement", ActivityNone, 0, false, 0.065, 0.065, false},
		{"reported phase hotter", ActivityWorking, PhaseHeatHold, false, 0.1, 0.1, false},
	} {
		s := &soldier{seenAct: tc.act, phRun: tc.run, wrongPh: tc.wrong}
		j := &job{s: s}
		if got := c.heatHalf(j, tc.h); got != tc.want || j.hotter != tc.hotter {
			t.Errorf("%s: half %g hotter %v, want %g %v", tc.name, got, j.hotter, tc.want, tc.hotter)
		}
	}
}

// TestPhaseCheckCountsDisagreement: while a disagreement is counted the
// soldier remembers what it showed (heatHalf reads it on rows without a
// trend), and an agreeing row forgets it.
func TestPhaseCheckCountsDisagreement(t *testing.T) {
	c := &core{phaseHold: PhaseMismatchHold}
	s := &soldier{lastPh: engine.PhaseRest, lastT: 99}
	o := engine.Observation{T: 100, Phase: engine.PhaseRest}
	j := &job{s: s, obs: &o, looked: true, rawOK: true, raw: phaseSeen{act: ActivityWorking, rate: -0.4}}
	for range PhaseHeatHold {
		c.checkPhase(j)
		s.lastT, o.T = o.T, o.T+1
	}
	if s.seenAct != ActivityWorking || s.phRun != PhaseHeatHold || s.wrongPh {
		t.Fatalf("after %d s of disagreement: seen %v run %d wrong %v", PhaseHeatHold, s.seenAct, s.phRun, s.wrongPh)
	}
	j.rawOK, j.raw = false, phaseSeen{} // a row without a trend keeps the count
	c.checkPhase(j)
	if s.seenAct != ActivityWorking || s.phRun != PhaseHeatHold {
		t.Fatalf("row without a trend: seen %v run %d", s.seenAct, s.phRun)
	}
	j.rawOK, j.raw = true, phaseSeen{agree: true}
	c.checkPhase(j)
	if s.seenAct != ActivityNone || s.phRun != 0 {
		t.Fatalf("agreeing row: seen %v run %d, want none 0", s.seenAct, s.phRun)
	}
}
