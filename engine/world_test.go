package engine

import (
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// worldConfig returns a test battlefield in world w.
func worldConfig(soldiers int, d time.Duration, seed uint64, w World) Config {
	cfg := testConfig(soldiers, d, seed)
	cfg.World = w
	return cfg
}

// kurtosis returns the sample kurtosis of xs (3 for a Gaussian).
func kurtosis(xs []float64) float64 {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var m2, m4 float64
	for _, x := range xs {
		d := (x - m) * (x - m)
		m2 += d
		m4 += d * d
	}
	m2 /= float64(len(xs))
	m4 /= float64(len(xs))
	return m4 / (m2 * m2)
}

func TestWorldPresets(t *testing.T) {
	if DefaultConfig().World != mustPreset(t, DefaultWorldName) {
		t.Error("DefaultConfig does not start from DefaultWorldName")
	}
	if DefaultWorldName != WorldField || DefaultConfig().World != FieldWorld() {
		t.Errorf("the default world is %q, want the field world (issue 18)", DefaultWorldName)
	}
	if CleanWorld() != (World{}) {
		t.Error("the clean world is not the zero World")
	}
	for _, n := range WorldNames {
		cfg := DefaultConfig()
		cfg.World = mustPreset(t, n)
		if err := cfg.Validate(); err != nil {
			t.Errorf("preset %s: %v", n, err)
		}
	}
	if _, err := WorldPreset("mars"); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `unknown world "mars"`) {
		t.Errorf("WorldPreset(mars): %v", err)
	}
}

func mustPreset(t *testing.T, name string) World {
	t.Helper()
	w, err := WorldPreset(name)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWorldValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*World)
		want string
	}{
		{func(w *World) { w.ArtefactMax = 0 }, "set both bounds"},
		{func(w *World) { w.ArtefactMin = 40 * time.Second }, "artefact duration must be"},
		{func(w *World) { w.ArtefactExertion = -1 }, "exertion"},
		{func(w *World) { w.CadenceLock = 1.5 }, "cadence lock share"},
		{func(w *World) { w.CadenceMin = 300 }, "cadence must be"},
		{func(w *World) { w.NoiseDF = 2 }, "degrees of freedom"},
		{func(w *World) { w.NoiseDF = math.NaN() }, "degrees of freedom"},
		{func(w *World) { w.SensorBias = -0.5 }, "bias"},
		{func(w *World) { w.SensorDrift = 11 }, "drift"},
		{func(w *World) { w.PartialDropoutRate = -1 }, "partial dropout rate"},
		{func(w *World) { w.PartialDropoutMin = 0 }, "partial dropout duration"},
		{func(w *World) { w.MissingRate = 0.5 }, "missing rate"},
		{func(w *World) { w.MissingBurst = time.Minute }, "missing burst"},
		{func(w *World) { w.MissingBurst = 0 }, "missing burst"},
		{func(w *World) { w.PartialDropoutMax = time.Second }, "partial dropout duration"},
		{func(w *World) { w.ScheduleJitter = -time.Second }, "schedule jitter"},
		{func(w *World) { w.UnplannedContact = math.Inf(1) }, "unplanned contact"},
		{func(w *World) { w.StartAnomalous = 1.2 }, "start-anomalous"},
		{func(w *World) { w.ProfileHRError = 25 }, "resting-HR error"},
		{func(w *World) { w.ProfileAgeError = -1 }, "age error"},
	} {
		cfg := DefaultConfig()
		cfg.World = FieldWorld()
		tc.edit(&cfg.World)
		err := cfg.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error saying %q, got %v", tc.want, err)
		}
	}
}

// TestFieldWorldAnyTick: the presets hold at any tick (durations under one
// tick last one tick), so --tick works in the default world.
func TestFieldWorldAnyTick(t *testing.T) {
	for _, tick := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, time.Minute} {
		cfg := worldConfig(20, 2*time.Hour, 3, FieldWorld())
		cfg.Tick = tick
		frames, s := runAll(t, cfg)
		if want := int(2 * time.Hour / tick); len(frames) != want {
			t.Fatalf("tick %v: %d frames, want %d", tick, len(frames), want)
		}
		missing := 0
		for _, f := range frames {
			for _, o := range f.Obs {
				if o.Missing != 0 {
					missing++
				}
			}
		}
		if missing == 0 || len(s.Labels()) == 0 {
			t.Errorf("tick %v: %d missing readings, %d labels: the field world did nothing", tick, missing, len(s.Labels()))
		}
	}
}

func TestParseSpanAndRange(t *testing.T) {
	for _, tc := range []struct {
		in     string
		lo, hi time.Duration
	}{{"1-30", time.Second, 30 * time.Second}, {"0.5-2", 500 * time.Millisecond, 2 * time.Second},
		{"2s-1m", 2 * time.Second, time.Minute}, {"5", 5 * time.Second, 5 * time.Second}, {"0", 0, 0}} {
		lo, hi, err := ParseSpan(tc.in)
		if err != nil || lo != tc.lo || hi != tc.hi {
			t.Errorf("ParseSpan(%q) = %v, %v, %v", tc.in, lo, hi, err)
		}
		if tc.lo != tc.hi {
			if lo2, hi2, err := ParseSpan(FormatSpan(lo, hi)); err != nil || lo2 != lo || hi2 != hi {
				t.Errorf("FormatSpan(%v, %v) does not read back", lo, hi)
			}
		}
	}
	for _, bad := range []string{"30-1", "a-b", "-5", "1-x"} {
		if _, _, err := ParseSpan(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ParseSpan(%q): %v", bad, err)
		}
	}
	if lo, hi, err := ParseRange("150-170"); err != nil || lo != 150 || hi != 170 || FormatRange(lo, hi) != "150-170" {
		t.Errorf("ParseRange: %v %v %v", lo, hi, err)
	}
	if _, _, err := ParseRange("170-150"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("ParseRange(170-150): %v", err)
	}
}

// TestFieldDeterministic: the same seed and world give the same frames and
// labels; another seed gives other frames.
func TestFieldDeterministic(t *testing.T) {
	a, sa := runAll(t, worldConfig(30, 40*time.Minute, 7, FieldWorld()))
	b, sb := runAll(t, worldConfig(30, 40*time.Minute, 7, FieldWorld()))
	c, _ := runAll(t, worldConfig(30, 40*time.Minute, 8, FieldWorld()))
	for i := range a {
		if d := sameFrame(&a[i], &b[i]); d != "" {
			t.Fatalf("same seed, tick %d: %s differs", a[i].T, d)
		}
	}
	if !slices.Equal(sa.Labels(), sb.Labels()) || !slices.Equal(sa.Profiles(), sb.Profiles()) {
		t.Fatal("same seed, different labels or profiles")
	}
	differ := 0
	for i := range a {
		if sameFrame(&a[i], &c[i]) != "" {
			differ++
		}
	}
	if differ < len(a)/2 {
		t.Errorf("seeds 7 and 8 give the same field frames at %d of %d ticks", len(a)-differ, len(a))
	}
	// The field world differs from the clean one with the same seed.
	d, _ := runAll(t, worldConfig(30, 40*time.Minute, 7, CleanWorld()))
	if sameFrame(&a[len(a)-1], &d[len(d)-1]) == "" {
		t.Error("field and clean worlds give the same frame")
	}
}

// TestFieldTruthMatchesLabels: lasting artefacts, windows under way at tick
// 0 and everything else keep the label invariants: labels of one soldier
// never overlap and each frame's truth is exactly the labels containing it.
func TestFieldTruthMatchesLabels(t *testing.T) {
	w := FieldWorld()
	w.ArtefactExertion = 8
	cfg := worldConfig(40, 2*time.Hour, 5, w)
	cfg.PoisonRate, cfg.ArtefactRate = 0.15, 4
	frames, s := runAll(t, cfg)
	labels := s.Labels()
	bySoldier := map[SoldierID][]Label{}
	long := 0
	for _, l := range labels {
		bySoldier[l.Soldier] = append(bySoldier[l.Soldier], l)
		if l.Kind == KindArtefact && l.End > l.Start {
			long++
		}
	}
	if long < 50 {
		t.Fatalf("%d artefacts longer than a tick", long)
	}
	for id, ls := range bySoldier {
		for i := 1; i < len(ls); i++ {
			if ls[i].Start <= ls[i-1].End || ls[i].End < ls[i].Start {
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
		for _, o := range f.Obs {
			for v := range Vital(NumVitals) {
				if o.Missing.Has(v) != math.IsNaN(o.Values[v]) {
					t.Fatalf("tick %d soldier %d %s: missing bit and value disagree", f.T, o.Soldier, v)
				}
			}
		}
	}
}

// TestFieldArtefactDurations: durations stay in the asked range, most are
// short and the tail is heavy (a bounded Pareto of shape 1 on 1–30 s puts
// ≈ 62 % at 1–2 s and ≈ 7 % at 10 s or more); artefacts are more frequent in
// march and contact.
func TestFieldArtefactDurations(t *testing.T) {
	w := FieldWorld()
	w.ScheduleJitter, w.UnplannedContact = 0, 0 // actual phases = plan, so the plan tells the rate's phase
	cfg := worldConfig(200, 4*time.Hour, 3, w)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 3
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	advanceEvents(s, int64(cfg.Duration/time.Second))
	var durs []int64
	var hard, easy int
	for _, l := range s.Labels() {
		if l.Kind != KindArtefact {
			t.Fatalf("label %+v in a run without events", l)
		}
		durs = append(durs, l.End-l.Start+1)
		if p := s.PhaseAt(s.profiles[l.Soldier-1].Squad, l.Start); p == PhaseMarch || p == PhaseContact {
			hard++
		} else {
			easy++
		}
	}
	if len(durs) < 1000 {
		t.Fatalf("only %d artefacts", len(durs))
	}
	slices.Sort(durs)
	var short, tail int
	for _, d := range durs {
		if d <= 2 {
			short++
		}
		if d >= 10 {
			tail++
		}
	}
	n := float64(len(durs))
	if durs[0] < 1 || durs[len(durs)-1] > 30 || durs[len(durs)-1] < 20 {
		t.Errorf("durations %d–%d s, want within 1–30 s reaching past 20", durs[0], durs[len(durs)-1])
	}
	if f := float64(short) / n; f < 0.55 || f > 0.70 {
		t.Errorf("%.2f of artefacts last 1–2 s, want ≈ 0.62", f)
	}
	if f := float64(tail) / n; f < 0.04 || f > 0.11 {
		t.Errorf("%.3f of artefacts last ≥ 10 s, want ≈ 0.07 (a heavy tail)", f)
	}
	// Time in each phase group, from the plan.
	var hardT, easyT float64
	for q := range s.Squads() {
		size := float64(min(cfg.SquadSize, cfg.Soldiers-q*cfg.SquadSize))
		for tk := int64(0); tk < int64(cfg.Duration/time.Second); tk += 10 {
			if p := s.PhaseAt(q, tk); p == PhaseMarch || p == PhaseContact {
				hardT += 10 * size
			} else {
				easyT += 10 * size
			}
		}
	}
	ratio := (float64(hard) / hardT) / (float64(easy) / easyT)
	if ratio < 0.7*w.ArtefactExertion || ratio > 1.3*w.ArtefactExertion {
		t.Errorf("artefact rate in march/contact is %.2f× that elsewhere, want ≈ %v", ratio, w.ArtefactExertion)
	}
}

// TestFieldCadenceLock: with every march/contact artefact a cadence lock,
// the heart rate during those artefacts reads inside the cadence range.
func TestFieldCadenceLock(t *testing.T) {
	w := CleanWorld()
	w.ArtefactMin, w.ArtefactMax = time.Second, 30*time.Second
	w.CadenceLock, w.CadenceMin, w.CadenceMax = 1, 150, 170
	cfg := worldConfig(60, 3*time.Hour, 4, w)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 10
	frames, s := runAll(t, cfg)
	var locked, jumps int
	for _, l := range s.Labels() {
		hard := false
		if p := frames[l.Start].Obs[l.Soldier-1].Phase; p == PhaseMarch || p == PhaseContact {
			hard = true
		}
		for tk := l.Start; tk <= l.End && tk < int64(len(frames)); tk++ {
			hr := frames[tk].Obs[l.Soldier-1].Values[HeartRate]
			if hard {
				locked++
				if hr < 150 || hr > 170 {
					t.Fatalf("cadence lock at tick %d soldier %d reads %v bpm, want 150–170", tk, l.Soldier, hr)
				}
			} else {
				jumps++
			}
		}
	}
	if locked < 200 || jumps < 200 {
		t.Fatalf("%d locked and %d other artefact ticks: too few to test", locked, jumps)
	}
}

// TestFieldArtefactAmplitudes: outside a cadence lock an artefact moves the
// heart rate by tens of bpm against a clean twin, for its whole duration.
func TestFieldArtefactAmplitudes(t *testing.T) {
	w := CleanWorld()
	w.ArtefactMin, w.ArtefactMax = time.Second, 30*time.Second
	cfg := worldConfig(30, 2*time.Hour, 6, w)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	clean, _ := runAll(t, cfg)
	cfg.ArtefactRate = 6
	art, s := runAll(t, cfg)
	var up, down int
	inArt := map[[2]int64]bool{}
	for _, l := range s.Labels() {
		for tk := l.Start; tk <= l.End && tk < int64(len(art)); tk++ {
			inArt[[2]int64{int64(l.Soldier), tk}] = true
			d := art[tk].Obs[l.Soldier-1].Values[HeartRate] - clean[tk].Obs[l.Soldier-1].Values[HeartRate]
			switch {
			case d >= artefactUpMinField-1 && d <= artefactUpMaxField+1:
				up++
			case d <= -artefactDownMinF+1 && d >= -artefactDownMaxF-1:
				down++
			default:
				if clean[tk].Obs[l.Soldier-1].Values[HeartRate]+d > 25 { // not clamped
					t.Fatalf("artefact at tick %d soldier %d moves HR by %v", tk, l.Soldier, d)
				}
			}
		}
	}
	for i := range art {
		for j, o := range art[i].Obs {
			if !inArt[[2]int64{int64(o.Soldier), art[i].T}] && o.Values != clean[i].Obs[j].Values {
				t.Fatalf("tick %d soldier %d: readings differ away from any artefact", art[i].T, o.Soldier)
			}
		}
	}
	if up < 100 || down < 50 {
		t.Errorf("%d ticks of jumps and %d of dips", up, down)
	}
}

// TestStudentTNoise: the generator has unit variance and the kurtosis of a
// t with 10 degrees of freedom (3 + 6/(10 − 4) = 4); in the simulation the
// heart-rate noise of a Student-t world against its clean twin (the same
// physiology underneath) is heavier-tailed than Gaussian and reaches past
// the bounded Gaussian's ±3.46 sd.
func TestStudentTNoise(t *testing.T) {
	st := newStudentT(newStream(1, 99, 0), 10)
	xs := make([]float64, 400_000)
	var v float64
	for i := range xs {
		xs[i] = st.draw()
		v += xs[i] * xs[i]
	}
	v /= float64(len(xs))
	if math.Abs(v-1) > 0.02 {
		t.Errorf("Student-t variance %.4f, want 1", v)
	}
	if k := kurtosis(xs); k < 3.6 || k > 4.5 {
		t.Errorf("Student-t(10) kurtosis %.2f, want ≈ 4", k)
	}
	g := noiseSource{newPCG(1, 98, 0)}
	for i := range xs {
		xs[i] = g.norm()
	}
	if k := kurtosis(xs); k > 3.05 {
		t.Errorf("bounded Gaussian kurtosis %.2f, want ≤ 3", k)
	}

	w := CleanWorld()
	w.NoiseDF = 4
	cfg := worldConfig(40, time.Hour, 2, w)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	heavy, _ := runAll(t, cfg)
	cfg.World = CleanWorld()
	clean, _ := runAll(t, cfg)
	var diff []float64
	var maxd float64
	for i := range heavy {
		for j, o := range heavy[i].Obs {
			d := o.Values[CoreTemp] - clean[i].Obs[j].Values[CoreTemp]
			diff = append(diff, d)
			maxd = max(maxd, math.Abs(d))
		}
	}
	if k := kurtosis(diff); k < 5 {
		t.Errorf("core temperature noise difference has kurtosis %.2f, want a heavy tail (> 5)", k)
	}
	if maxd < 2*3.46*tcSD {
		t.Errorf("largest noise difference %.3f °C never passes the bounded Gaussian's reach", maxd)
	}
}

// TestDeviceBiasAndDrift: device errors shift each soldier's readings by a
// constant with the documented sd across soldiers, and drift changes slowly.
func TestDeviceBiasAndDrift(t *testing.T) {
	cfg := worldConfig(300, 20*time.Minute, 8, CleanWorld())
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	clean, _ := runAll(t, cfg)
	cfg.World.SensorBias = 1
	biased, _ := runAll(t, cfg)
	for _, v := range []Vital{HeartRate, CoreTemp, SpO2} {
		means := make([]float64, cfg.Soldiers)
		for i := range biased {
			for j, o := range biased[i].Obs {
				means[j] += (o.Values[v] - clean[i].Obs[j].Values[v]) / float64(len(biased))
			}
		}
		var m2 float64
		for _, m := range means {
			m2 += m * m
		}
		sd := math.Sqrt(m2 / float64(len(means)))
		if want := deviceBiasSD[v]; math.Abs(sd-want) > 0.2*want {
			t.Errorf("%s bias sd across devices %.3f, want ≈ %v", v, sd, want)
		}
	}

	cfg.Duration = 3 * time.Hour
	cfg.Soldiers = 40
	cfg.World = CleanWorld()
	clean, _ = runAll(t, cfg)
	cfg.World.SensorDrift = 1
	drift, _ := runAll(t, cfg)
	var sum2, lagProd, n float64
	const lag = 60
	for i := lag; i < len(drift); i++ {
		for j, o := range drift[i].Obs {
			d := o.Values[CoreTemp] - clean[i].Obs[j].Values[CoreTemp]
			d0 := drift[i-lag].Obs[j].Values[CoreTemp] - clean[i-lag].Obs[j].Values[CoreTemp]
			sum2 += d * d
			lagProd += d * d0
			n++
		}
	}
	sd := math.Sqrt(sum2 / n)
	if want := deviceDriftSD[CoreTemp]; sd < 0.6*want || sd > 1.4*want {
		t.Errorf("core temperature drift sd %.3f, want ≈ %v", sd, want)
	}
	if r := lagProd / sum2; r < 0.9 {
		t.Errorf("drift correlation over %d s is %.2f, want slow drift (> 0.9)", lag, r)
	}
}

// TestMissingBursts: whole readings lost at the asked long-run rate, in
// bursts of the asked mean length, none as long as a dropout event.
func TestMissingBursts(t *testing.T) {
	w := CleanWorld()
	w.MissingRate, w.MissingBurst = 0.05, 2*time.Second
	cfg := worldConfig(100, 2*time.Hour, 12, w)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	frames, s := runAll(t, cfg)
	if len(s.Labels()) != 0 {
		t.Fatalf("lost readings made labels: %v", s.Labels())
	}
	var lost, bursts, total int
	for j := range cfg.Soldiers {
		run := 0
		for i := range frames {
			o := frames[i].Obs[j]
			total++
			all := o.Missing == Mask(1<<NumVitals-1)
			if !all && o.Missing != 0 {
				t.Fatalf("tick %d soldier %d: partial loss %b with no partial dropouts", o.T, o.Soldier, o.Missing)
			}
			if all {
				lost++
				run++
				if run > maxBurstTicks {
					t.Fatalf("soldier %d: a burst of %d lost ticks", o.Soldier, run)
				}
				continue
			}
			if run > 0 {
				bursts++
			}
			run = 0
		}
	}
	if r := float64(lost) / float64(total); math.Abs(r-0.05) > 0.005 {
		t.Errorf("lost fraction %.4f, want 0.05", r)
	}
	if m := float64(lost) / float64(bursts); m < 1.8 || m > 2.2 {
		t.Errorf("mean burst %.2f ticks, want ≈ 2", m)
	}
}

// TestPartialDropouts: one vital missing while the others report, for
// heavy-tailed spans within the asked range, never stamina, unlabelled.
func TestPartialDropouts(t *testing.T) {
	w := CleanWorld()
	w.PartialDropoutRate, w.PartialDropoutMin, w.PartialDropoutMax = 2, 5*time.Second, 300*time.Second
	cfg := worldConfig(100, 4*time.Hour, 13, w)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	frames, s := runAll(t, cfg)
	if len(s.Labels()) != 0 {
		t.Fatalf("partial dropouts made labels: %v", s.Labels())
	}
	var spans []int
	for j := range cfg.Soldiers {
		run, vital := 0, Mask(0)
		for i := range frames {
			m := frames[i].Obs[j].Missing
			if m.Has(Stamina) || (m != 0 && m&(m-1) != 0) {
				t.Fatalf("tick %d soldier %d: missing %b, want at most one vital and never stamina", i, j+1, m)
			}
			if m != 0 && (run == 0 || m == vital) {
				run, vital = run+1, m
				continue
			}
			if run > 0 && i < len(frames)-1 {
				spans = append(spans, run)
			}
			run, vital = 0, m
			if m != 0 {
				run = 1
			}
		}
	}
	hours := float64(cfg.Soldiers) * cfg.Duration.Hours()
	if r := float64(len(spans)) / hours; r < 1.5 || r > 2.4 {
		t.Errorf("%.2f partial dropouts per soldier-hour, want ≈ 2", r)
	}
	sort.Ints(spans)
	// Back-to-back dropouts of one vital can merge, so only the low end is strict.
	if spans[0] < 5 || spans[len(spans)/2] > 20 || spans[len(spans)*9/10] < 30 {
		t.Errorf("spans min %d, median %d, p90 %d s: want ≥ 5, most short, a heavy tail", spans[0], spans[len(spans)/2], spans[len(spans)*9/10])
	}
}

// TestScheduleDrift: actual phase changes differ from the plan by at most
// the jitter while observations keep showing the plan; unplanned contact
// raises the squad's heart rate though the plan shows no contact.
func TestScheduleDrift(t *testing.T) {
	w := CleanWorld()
	w.ScheduleJitter, w.UnplannedContact = time.Minute, 1
	cfg := worldConfig(60, 6*time.Hour, 14, w)
	cfg.PoisonRate, cfg.ArtefactRate = 0, 0
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var f Frame
	var surpriseHR, planHR []float64 // HR ≥ 60 s into unplanned contact; HR while actual = plan
	changes, shifted := 0, 0
	nsq := s.Squads()
	prev, wasOver, surprise := make([]Phase, nsq), make([]bool, nsq), make([]int, nsq)
	for q := range prev {
		prev[q] = s.squads[q].phase
	}
	for s.Step(&f) == nil {
		for q := range nsq {
			p, plan := s.squads[q].phase, s.PhaseAt(q, f.T)
			surprise[q]++
			if p != PhaseContact || plan == PhaseContact {
				surprise[q] = 0
			}
			ap := &s.world.actual[q]
			over := f.T < ap.recoverUntil // an unplanned contact or its recovery
			if p != prev[q] && !over && !wasOver[q] {
				near := false
				for _, sg := range s.Schedule(q, f.T-60, f.T+60, nil) {
					if d := sg.Start - f.T; d >= -60 && d <= 60 && sg.Phase == p {
						near = true
						if d != 0 {
							shifted++
						}
					}
				}
				if !near {
					t.Fatalf("squad %d: actual change to %v at %d with no planned change to it within ±60 s", q, p, f.T)
				}
				changes++
			}
			prev[q], wasOver[q] = p, over
		}
		for _, o := range f.Obs {
			q := s.profiles[o.Soldier-1].Squad
			if o.Phase != s.PhaseAt(q, f.T) || o.NextPhase != s.PhaseAt(q, f.T+1) {
				t.Fatalf("tick %d soldier %d: observation shows %v→%v, the plan %v→%v", f.T, o.Soldier, o.Phase, o.NextPhase, s.PhaseAt(q, f.T), s.PhaseAt(q, f.T+1))
			}
			if o.Phase != PhaseRest && o.Phase != PhasePatrol {
				continue
			}
			switch {
			case surprise[q] >= 60:
				surpriseHR = append(surpriseHR, o.Values[HeartRate])
			case s.squads[q].phase == o.Phase:
				planHR = append(planHR, o.Values[HeartRate])
			}
		}
	}
	if changes < 30 || shifted < changes/2 {
		t.Errorf("%d actual changes, %d of them off the plan", changes, shifted)
	}
	if len(surpriseHR) < 100 || len(planHR) < 1000 {
		t.Fatalf("%d unplanned-contact and %d planned HR samples", len(surpriseHR), len(planHR))
	}
	slices.Sort(surpriseHR)
	slices.Sort(planHR)
	if a, b := surpriseHR[len(surpriseHR)/2], planHR[len(planHR)/2]; a < b+30 {
		t.Errorf("median HR a minute into unplanned contact %v, in the planned rest/patrol %v: want ≥ 30 bpm higher", a, b)
	}
}

// TestStartAnomalous: the asked fraction of soldiers start inside a window
// labelled from tick 0 and already at full strength there (as does every
// window the renewal process had under way before tick 0).
func TestStartAnomalous(t *testing.T) {
	base := worldConfig(200, 2*time.Minute, 15, CleanWorld())
	base.ArtefactRate = 0
	natural := 0
	_, s0 := runAll(t, base)
	for _, l := range s0.Labels() {
		if l.Start == 0 {
			natural++
		}
	}
	cfg := base
	cfg.World.StartAnomalous = 0.1
	frames, s := runAll(t, cfg)
	twin := base
	twin.PoisonRate = 0
	calm, _ := runAll(t, twin)
	atZero, checked := 0, 0
	for _, l := range s.Labels() {
		if l.Start != 0 {
			continue
		}
		atZero++
		if l.Kind != KindStuck && l.Kind != KindHeatStrain {
			checked++
		}
		j := l.Soldier - 1
		o, c := frames[0].Obs[j], calm[0].Obs[j]
		switch l.Kind {
		case KindTachycardia:
			if o.Values[HeartRate]-c.Values[HeartRate] < tachyMin-8 {
				t.Errorf("tachycardia under way at 0: HR %v against %v without it", o.Values[HeartRate], c.Values[HeartRate])
			}
		case KindBradycardia:
			if o.Values[HeartRate] > bradyLevelMax+8 {
				t.Errorf("bradycardia under way at 0: HR %v", o.Values[HeartRate])
			}
		case KindDropout:
			if o.Missing == 0 {
				t.Errorf("dropout under way at 0 with readings")
			}
		case KindStaminaCrash:
			if o.Values[Stamina]-c.Values[Stamina] > -crashMin+5 {
				t.Errorf("stamina crash under way at 0: stamina %v against %v", o.Values[Stamina], c.Values[Stamina])
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d windows at tick 0 of a kind whose strength the test checks", checked)
	}
	if want := 20; atZero < want || atZero > want+natural {
		t.Errorf("%d soldiers start inside a window, want %d picked (+ up to %d natural)", atZero, want, natural)
	}
	// A normal run has no anomaly at the start either.
	twin.World.StartAnomalous = 0.5
	if _, s := runAll(t, twin); len(s.Labels()) != 0 {
		t.Errorf("a run with poison rate 0 has labels %v", s.Labels())
	}
}

// TestProfileErrors: the scorer's profiles are off by bounded amounts with
// about the asked sd, HRmax follows the given age, and the physiology uses
// the true profiles (frames identical to an exact-profile twin).
func TestProfileErrors(t *testing.T) {
	w := CleanWorld()
	w.ProfileHRError, w.ProfileAgeError = 4, 1
	cfg := worldConfig(2000, 2*time.Minute, 16, w)
	s, err := NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	given, truth := s.Profiles(), s.profiles
	var hr2, age2 float64
	for i := range given {
		g, p := given[i], truth[i]
		dh, da := g.RestingHR-p.RestingHR, g.Age-p.Age
		if math.Abs(dh) > 3*4+0.5 || math.Abs(da) > 3*1+0.5 {
			t.Fatalf("soldier %d: resting HR off by %v, age by %v: beyond 3 sd", g.ID, dh, da)
		}
		if g.HRMax != math.Round(HRMaxForAge(g.Age)) || g.ID != p.ID || g.Squad != p.Squad || g.Mass != p.Mass {
			t.Fatalf("soldier %d: given %+v, true %+v", g.ID, g, p)
		}
		hr2 += dh * dh
		age2 += da * da
	}
	n := float64(len(given))
	if sd := math.Sqrt(hr2 / n); sd < 3.6 || sd > 4.4 {
		t.Errorf("resting HR error sd %.2f, want ≈ 4", sd)
	}
	if sd := math.Sqrt(age2 / n); sd < 0.85 || sd > 1.2 {
		t.Errorf("age error sd %.2f, want ≈ 1 (after rounding to whole years)", sd)
	}
	a, _ := runAll(t, worldConfig(50, 30*time.Minute, 16, w))
	b, _ := runAll(t, worldConfig(50, 30*time.Minute, 16, CleanWorld()))
	for i := range a {
		if d := sameFrame(&a[i], &b[i]); d != "" {
			t.Fatalf("tick %d: profile errors changed the physiology (%s)", a[i].T, d)
		}
	}
}

// TestFieldStepDoesNotAllocate: the sensor world keeps Step free of
// allocations in steady state (beyond the amortised growth of labels and
// schedules).
func TestFieldStepDoesNotAllocate(t *testing.T) {
	s, err := NewSim(worldConfig(100, 0, 1, FieldWorld()))
	if err != nil {
		t.Fatal(err)
	}
	var f Frame
	for range 1000 {
		s.Step(&f)
	}
	if n := testing.AllocsPerRun(500, func() { s.Step(&f) }); n > 0.05 {
		t.Errorf("Step allocates %.2f times per tick in the field world", n)
	}
}
