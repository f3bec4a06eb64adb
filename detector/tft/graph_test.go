package tft

import (
	"math"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// wholeModelGradCheck compares the tape gradient of the loss over a small
// batch with central differences for every parameter of the model.
func wholeModelGradCheck(t *testing.T, c Config) {
	t.Helper()
	wholeModelGradCheckPlain(t, c, false)
}

func wholeModelGradCheckPlain(t *testing.T, c Config, plain bool) {
	t.Helper()
	m, err := New(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Move LayerNorm γ/β and biases away from their initial 1/0 so every
	// parameter's gradient is exercised in general position.
	for i := range m.params {
		m.params[i] += 0.1 * math.Sin(float64(i)*1.7)
	}
	ds := randomExamples(&m.cfg, 3, 11)
	ds[1].TargetMask[0] = 0
	ds[1].Target[0] = math.NaN()
	var b batch
	if err := b.gather(&m.cfg, ds, []int{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	norm := float64(b.observed * len(c.Quantiles))
	grads := make([]float64, len(m.params))
	tp := autodiff.NewTape()
	tp.Bind(m.params, grads)
	lossAt := func() float64 {
		tp.Reset()
		g := m.forwardGraph(tp, &b, true, norm, plain)
		return tp.Value(g.loss)[0]
	}
	tp.Reset()
	g := m.forwardGraph(tp, &b, true, norm, plain)
	tp.Backward(g.loss)
	const h = 1e-5
	worst, worstSmall := 0.0, 0.0
	bad := 0
	for i := range m.params {
		p := m.params[i]
		m.params[i] = p + h
		fp := lossAt()
		m.params[i] = p - h
		fm := lossAt()
		m.params[i] = p
		num := (fp - fm) / (2 * h)
		a := grads[i]
		diff := math.Abs(a - num)
		scale := math.Max(math.Abs(a), math.Abs(num))
		// Relative error below 1e-5, with an absolute floor of 1e-9 for
		// gradients near zero (the central difference's round-off is
		// ≈ 1e-16·|loss|/h ≈ 1e-11).
		if diff > 1e-5*scale+1e-9 {
			bad++
			if bad <= 10 {
				t.Errorf("param %d (%s): analytic %.10g numeric %.10g", i, m.blockName(i), a, num)
			}
		}
		if scale > 1e-4 {
			worst = math.Max(worst, diff/scale)
		} else if scale > 1e-7 {
			worstSmall = math.Max(worstSmall, diff/scale)
		}
	}
	t.Logf("%d parameters, %d mismatches; max relative error %.2e for |gradient| > 1e-4, %.2e for 1e-7…1e-4",
		len(m.params), bad, worst, worstSmall)
}

func TestWholeModelGradient(t *testing.T) {
	wholeModelGradCheck(t, tinyConfig())
}

func TestWholeModelGradientSingleVariables(t *testing.T) {
	// One static variable (no selection softmax), no decoder inputs, one
	// target, one head.
	c := tinyConfig()
	c.Heads = 1
	c.Static = c.Static[:1]
	c.Encoder = c.Encoder[:1]
	c.Decoder = nil
	c.Targets = c.Targets[:1]
	c.DecoderLen = 1
	wholeModelGradCheck(t, c)
}

func TestWholeModelGradientPlain(t *testing.T) {
	// The reference graph (no folds) has the same gradient too.
	wholeModelGradCheckPlain(t, tinyConfig(), true)
}

func TestWholeModelGradientNoStatic(t *testing.T) {
	c := tinyConfig()
	c.Static = nil
	wholeModelGradCheck(t, c)
}
