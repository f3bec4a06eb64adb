package evaluation

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// The JSON report (chakra-tui eval --json) names the kind of every entry
// of kinds: Metrics' MarshalJSON, promoted through the embedding, used to
// write the metrics alone.
func TestReportJSONKindNames(t *testing.T) {
	r := Run{
		Events: []Event{ev(1, 100, 130, engine.KindTachycardia, engine.PhaseRest)},
		Alerts: []Alert{al(1, 102, detector.ChannelHeartRate, engine.KindTachycardia, engine.PhaseRest)},
	}
	r.Exposure[engine.PhaseRest] = 3600
	tl := NewTally(MatchConfig{Grace: DefaultGrace})
	tl.Add(&r)
	rep := Report{Seeds: []uint64{1}, Detectors: []DetectorReport{NewDetectorReport("tft", nil, tl, 0)}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ") // as writeReport does
	if err := enc.Encode(&rep); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Detectors []struct {
			Kinds []map[string]any `json:"kinds"`
		} `json:"detectors"`
	}
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	kinds := back.Detectors[0].Kinds
	if len(kinds) == 0 {
		t.Fatal("no kinds")
	}
	var tachy map[string]any
	for _, k := range kinds {
		name, ok := k["kind"].(string)
		if !ok || name == "" {
			t.Fatalf("a kinds entry without its name: %v", k)
		}
		if name == engine.KindTachycardia.String() {
			tachy = k
		}
	}
	if tachy == nil || tachy["events"] != 1.0 || tachy["detected"] != 1.0 || tachy["recall"] != 1.0 {
		t.Errorf("tachycardia entry %v, want 1 event detected, recall 1", tachy)
	}
	// Round trip into the report's own types keeps the names too.
	var typed Report
	if err := json.Unmarshal(buf.Bytes(), &typed); err != nil {
		t.Fatal(err)
	}
	if k := typed.Detectors[0].Kinds[0]; k.Kind == "" {
		t.Errorf("decoded KindReport without a kind: %+v", k)
	}
}

// The median-delay goal is checked on every kind but heat strain: the
// report carries that slice in the table, in JSON and in the goal line,
// beside the overall median and heat strain's own.
func TestReportDelayWithoutHeat(t *testing.T) {
	const rest = engine.PhaseRest
	r := Run{
		Events: []Event{
			ev(1, 100, 200, engine.KindTachycardia, rest), // delay 1
			ev(2, 100, 700, engine.KindHeatStrain, rest),  // delay 60
			ev(3, 100, 700, engine.KindHeatStrain, rest),  // delay 70
			ev(4, 100, 200, engine.KindBradycardia, rest), // missed
		},
		Alerts: []Alert{
			al(1, 101, detector.ChannelHeartRate, engine.KindTachycardia, rest),
			al(2, 160, detector.ChannelCoreTemp, engine.KindHeatStrain, rest),
			al(3, 170, detector.ChannelCoreTemp, engine.KindHeatStrain, rest),
			al(5, 400, detector.ChannelHeartRate, engine.KindTachycardia, rest), // false
		},
	}
	r.Exposure[rest] = 5 * 3600
	tl := NewTally(MatchConfig{Grace: DefaultGrace})
	tl.Add(&r)
	dr := NewDetectorReport("tft", nil, tl, 0)
	if o := dr.Overall; o.DelayMedian != 60 {
		t.Fatalf("overall median delay %v, want 60 (delays 1, 60, 70)", o.DelayMedian)
	}
	w := dr.WithoutHeat
	if w.Events != 2 || w.Detected != 1 || w.DelayMedian != 1 || w.TrueAlerts+w.FalseAlerts != 0 {
		t.Fatalf("without heat strain %+v, median %v: want 2 events, 1 detected, median 1 s, no alerts", w.Counts, w.DelayMedian)
	}
	if !math.IsNaN(w.Precision) || !math.IsNaN(w.FalsePerSoldierHour) {
		t.Errorf("without heat strain owns no alerts: precision %v, false/soldier-hour %v", w.Precision, w.FalsePerSoldierHour)
	}

	rep := Report{Seeds: []uint64{1}, Detectors: []DetectorReport{dr}}
	var tab bytes.Buffer
	if err := rep.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	out := tab.String()
	for _, want := range []string{"all but heat strain", "delay met", "median delay 1 s without heat strain, 60 s with it; heat strain 60 s", heatWhy} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	b, err := json.Marshal(&rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Detectors []struct {
			WithoutHeat map[string]any `json:"without_heat_strain"`
		} `json:"detectors"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if wh := back.Detectors[0].WithoutHeat; wh["delay_median_s"] != 1.0 || wh["events"] != 2.0 || wh["precision"] != nil {
		t.Errorf("JSON without_heat_strain %v, want delay_median_s 1, events 2, precision null", wh)
	}
}
