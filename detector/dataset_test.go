package detector

import (
	"context"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// trainingSet simulates two minutes of two soldiers with seed through the
// feature store's training-set builder, cutting an example of te+1 input
// rows and one target every stride ticks, as training does.
func trainingSet(t *testing.T, seed uint64, te, stride int) *featurestore.TrainingSet {
	t.Helper()
	b, err := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: te + 1, Horizon: 1, Stride: stride, SkipLabelled: true})
	if err != nil {
		t.Fatal(err)
	}
	ec := engine.DefaultConfig()
	ec.Seed, ec.Soldiers, ec.Duration, ec.PoisonRate, ec.ArtefactRate = seed, 2, 2*time.Minute, 0, 0
	sim, err := engine.NewSim(ec)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AddSource(context.Background(), sim); err != nil {
		t.Fatal(err)
	}
	ts, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestDatasetPointInTime(t *testing.T) {
	te := NetConfig().EncoderLen
	ts := trainingSet(t, 5, te, 7)
	ds := NewExamples(ts, 0, 1)
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
	aug := NewExamples(ts, 1, 1)
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
