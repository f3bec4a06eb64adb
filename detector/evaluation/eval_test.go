package evaluation

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
)

func TestEvaluateSmoke(t *testing.T) {
	m := untrainedModel(t)
	// phasez fits its table on the model's training runs.
	m.Meta.Training = detector.TrainingInfo{TrainSeeds: []uint64{41}, Soldiers: 3, Duration: 10 * time.Minute}
	cfg := Config{
		Runs:  training.RunConfig{Seeds: []uint64{21, 22}, Soldiers: 3, Duration: 10 * time.Minute, PoisonRate: 0.3, Artefacts: 5, Workers: 2},
		Match: MatchConfig{Grace: DefaultGrace},
	}
	rep, err := RunEval(context.Background(), Options{
		Eval: cfg, Detectors: []string{"threshold", "zscore", "tft", "phasez"}, Model: m,
		TargetFA: 1, CalibSeeds: []uint64{31}, CalibDuration: 10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Detectors) != 4 {
		t.Fatalf("%d detector reports", len(rep.Detectors))
	}
	near(t, "soldier-hours", rep.SoldierHours, 2*3*10.0/60)
	events := rep.Detectors[0].Overall.Events
	if events == 0 {
		t.Fatal("no events in a poisoned run")
	}
	for _, d := range rep.Detectors {
		if d.Overall.Events != events {
			t.Errorf("%s saw %d events, threshold %d: every detector sees the same runs", d.Name, d.Overall.Events, events)
		}
		sum := 0
		for _, k := range d.Kinds {
			sum += k.Events
		}
		if sum != events {
			t.Errorf("%s: kinds add up to %d events of %d", d.Name, sum, events)
		}
		if d.Contact.Events+d.Other.Events != events {
			t.Errorf("%s: phases add up to %d events of %d", d.Name, d.Contact.Events+d.Other.Events, events)
		}
		// Dropouts are unmistakable: every detector catches them.
		for _, k := range d.Kinds {
			if k.Kind == engine.KindDropout.String() && k.Events > 0 && k.Detected != k.Events {
				t.Errorf("%s detected %d of %d dropouts", d.Name, k.Detected, k.Events)
			}
		}
	}
	for _, d := range rep.Detectors {
		if len(d.SeedF1) != 2 {
			t.Errorf("%s: %d per-seed F1s for 2 seeds", d.Name, len(d.SeedF1))
		}
	}
	var tb bytes.Buffer
	if err := rep.WriteTable(&tb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"threshold", "zscore", "tft", "tachycardia", "contact", "goals", "(seeds "} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || len(back.Detectors) != 4 {
		t.Fatalf("JSON round trip: %v (%d detectors)", err, len(back.Detectors))
	}

	// Seeds used for calibration are refused.
	_, err = RunEval(context.Background(), Options{Eval: cfg, Detectors: []string{"zscore"},
		TargetFA: 1, CalibSeeds: []uint64{22}, CalibDuration: 10 * time.Minute})
	if err == nil {
		t.Error("evaluating on a calibration seed: no error")
	}
	if _, err := RunEval(context.Background(), Options{Eval: cfg, Detectors: []string{"nope"}}); err == nil {
		t.Error("unknown detector: no error")
	}
}
