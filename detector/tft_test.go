package detector

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/tft"
)

// untrainedModel returns a model with freshly initialised weights: enough to
// exercise the scorer's plumbing, not to forecast well.
func untrainedModel(t testing.TB) *Model {
	t.Helper()
	net, err := tft.New(modelConfig(), 1)
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
	if vs[10].State != StateWarmingUp {
		t.Errorf("tick 10: state %v, want warming_up", vs[10].State)
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
