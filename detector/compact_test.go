package detector

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// TestCompactStateNearFull scores the same series on the embedded model
// with and without WithCompactState: the forecasts agree to float32
// rounding, not to the last bit (so the compact streams are in use), and
// the states are the same.
func TestCompactStateNearFull(t *testing.T) {
	m, err := EmbeddedModel()
	if err != nil {
		t.Skipf("no embedded model: %v", err)
	}
	full, err := NewTFT(WithModel(m))
	if err != nil {
		t.Fatal(err)
	}
	compact, err := NewTFT(WithModel(m), WithCompactState(true))
	if err != nil {
		t.Fatal(err)
	}
	s := steadySeries(120, 5)
	want, got := feed(t, full, s, 32), feed(t, compact, s, 32)
	worst, forecasts := 0.0, 0
	for i := range want {
		if got[i].State != want[i].State {
			t.Errorf("tick %d: state %v, full precision's %v", i, got[i].State, want[i].State)
		}
		for v := range want[i].Vitals {
			for q, x := range want[i].Vitals[v].Forecast {
				y := got[i].Vitals[v].Forecast[q]
				if math.IsNaN(x) != math.IsNaN(y) {
					t.Fatalf("tick %d vital %d: forecast %v, full precision's %v", i, v, got[i].Vitals[v].Forecast, want[i].Vitals[v].Forecast)
				}
				if !math.IsNaN(x) {
					forecasts++
					worst = max(worst, math.Abs(y-x)/max(math.Abs(x), 1))
				}
			}
		}
	}
	switch {
	case forecasts == 0:
		t.Fatal("no forecasts: the series ended inside the warm-up")
	case worst == 0:
		t.Error("the compact forecasts equal full precision's to the last bit: are the streams float32?")
	case worst > 1e-4:
		t.Errorf("the compact forecasts differ from full precision's by up to %.3g (relative), want ≤ 1e-4", worst)
	}
	t.Logf("%d forecast quantiles, largest relative difference %.2g", forecasts, worst)
}

// TestCompactStreamsRealWindows forecasts real windows (eight simulated
// soldiers, ten minutes, every window of every fifth tick) with the
// embedded model from full-precision streams and from compact ones, whose
// rings are float32 and whose forward runs in float32 after the variable
// selection: the quantiles agree to float32 rounding, and the attention
// too.
func TestCompactStreamsRealWindows(t *testing.T) {
	m, err := EmbeddedModel()
	if err != nil {
		t.Skipf("no embedded model: %v", err)
	}
	te := NetConfig().EncoderLen
	b, err := featurestore.NewBuilder(featurestore.TrainingSpec{Inputs: te + 1, Horizon: 1, Stride: 5})
	if err != nil {
		t.Fatal(err)
	}
	ec := engine.DefaultConfig()
	ec.Seed, ec.Soldiers, ec.Duration = 21, 8, 10*time.Minute
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
	ds := NewExamples(ts, 0, 1)
	n := ds.Len()
	if n < 500 {
		t.Fatalf("%d windows, want at least 500", n)
	}
	net := m.net
	full, compact := make([]*tft.Stream, n), make([]*tft.Stream, n)
	decs := make([][]float64, n)
	var ex tft.Example
	for i := range n {
		if err := ds.Example(i, &ex); err != nil {
			t.Fatal(err)
		}
		if full[i], err = net.NewLeanStream(ex.Static); err != nil {
			t.Fatal(err)
		}
		if compact[i], err = net.NewCompactStream(ex.Static); err != nil {
			t.Fatal(err)
		}
		for p := range te {
			row := ex.Encoder[p*numEncoder : (p+1)*numEncoder]
			if err := full[i].Push(row); err != nil {
				t.Fatal(err)
			}
			if err := compact[i].Push(row); err != nil {
				t.Fatal(err)
			}
		}
		decs[i] = append([]float64(nil), ex.Decoder...)
	}
	ws := net.NewWorkspace()
	want, got := net.NewForecasts(n), net.NewForecasts(n)
	if err := net.ForecastStreams(ws, full, decs, want); err != nil {
		t.Fatal(err)
	}
	if err := net.ForecastStreams(ws, compact, decs, got); err != nil {
		t.Fatal(err)
	}
	worstAbs, worstRel, worstAttn := 0.0, 0.0, 0.0
	for i := range n {
		for k, x := range want[i].Quantiles {
			d := math.Abs(got[i].Quantiles[k] - x)
			worstAbs = max(worstAbs, d)
			worstRel = max(worstRel, d/max(math.Abs(x), 1))
		}
		for k, x := range want[i].Attention {
			worstAttn = max(worstAttn, math.Abs(got[i].Attention[k]-x))
		}
	}
	t.Logf("%d windows: largest quantile difference %.2g (relative to max(|q|, 1): %.2g), attention %.2g", n, worstAbs, worstRel, worstAttn)
	if worstRel == 0 {
		t.Error("the compact forecasts equal full precision's to the last bit: is the float32 forward in use?")
	}
	if worstRel > 1e-5 || worstAttn > 5e-6 {
		t.Errorf("compact forecasts differ from full precision's by up to %.3g (relative), attention by %.3g: want ≤ 1e-5 and 5e-6", worstRel, worstAttn)
	}
}
