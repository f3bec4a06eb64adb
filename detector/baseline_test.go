package detector

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// series is a synthetic single-soldier run for scorer tests.
type series struct {
	p   engine.Profile
	obs []engine.Observation
}

// steadySeries returns n ticks of a resting soldier: HR ≈ 70 ± 2, stamina
// 100, core temperature 37.0 drifting by 0.01, SpO2 97–98.
func steadySeries(n int, seed uint64) *series {
	r := rand.New(rand.NewPCG(seed, 1))
	s := &series{p: engine.DefaultProfile(1)}
	for i := range n {
		o := engine.Observation{Soldier: 1, T: int64(i), Phase: engine.PhaseRest, NextPhase: engine.PhaseRest, Ambient: 22}
		o.Values = [engine.NumVitals]float64{
			math.Round(70 + 2*r.NormFloat64()),
			100,
			37 + 0.01*float64((i/7)%5),
			97 + float64(r.IntN(2)),
		}
		s.obs = append(s.obs, o)
	}
	return s
}

// ramp adds an offset of amp that builds up from tick from with time
// constant tau (seconds) and holds until tick to, as the simulation's
// anomalies do: a body ramps, a sensor glitch steps.
func (s *series) ramp(v engine.Vital, from, to int, amp, tau float64) {
	for i := from; i < to && i < len(s.obs); i++ {
		s.obs[i].Values[v] += math.Round(amp * (1 - math.Exp(-float64(i-from+1)/tau)))
	}
}

// feed scores the series tick by tick with windows of at most n rows and
// returns the verdicts.
func feed(t *testing.T, sc Scorer, s *series, n int) []Verdict {
	t.Helper()
	var out []Verdict
	for i := range s.obs {
		lo := max(0, i+1-n)
		w := []featurestore.Window{{Profile: s.p, Rows: s.obs[lo : i+1]}}
		var err error
		out, err = sc.Score(w, out)
		if err != nil {
			t.Fatalf("tick %d: %v", i, err)
		}
	}
	return out
}

func opened(vs []Verdict, c Channel) []int64 {
	var ts []int64
	for _, v := range vs {
		if v.Channels[c].Opened {
			ts = append(ts, v.T)
		}
	}
	return ts
}

func TestThresholdRules(t *testing.T) {
	sc, err := NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(40, 1)
	for i := 20; i < 26; i++ {
		s.obs[i].Values[engine.HeartRate] = 190
	}
	vs := feed(t, sc, s, 30)
	if got := opened(vs, ChannelHeartRate); len(got) != 1 || got[0] != 21 {
		t.Fatalf("HR alert opened at %v, want [21] (2 of 3)", got)
	}
	v := vs[21]
	if v.State != StateAlert || v.Kind != engine.KindTachycardia {
		t.Errorf("verdict at 21: state %v kind %v", v.State, v.Kind)
	}
	near(t, "Out", v.Vitals[engine.HeartRate].Out, 1) // (190 − 180) / 10
	near(t, "Score", v.Score, 1)
	if v.Vitals[engine.HeartRate].Forecast[4] != 180 {
		t.Errorf("band high %v, want 180", v.Vitals[engine.HeartRate].Forecast[4])
	}
	if vs[20].State != StateWatch {
		t.Errorf("first tick out of band: state %v, want watch", vs[20].State)
	}
	if vs[10].State != StateOK {
		t.Errorf("steady tick: state %v, want ok", vs[10].State)
	}
	// Closes on the 10th calm tick after the readings return (26…35).
	if !vs[34].Channels[ChannelHeartRate].Open || vs[35].Channels[ChannelHeartRate].Open {
		t.Errorf("HR channel open at 34 = %v, 35 = %v; want true, false",
			vs[34].Channels[ChannelHeartRate].Open, vs[35].Channels[ChannelHeartRate].Open)
	}
}

func TestZScoreImputesWhileOpen(t *testing.T) {
	sc, err := NewZScore(WithWindow(30), WithOpenLevels([engine.NumVitals]float64{0.5, 0.5, 0.5, 0.5}))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(200, 2)
	for i := 100; i < 160; i++ {
		s.obs[i].Values[engine.HeartRate] = 70 + float64(i%3)
	}
	s.ramp(engine.HeartRate, 100, 160, 50, 1.5) // a ramp: a one-tick step would be a glitch
	vs := feed(t, sc, s, 30)
	if vs[10].State != StateOK || !vs[10].Vitals[engine.HeartRate].Prior {
		t.Errorf("tick 10 state %v, want ok on the population prior", vs[10].State)
	}
	got := opened(vs, ChannelHeartRate)
	if len(got) == 0 || got[0] != 102 {
		t.Fatalf("HR alert opened at %v, want first at 102", got)
	}
	// The alert holds for the whole excursion: the anomalous readings are
	// imputed, so the rolling band does not follow them.
	for i := 102; i < 160; i++ {
		if !vs[i].Channels[ChannelHeartRate].Open {
			t.Fatalf("tick %d: HR alert closed during the excursion (band %v)", i, vs[i].Vitals[0].Forecast)
		}
		if !vs[i].Vitals[engine.HeartRate].Imputed {
			t.Fatalf("tick %d: reading inside an open alert not imputed", i)
		}
	}
	if hi := vs[150].Vitals[engine.HeartRate].Forecast[4]; hi > 90 {
		t.Errorf("band high at 150 = %v: the excursion dragged the forecast along", hi)
	}
	if vs[190].Channels[ChannelHeartRate].Open {
		t.Error("HR alert still open 30 ticks after the readings returned")
	}
	// Without imputation the window absorbs the excursion and the alert
	// closes while it lasts.
	raw, err := NewZScore(WithWindow(30), WithImputation(false), WithOpenLevels([engine.NumVitals]float64{0.5, 0.5, 0.5, 0.5}))
	if err != nil {
		t.Fatal(err)
	}
	rv := feed(t, raw, s, 30)
	if rv[155].Channels[ChannelHeartRate].Open {
		t.Error("without imputation the alert is still open at 155; the test does not show what imputation does")
	}
}

func TestDataQualityAlerts(t *testing.T) {
	sc, err := NewZScore(WithWindow(30))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(200, 3)
	for i := range 12 { // silent from the first tick: a dead sensor
		for v := range engine.NumVitals {
			s.obs[i].SetMissing(engine.Vital(v))
		}
	}
	for i := 20; i < 40; i++ { // a partial dropout: SpO2 lost, the rest report
		s.obs[i].SetMissing(engine.SpO2)
	}
	for i := 50; i < 59; i++ { // a 9-tick burst of lost readings
		for v := range engine.NumVitals {
			s.obs[i].SetMissing(engine.Vital(v))
		}
	}
	for i := 80; i < 95; i++ { // a 15 s dropout: every vital lost
		for v := range engine.NumVitals {
			s.obs[i].SetMissing(engine.Vital(v))
		}
	}
	for i := 120; i < 180; i++ { // heart rate frozen
		s.obs[i].Values[engine.HeartRate] = s.obs[119].Values[engine.HeartRate]
	}
	vs := feed(t, sc, s, 30)
	d := opened(vs, ChannelDropout)
	if len(d) != 2 || d[0] != 9 || d[1] != 89 {
		t.Errorf("dropout opened at %v, want [9 89] (every vital silent for DropoutTicks = 10)", d)
	}
	if v := vs[30]; v.State != StateWatch || !v.Vitals[engine.SpO2].Missing || !v.Vitals[engine.SpO2].Imputed ||
		math.IsNaN(v.Vitals[engine.SpO2].Forecast[2]) {
		t.Errorf("partial dropout at 30: state %v, SpO2 missing=%v imputed=%v; want watch, imputed from the forecast",
			v.State, v.Vitals[engine.SpO2].Missing, v.Vitals[engine.SpO2].Imputed)
	}
	if vs[92].State != StateAlert || vs[92].Kind != engine.KindDropout {
		t.Errorf("tick 92: %v %v, want an open dropout alert", vs[92].State, vs[92].Kind)
	}
	st := opened(vs, ChannelStuck)
	if len(st) != 1 || st[0] < 121 || st[0] > 135 {
		t.Errorf("stuck opened at %v, want once within 15 ticks of 120", st)
	}
	for _, v := range vs[:120] {
		if v.Channels[ChannelStuck].Opened {
			t.Errorf("stuck alert on steady readings at %d", v.T)
		}
	}
}

func TestScorerRestartsOnGap(t *testing.T) {
	sc, err := NewZScore(WithWindow(20))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(100, 4)
	var vs []Verdict
	ws := make([]featurestore.Window, 1)
	// Ticks 0..49, then a one-tick gap (tick 50 never scored), then 51..99.
	for i := range 100 {
		if i == 50 {
			continue
		}
		ws[0] = featurestore.Window{Profile: s.p, Rows: s.obs[max(0, i-29) : i+1]}
		vs, err = sc.Score(ws, vs[:0])
		if err != nil {
			t.Fatal(err)
		}
		if i > 25 && vs[0].State == StateWarmingUp {
			t.Fatalf("tick %d warming up again after a short gap", i)
		}
	}
	// A window of another soldier's rows is refused.
	bad := []featurestore.Window{{Profile: engine.DefaultProfile(7), Rows: s.obs[:3]}}
	if _, err := sc.Score(bad, nil); err == nil {
		t.Error("mismatched profile and rows: no error")
	}
	if _, err := sc.Score([]featurestore.Window{{}}, nil); err == nil {
		t.Error("empty window: no error")
	}
}

// TestUnmeasuredVitalIsNoDropout: a kit that never reports core
// temperature or SpO2 (the prototype's clients send heart rate and stamina
// only) raises no dropout; everything it did report going silent does.
func TestUnmeasuredVitalIsNoDropout(t *testing.T) {
	for _, mk := range []func() (Scorer, error){
		func() (Scorer, error) { return NewZScore(WithWindow(30)) },
		func() (Scorer, error) { return NewTFT(WithModel(untrainedModel(t))) },
	} {
		sc, err := mk()
		if err != nil {
			t.Fatal(err)
		}
		s := steadySeries(150, 4)
		for i := range s.obs {
			s.obs[i].SetMissing(engine.CoreTemp)
			s.obs[i].SetMissing(engine.SpO2)
		}
		for i := 100; i < 115; i++ { // everything the kit measures lost
			s.obs[i].SetMissing(engine.HeartRate)
			s.obs[i].SetMissing(engine.Stamina)
		}
		vs := feed(t, sc, s, 32)
		d := opened(vs, ChannelDropout)
		if len(d) != 1 || d[0] != 109 {
			t.Errorf("%s: dropout opened at %v, want only [109] (heart rate and stamina lost at 100)", sc.Name(), d)
		}
		if v := vs[50]; v.State == StateAlert || !v.Vitals[engine.CoreTemp].Missing {
			t.Errorf("%s: tick 50 state %v, core temperature missing=%v", sc.Name(), v.State, v.Vitals[engine.CoreTemp].Missing)
		}
	}
}

// TestProfileChangeRestartsSeries: static covariates put after the first
// readings reach the scorer at the next window.
func TestProfileChangeRestartsSeries(t *testing.T) {
	sc, err := NewTFT(WithModel(untrainedModel(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(80, 6)
	feed(t, sc, &series{p: s.p, obs: s.obs[:60]}, 32)
	older := s.p
	older.Age, older.RestingHR = 44, 58
	var vs []Verdict
	for i := 60; i < 80; i++ {
		vs, err = sc.Score([]featurestore.Window{{Profile: older, Rows: s.obs[max(0, i-31) : i+1]}}, vs)
		if err != nil {
			t.Fatal(err)
		}
	}
	c := sc.(*core)
	if got := c.soldiers[1].profile; got != older {
		t.Fatalf("scorer still holds profile %+v, want the new one", got)
	}
	if got := c.soldiers[1].series.(*tftSeries).n; got != normFor(&older) {
		t.Fatal("the series normalises with the old profile")
	}
	for _, v := range vs {
		if v.State == StateWarmingUp {
			t.Fatalf("tick %d warming up again after a profile change (the window has enough rows)", v.T)
		}
	}
}
