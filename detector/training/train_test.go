package training

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
)

// tinyTrain is a training run small enough for a unit test: a handful of
// soldiers, ten simulated minutes, two minibatches.
func tinyTrain(t *testing.T, seed uint64) (*detector.Model, []byte) {
	t.Helper()
	cfg := Config{Seed: seed, Soldiers: 1, Duration: 10 * time.Minute, TrainRuns: 1, ValRuns: 1, CalibRuns: 1,
		Stride: 20, ValExamples: 20, Net: tft.TrainConfig{Epochs: 1, StepsPerEpoch: 2, BatchSize: 8}}
	var stages []string
	m, _, err := Train(context.Background(), cfg, func(p Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"simulate", "train", "validate", "calibrate"}; len(stages) != len(want) {
		t.Errorf("stages %v, want %v", stages, want)
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return m, b.Bytes()
}

func TestTrainDeterministic(t *testing.T) {
	m, a := tinyTrain(t, 3)
	_, b := tinyTrain(t, 3)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different model files")
	}
	tr := &m.Meta.Training
	if tr.Seed != 3 || len(tr.TrainSeeds) != 1 || tr.TrainSeeds[0] != 3001 || tr.ValSeeds[0] != 3101 ||
		m.Meta.Calibration.Seeds[0] != 3201 || tr.Steps != 2 {
		t.Errorf("training record %+v, calibration seeds %v", tr, m.Meta.Calibration.Seeds)
	}
	if d := m.Meta.Drift; d.Ticks != detector.DefaultDriftTicks || d.VitalTicks[engine.HeartRate] != detector.DefaultHRDriftTicks ||
		!(d.Half[engine.CoreTemp] > 0) || !(d.Half[engine.HeartRate] > 0) || d.Half[engine.Stamina] != 0 || d.Half[engine.SpO2] != 0 {
		t.Errorf("drift check %+v: want core temperature and heart rate (short horizon) only", d)
	}
	if m.Meta.Validation.Examples == 0 {
		t.Error("no validation examples measured")
	}
	// The file loads back and scores.
	got, err := detector.DecodeModel(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := detector.NewTFT(detector.WithModel(got)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Train(context.Background(), Config{Soldiers: -1}, nil); err == nil {
		t.Error("invalid training config: no error")
	}
}
