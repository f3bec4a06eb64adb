package detector

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
)

// tinyTrain is a training run small enough for a unit test: a handful of
// soldiers, ten simulated minutes, two minibatches.
func tinyTrain(t *testing.T, seed uint64) (*Model, []byte) {
	t.Helper()
	cfg := TrainConfig{Seed: seed, Soldiers: 1, Duration: 10 * time.Minute, TrainRuns: 1, ValRuns: 1, CalibRuns: 1,
		Stride: 20, ValExamples: 20, Net: tft.TrainConfig{Epochs: 1, StepsPerEpoch: 2, BatchSize: 8}}
	var stages []string
	m, _, err := Train(context.Background(), cfg, func(p TrainProgress) {
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
	if m.Meta.Drift.Ticks != DefaultDriftTicks || !(m.Meta.Drift.Half[engine.CoreTemp] > 0) || m.Meta.Drift.Half[engine.HeartRate] != 0 {
		t.Errorf("drift check %+v: want core temperature only", m.Meta.Drift)
	}
	if m.Meta.Validation.Examples == 0 {
		t.Error("no validation examples measured")
	}
	// The file loads back and scores.
	got, err := DecodeModel(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTFT(WithModel(got)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Train(context.Background(), TrainConfig{Soldiers: -1}, nil); err == nil {
		t.Error("invalid training config: no error")
	}
}

func TestDatasetPointInTime(t *testing.T) {
	te := modelConfig().EncoderLen
	ts, err := buildTrainingSet(context.Background(), RunConfig{Seeds: []uint64{5}, Soldiers: 2, Duration: 2 * time.Minute}, te, 7)
	if err != nil {
		t.Fatal(err)
	}
	ds := &vitalsDataset{ts: ts, te: te, seed: 1}
	if ds.Len() == 0 {
		t.Fatal("no examples")
	}
	var ex tft.Example
	for i := range ds.Len() {
		if err := ds.Example(i, &ex); err != nil {
			t.Fatal(err)
		}
		fx := ts.Example(i)
		n := normFor(&fx.Profile)
		o := &fx.Targets[0]
		prev := &fx.Inputs[len(fx.Inputs)-1]
		if o.T != prev.T+1 {
			t.Fatalf("target tick %d after input tick %d", o.T, prev.T)
		}
		// The target is the change from the last input row to the target row…
		for v := range engine.NumVitals {
			near(t, "target", ex.Target[v], (o.Values[v]-prev.Values[v])*n.scale[v])
		}
		// … the last encoder row is the last input row (no look-ahead)…
		last := ex.Encoder[(te-1)*numEncoder : te*numEncoder]
		near(t, "last encoder HR", last[encHR], (prev.Values[engine.HeartRate]-n.hr0)/n.hrr)
		// … and the decoder row holds only the target tick's known inputs.
		if ex.Decoder[decPhase] != float64(o.Phase) || ex.Decoder[decNextPhase] != float64(o.NextPhase) {
			t.Fatalf("decoder %v for phase %v→%v", ex.Decoder, o.Phase, o.NextPhase)
		}
	}
	// Augmentation holds the last rows of some vital and flags them.
	aug := &vitalsDataset{ts: ts, te: te, augment: 1, seed: 1}
	flagged := 0
	for i := range aug.Len() {
		if err := aug.Example(i, &ex); err != nil {
			t.Fatal(err)
		}
		if ex.Encoder[(te-1)*numEncoder+encImputed] == 1 {
			flagged++
		}
	}
	if flagged != aug.Len() {
		t.Errorf("augment 1: %d of %d examples have an imputed last row", flagged, aug.Len())
	}
}
