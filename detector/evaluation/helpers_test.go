package evaluation

import (
	"math"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/tft"
)

// untrainedModel is a model of freshly initialised weights with the
// default alert configuration: it scores, badly.
func untrainedModel(t testing.TB) *detector.Model {
	t.Helper()
	net, err := tft.New(detector.NetConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return detector.NewModel(net, detector.ModelMeta{Format: detector.ModelFormat, FeatureVersion: detector.FeatureVersion,
		Calibration: detector.Calibration{Alerts: detector.DefaultAlertConfig()}})
}

// near fails t when got is further than 1e-9 from want.
func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
