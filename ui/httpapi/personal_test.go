package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
)

// TestPredictWithoutPhasePersonal: a client that never sends "phase" posts
// a resting soldier (70 ± 2 bpm) once a second for 10 minutes, then the
// heart rate rises by 30 bpm and stays there. Until the soldier's own
// baseline is warm the verdicts are judged as before (basis "model");
// then "basis": "personal", and the rise opens a tachycardia alert whose
// record names the personal check, the rise, σ and K. The same soldier
// with its phase sent never gets the personal basis.
func TestPredictWithoutPhasePersonal(t *testing.T) {
	f := newFixture(t, nil)
	sub := f.mon.SubscribeAlerts(16)
	defer sub.Close()
	const start = 1_699_990_000
	body := func(id, i int, phase bool) string {
		hr := 70 + float64((i*7)%5) - 2
		if i >= 600 {
			hr += 30
		}
		m := map[string]any{"soldier_id": id, "timestamp": start + i, "heart_rate": hr,
			"stamina": 90 + 0.1*float64(i%3), "core_temp": 37.2 + 0.01*float64(i%4), "spo2": 97 + i%2}
		if phase {
			m["phase"] = "rest"
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	opened := -1
	for i := range 780 {
		r := f.predict(body(3, i, false))
		if r.status != 200 {
			t.Fatalf("observation %d: %d %s", i, r.status, r.body)
		}
		want := "model"
		if i >= 219 {
			want = "personal"
		}
		if r.str("basis") != want || r.str("phase") != "patrol" {
			t.Fatalf("observation %d: basis %q phase %q, want %q and the guessed patrol", i, r.str("basis"), r.str("phase"), want)
		}
		for _, a := range r.json["alerts"].([]any) {
			if a := a.(map[string]any); a["opened"] == true && opened < 0 {
				if a["channel"] != "heart_rate" || a["kind"] != "tachycardia" {
					t.Fatalf("observation %d: alert %v", i, a)
				}
				opened = i
			}
		}
	}
	if opened < 600+detector.PersonalHold || opened > 600+2*detector.PersonalHold {
		t.Fatalf("alert opened at observation %d, want within two minutes of the rise at 600", opened)
	}
	var ev monitor.AlertEvent
	select {
	case ev = <-sub.C():
	default:
		t.Fatal("no alert event")
	}
	rec := ev.Record()
	k := (float64(rec.Evidence.Hi) - float64(rec.Evidence.Expected)) / float64(rec.Evidence.Unit)
	if rec.Check != "personal" || rec.Vital != "heart_rate" || rec.Kind != "tachycardia" ||
		float64(rec.Evidence.Value)-float64(rec.Evidence.Expected) < 20 || k < detector.DefaultPersonalK-1e-9 ||
		!strings.Contains(rec.Sentence, "own baseline") || !strings.Contains(rec.Sentence, "phase not reported") {
		t.Fatalf("alert record %+v (K %.2f)", rec, k)
	}
	t.Log(rec.Sentence)

	// The phase sent: judged by the model, the personal basis never used.
	for i := range 300 {
		if r := f.predict(body(4, i, true)); r.str("basis") == "personal" || r.status != 200 {
			t.Fatalf("observation %d with phase: %d %s", i, r.status, r.body)
		}
	}
}

// TestObservationPhaseGuessed: the decoder marks an observation without
// "phase" as guessed, and one with it as reported.
func TestObservationPhaseGuessed(t *testing.T) {
	for body, want := range map[string]bool{
		`{"soldier_id": 1, "heart_rate": 70, "stamina": 100, "timestamp": 5}`:                    true,
		`{"soldier_id": 1, "heart_rate": 70, "stamina": 100, "timestamp": 5, "phase": "rest"}`:   false,
		`{"soldier_id": 1, "heart_rate": 70, "stamina": 100, "timestamp": 5, "phase": "patrol"}`: false,
	} {
		o, err := ParseObservationJSON([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if o.PhaseGuessed != want || (want && o.Phase != DefaultPhase) {
			t.Errorf("%s: guessed %v phase %s", body, o.PhaseGuessed, o.Phase)
		}
	}
	o := engine.Observation{Soldier: 1, T: 5, Values: [engine.NumVitals]float64{70, 100, 37, 98}, Phase: engine.PhaseRest, NextPhase: engine.PhaseRest, Ambient: 20}
	if back, err := ParseObservationJSON(AppendObservationJSON(nil, &o)); err != nil || back.PhaseGuessed {
		t.Errorf("a producer's observation (phase written) read back as guessed: %v %v", back.PhaseGuessed, err)
	}
}
