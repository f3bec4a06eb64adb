package evaluation

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
)

// TestExplanationTally: matching, vital naming, the time peak, the
// printed-range check and doubled openings on hand-made alerts.
func TestExplanationTally(t *testing.T) {
	tl := newExplTally()
	brady := engine.Label{Soldier: 1, Start: 100, End: 200, Kind: engine.KindBradycardia}
	verdict := func(tick int64, kind engine.AnomalyKind, ev detector.Evidence, at *detector.Attribution) *detector.Verdict {
		return &detector.Verdict{Soldier: 1, T: tick, Alert: detector.Alert{Open: true, Opened: true, Since: tick, Kind: kind, Evidence: ev, Attribution: at}}
	}
	hr := detector.Evidence{Check: detector.CheckBand, Vital: engine.HeartRate, Value: 38, Lo: 50, Hi: 70, Out: -0.6, Unit: 20}
	st := detector.Evidence{Check: detector.CheckBand, Vital: engine.Stamina, Value: 60, Lo: 80, Hi: 90, Out: -2, Unit: 10}
	names := []string{"heart_rate", "d_stamina"}
	early := &detector.Attribution{VarNames: names, Vars: []float64{3, 1}, Steps: []float64{0, 0, 5, 0}, Block: 3, Now: 1}
	now := &detector.Attribution{VarNames: names, Vars: []float64{1, -3}, Steps: []float64{0, 0, 0, 1}, Block: 3, Now: 4}
	ls := []engine.Label{brady}
	// At tick 105 the peak block 5–3 ticks ago (middle 101) is inside.
	tl.add(verdict(105, engine.KindBradycardia, hr, early), match(ls, 105, engine.KindBradycardia, 30), false)
	// A stamina-crash alert on the bradycardia names the wrong vital; its
	// peak is the scored reading (inside), its past peak the newest block.
	tl.add(verdict(101, engine.KindStaminaCrash, st, now), match(ls, 101, engine.KindStaminaCrash, 30), true)
	// A false alert, its sentence printing the reading inside the range.
	bad := hr
	bad.Value = 60
	tl.add(verdict(500, engine.KindTachycardia, bad, nil), match(ls, 500, engine.KindTachycardia, 30), false)
	r := tl.report()
	if r.Alerts != 3 || r.TrueAlerts != 2 || r.NamesVital != 1 || r.Doubled != 1 || r.InsideRange != 1 {
		t.Fatalf("report %+v", r)
	}
	if r.PeakJudged != 2 || r.PeakInside != 2 || r.PastPeakInside != 1 {
		t.Errorf("peaks: judged %d inside %d past %d, want 2, 2, 1", r.PeakJudged, r.PeakInside, r.PastPeakInside)
	}
	if r.Attributed != 2 || r.TopShareMax != 0.5 {
		t.Errorf("top inputs: %d attributed, max share %v", r.Attributed, r.TopShareMax)
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bradycardia", "1/2  50%", "MISSED", "doubled openings"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestExplanationsRun: a short held-out run of an untrained TFT produces a
// report whose counts add up and that encodes as JSON.
func TestExplanationsRun(t *testing.T) {
	m := untrainedModel(t)
	w := engine.FieldWorld()
	cfg := Config{Runs: training.RunConfig{Seeds: []uint64{9191}, Soldiers: 20, Duration: 4 * time.Minute, PoisonRate: 0.2, Artefacts: 1, Workers: 1, World: &w},
		Match: MatchConfig{Grace: DefaultGrace}}
	rep, err := Explanations(context.Background(), cfg, "tft", func() (detector.Scorer, error) {
		return detector.NewTFT(detector.WithModel(m))
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Alerts == 0 {
		t.Fatal("no alerts")
	}
	sum := 0
	for _, k := range rep.Kinds {
		sum += k.Alerts
	}
	if sum != rep.Alerts || rep.TrueAlerts > rep.Alerts || rep.NamesVital > rep.TrueAlerts || rep.InsideRange != 0 {
		t.Errorf("report %+v", rep)
	}
	if _, err := json.Marshal(rep); err != nil && !math.IsNaN(rep.TopShareMax) {
		t.Fatal(err)
	}
	cfg.Exclude = []uint64{9191}
	if _, err := Explanations(context.Background(), cfg, "tft", nil); err == nil {
		t.Error("ran on an excluded seed")
	}
}
