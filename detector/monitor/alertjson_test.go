package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// TestAlertEventOneIncident: a heart rate and a stamina far out together
// (two channels opening a tick apart) make one alert event, whose record
// carries unix seconds from the epoch, the check, the vital and the
// sentence.
func TestAlertEventOneIncident(t *testing.T) {
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	const epoch = 1_748_768_400
	m, err := New(store, sc, WithEpoch(epoch, func(id engine.SoldierID) bool { return id == 5 }))
	if err != nil {
		t.Fatal(err)
	}
	sub := m.SubscribeAlerts(8)
	defer sub.Close()
	ctx := context.Background()
	for tick := range int64(40) {
		o := obs(5, tick, 75)
		if tick >= 20 {
			o.Values[engine.HeartRate] = 205
		}
		if tick >= 23 {
			o.Values[engine.Stamina] = 5
		}
		if _, err := m.Ingest(ctx, []engine.Observation{o}, nil); err != nil {
			t.Fatal(err)
		}
	}
	m.Close()
	var evs []AlertEvent
	for ev := range sub.C() {
		evs = append(evs, ev)
	}
	if len(evs) != 1 {
		t.Fatalf("%d alert events, want 1 (one incident): %+v", len(evs), evs)
	}
	ev := evs[0]
	if ev.OpenedAt != epoch+ev.Verdict.T || m.Unix(6, 100) != 100 {
		t.Errorf("opened at %d for tick %d", ev.OpenedAt, ev.Verdict.T)
	}
	var got map[string]any
	if err := json.Unmarshal(AlertJSON(&ev.Verdict, ev.OpenedAt), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "check", "vital", "kind", "sentence", "evidence", "opened_at"} {
		if _, ok := got[k]; !ok {
			t.Errorf("alert JSON %v lacks %q", got, k)
		}
	}
	if got["kind"] != "tachycardia" || got["vital"] != "heart_rate" || got["check"] != "band" ||
		got["opened_at"] != float64(ev.OpenedAt) || got["id"] != fmt.Sprintf("5-%d", ev.OpenedAt) {
		t.Errorf("alert JSON %v", got)
	}
}

// TestAlertRecordDropout: a dropout's record names every missing vital and
// encodes the numbers it has none of as null.
func TestAlertRecordDropout(t *testing.T) {
	v := detector.Verdict{Soldier: 3, T: 50}
	v.Alert = detector.Alert{Open: true, Opened: true, Since: 50, Kind: engine.KindDropout,
		Evidence: detector.Evidence{Check: detector.CheckDropout, Missing: engine.Mask(0).With(engine.HeartRate).With(engine.SpO2), Ticks: 10}}
	var r AlertRecord
	if err := json.Unmarshal(AlertJSON(&v, 1000050), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Vitals) != 2 || r.Vitals[0] != "heart_rate" || r.Vitals[1] != "spo2" || r.Check != "dropout" {
		t.Errorf("record %+v", r)
	}
}

// AlertJSON is the one encoding of an alert that leaves the process.
func ExampleAlertJSON() {
	v := detector.Verdict{Soldier: 14, T: 36, Phase: engine.PhaseRest, NextPhase: engine.PhaseRest}
	v.Alert = detector.Alert{Open: true, Opened: true, Since: 36, Kind: engine.KindBradycardia,
		Evidence: detector.Evidence{Check: detector.CheckBand, Vital: engine.HeartRate, Value: 38, Expected: 61,
			Lo: 52, Hi: 70, Out: -0.78, Unit: 18, Channel: detector.ChannelStamina}}
	fmt.Println(string(AlertJSON(&v, 1748768436)))
	// Output:
	// {"id":"14-1748768436","soldier_id":14,"kind":"bradycardia","check":"band","vital":"heart_rate","vitals":["heart_rate"],"sentence":"bradycardia: heart_rate 38 bpm below expected 52–70 bpm (median 61) by 0.8 band-widths · band check · rest","opened_at":1748768436,"tick":36,"phase":"rest","next_phase":"rest","channel":"stamina","evidence":{"value":38,"expected":61,"lo":52,"hi":70,"out":-0.78,"unit":18,"ticks":0}}
}

// TestAlertEventRefined: an incident opened by a stamina crash and refined
// to a bradycardia a few seconds later is sent again: same id and opening
// time, the new kind and vital, "refined": true.
func TestAlertEventRefined(t *testing.T) {
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	sub := m.SubscribeAlerts(8)
	defer sub.Close()
	ctx := context.Background()
	for tick := range int64(40) {
		o := obs(5, 1000+tick, 75)
		if tick >= 20 {
			o.Values[engine.Stamina] = 5
		}
		if tick >= 24 {
			o.Values[engine.HeartRate] = 30
		}
		if _, err := m.Ingest(ctx, []engine.Observation{o}, nil); err != nil {
			t.Fatal(err)
		}
	}
	m.Close()
	var recs []AlertRecord
	for ev := range sub.C() {
		recs = append(recs, ev.Record())
	}
	if len(recs) != 2 || recs[0].Kind != "stamina_crash" || recs[0].Refined || recs[1].Kind != "bradycardia" ||
		!recs[1].Refined || recs[1].Vital != "heart_rate" || recs[1].ID != recs[0].ID || recs[1].OpenedAt != recs[0].OpenedAt {
		t.Fatalf("records %+v", recs)
	}
	if m.Stats().Alerts != 1 {
		t.Errorf("%d alerts counted, want 1", m.Stats().Alerts)
	}
}
