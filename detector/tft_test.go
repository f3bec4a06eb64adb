package detector

import (
	"math"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"

	"github.com/chakra-tui/chakra-tui/detector/tft"
)

// untrainedModel returns a model with freshly initialised weights: enough to
// exercise the scorer's plumbing, not to forecast well.
func untrainedModel(t testing.TB) *Model {
	t.Helper()
	net, err := tft.New(NetConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return &Model{net: net, Meta: ModelMeta{Format: ModelFormat, FeatureVersion: FeatureVersion,
		Calibration: Calibration{Alerts: DefaultAlertConfig()}}}
}

func TestTFTScorerPlumbing(t *testing.T) {
	sc, err := NewTFT(WithModel(untrainedModel(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(80, 5)
	vs := feed(t, sc, s, 32)
	if v := vs[10]; v.State != StateOK || !v.Vitals[engine.HeartRate].Prior {
		t.Errorf("tick 10: state %v, prior %v; want ok, judged on the population prior", v.State, v.Vitals[engine.HeartRate].Prior)
	}
	if v := vs[60]; v.Vitals[engine.HeartRate].Prior {
		t.Error("tick 60: still judged on the population prior")
	}
	off, err := NewTFT(WithModel(untrainedModel(t)), WithPopulationPrior(false))
	if err != nil {
		t.Fatal(err)
	}
	if v := feed(t, off, s, 32)[10]; v.State != StateWarmingUp {
		t.Errorf("tick 10 without the prior: state %v, want warming_up", v.State)
	}
	v := vs[60]
	if v.State == StateWarmingUp {
		t.Fatalf("tick 60 still warming up")
	}
	for i := range v.Vitals {
		f := v.Vitals[i].Forecast
		for q := 1; q < NumQuantiles; q++ {
			if !(f[q] >= f[q-1]) {
				t.Fatalf("vital %d: quantiles %v not ordered", i, f)
			}
		}
	}
	ex := v.Explanation
	if ex.NumVars != numEncoder || len(ex.VarNames) != numEncoder || ex.AttentionLen != 31 {
		t.Fatalf("explanation: %d vars, %d names, %d attention", ex.NumVars, len(ex.VarNames), ex.AttentionLen)
	}
	var sw, sa float64
	for i := range ex.NumVars {
		sw += ex.VarWeights[i]
	}
	for i := range ex.AttentionLen {
		sa += ex.Attention[i]
	}
	near(t, "sum of selection weights", sw, 1)
	near(t, "sum of attention", sa, 1)
}

func TestDriftOf(t *testing.T) {
	s := soldier{hist: history{rows: make([]row, histCap)}}
	s.sinceHeld = driftCooldown * 60
	s.glitch[2].sinceAnchor = 80
	// Core temperature rising 0.01 per tick, forecast to rise 0.01 per
	// tick: no drift. The current reading is 0.3 above the path: drift 0.3.
	for i := range 80 {
		r := row{t: int64(i)}
		r.values[2] = 37 + 0.01*float64(i)
		r.dmed[2] = 0.01
		s.hist.push(&r)
	}
	last := s.hist.at(0).values[2]
	d, ok := driftOf(&s, 2, 60, last+0.01, last+0.01)
	if !ok {
		t.Fatal("no drift with a full history")
	}
	near(t, "drift on the forecast path", d, 0)
	d, _ = driftOf(&s, 2, 60, last+0.31, last+0.01)
	near(t, "drift 0.3 above the path", d, 0.3)
	// Too soon after a held stretch: no drift.
	s.sinceHeld = 60
	if _, ok := driftOf(&s, 2, 60, last, last); ok {
		t.Error("drift one horizon after a held row")
	}
	s.sinceHeld = driftCooldown * 60
	// A re-anchoring reading inside the horizon: no drift; at its far end
	// (the value the drift starts from) it no longer counts.
	s.glitch[2].sinceAnchor = 59
	if _, ok := driftOf(&s, 2, 60, last, last); ok {
		t.Error("drift across a re-anchoring reading")
	}
	s.glitch[2].sinceAnchor = 60
	if _, ok := driftOf(&s, 2, 60, last, last); !ok {
		t.Error("no drift once the re-anchoring reading starts the horizon")
	}
	// A row without a forecast in the horizon: no drift.
	s.hist.at(10).dmed[2] = math.NaN()
	if _, ok := driftOf(&s, 2, 60, last, last); ok {
		t.Error("drift across a row without a forecast")
	}
	if _, ok := driftOf(&s, 2, 100, last, last); ok {
		t.Error("drift over more history than there is")
	}
}

func TestTFTExplains(t *testing.T) {
	sc, err := NewTFT(WithModel(untrainedModel(t)), WithOpenLevels([engine.NumVitals]float64{0.1, 0.1, 0.1, 0.1}))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(60, 6)
	for i := 40; i < 60; i++ {
		s.obs[i].Values[engine.HeartRate] = 70
	}
	s.ramp(engine.HeartRate, 40, 60, 130, 3)
	vs := feed(t, sc, s, 32)
	v := vs[50]
	if v.State != StateAlert {
		t.Fatalf("HR 200 at rest: state %v", v.State)
	}
	text := Explain(&v)
	for _, want := range []string{"tachycardia: heart_rate", "bpm above expected", "band check", "rest"} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation %q lacks %q", text, want)
		}
	}
	ev := v.Alert.Evidence
	if ev.Check != CheckBand || ev.Vital != engine.HeartRate || !ev.Outside() || ev.Out <= 0 {
		t.Errorf("evidence %+v: want a band check on heart rate, the reading above the band", ev)
	}
	a := v.Alert.Attribution
	if a == nil || len(a.Vars) != numEncoder || len(a.Steps) != 10 || a.Target != "q98" {
		t.Fatalf("attribution %+v", a)
	}
	moved := false
	for _, x := range append(append([]float64(nil), a.Vars...), a.Steps...) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("attribution %v", a)
		}
		moved = moved || x != 0
	}
	if !moved {
		t.Errorf("no input moved the forecast: %+v", a)
	}
	if top := v.Explanation.TopVars(3); len(top) != 3 || top[0].Weight < top[2].Weight {
		t.Errorf("top vars %v", top)
	}
	// The attribution forecasts the window the stream holds: its bound as
	// fed is the scorer's own q98 (without the band scale).
	sc2, err := NewTFT(WithModel(untrainedModel(t)), WithOpenLevels([engine.NumVitals]float64{0.1, 0.1, 0.1, 0.1}), WithAdaptiveBands(false))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, v := range feed(t, sc2, s, 32) {
		if a := v.Alert.Attribution; a != nil && (v.Alert.Opened || v.Alert.Refined) {
			q := map[string]int{"q02": 0, "median": 2, "q98": NumQuantiles - 1}[a.Target]
			if got, want := a.Bound, v.Vitals[a.Vital].Forecast[q]; math.Abs(got-want) > 1e-9 {
				t.Errorf("tick %d: attribution's bound %v, the scorer's %s %v", v.T, got, a.Target, want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("no attributed opening to check")
	}
}

// TestForecastInsidePhysicalRange: the forecast never leaves a vital's
// physical range, even from a soldier pinned at its edge (SpO2 100 %).
func TestForecastInsidePhysicalRange(t *testing.T) {
	sc, err := NewTFT(WithModel(untrainedModel(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(80, 7)
	for i := range s.obs {
		s.obs[i].Values[engine.SpO2] = 100
	}
	for _, v := range feed(t, sc, s, 32)[40:] {
		for _, q := range v.Vitals[engine.SpO2].Forecast {
			if q > 100 {
				t.Fatalf("tick %d: SpO2 forecast %v above 100 %%", v.T, v.Vitals[engine.SpO2].Forecast)
			}
		}
		for _, q := range v.Vitals[engine.Stamina].Forecast {
			if q > 100 || q < 0 {
				t.Fatalf("tick %d: stamina forecast %v outside 0–100", v.T, v.Vitals[engine.Stamina].Forecast)
			}
		}
	}
}
