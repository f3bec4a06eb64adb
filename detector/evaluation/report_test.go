package evaluation

import (
	"bytes"
	"encoding/json"
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
