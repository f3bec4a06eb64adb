package tft

import (
	"math"
	"slices"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// tapeForecasts runs the reference (layer by layer, unfolded) tape forward
// pass over ds and returns, per example, what Forecast should produce.
func tapeForecasts(t *testing.T, m *Model, ds Examples) []Forecast {
	return tapeForecastsPlain(t, m, ds, true)
}

// tapeForecastsPlain is tapeForecasts with or without the training folds.
func tapeForecastsPlain(t *testing.T, m *Model, ds Examples, plain bool) []Forecast {
	t.Helper()
	c := &m.cfg
	idx := make([]int, len(ds))
	for i := range idx {
		idx[i] = i
	}
	var b batch
	if err := b.gather(c, ds, idx); err != nil {
		t.Fatal(err)
	}
	tp := autodiff.NewTape()
	tp.Bind(m.params, make([]float64, len(m.params)))
	g := m.forwardGraph(tp, &b, false, 1, plain)
	B := len(ds)
	Te, Td, T := c.EncoderLen, c.DecoderLen, c.Steps()
	ns, ne, nd, no, nq := len(c.Static), len(c.Encoder), len(c.Decoder), c.Outputs(), len(c.Quantiles)
	out := m.NewForecasts(B)
	pred, attn := tp.Value(g.pred), tp.Value(g.attn)
	for j := range B {
		f := &out[j]
		for i := range Td {
			r := i*B + j
			copy(f.Quantiles[i*no:(i+1)*no], pred[r*no:(r+1)*no])
			for k := 0; k < no; k += nq {
				slices.Sort(f.Quantiles[i*no+k : i*no+k+nq])
			}
			copy(f.Attention[i*T:(i+1)*T], attn[r*T:(r+1)*T])
		}
		weights := func(dst []float64, w autodiff.Tensor, steps, n int) {
			for p := range steps {
				if !w.Present() {
					dst[p*n] = 1
					continue
				}
				copy(dst[p*n:(p+1)*n], tp.Value(w)[(p*B+j)*n:(p*B+j+1)*n])
			}
		}
		if ns > 0 {
			weights(f.StaticWeights, g.staticW, 1, ns)
		}
		weights(f.EncoderWeights, g.encW, Te, ne)
		if nd > 0 {
			weights(f.DecoderWeights, g.decW, Td, nd)
		}
	}
	return out
}

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func compareForecasts(t *testing.T, what string, got, want *Forecast, tol float64) {
	t.Helper()
	for _, f := range []struct {
		name string
		a, b []float64
	}{
		{"quantiles", got.Quantiles, want.Quantiles},
		{"static weights", got.StaticWeights, want.StaticWeights},
		{"encoder weights", got.EncoderWeights, want.EncoderWeights},
		{"decoder weights", got.DecoderWeights, want.DecoderWeights},
		{"attention", got.Attention, want.Attention},
	} {
		if len(f.a) != len(f.b) {
			t.Fatalf("%s: %s lengths %d, %d", what, f.name, len(f.a), len(f.b))
		}
		d := maxDiff(f.a, f.b)
		if d > tol || math.IsNaN(d) {
			t.Errorf("%s: %s differ by %.3g (tolerance %g)", what, f.name, d, tol)
		}
		if testing.Verbose() && tol > 0 && len(f.a) > 0 {
			t.Logf("%s: %s max difference %.2g (first value %.6g)", what, f.name, d, f.a[0])
		}
	}
}

func testConfigs() map[string]Config {
	tiny := tinyConfig()
	single := tinyConfig()
	single.Heads = 1
	single.Static = single.Static[:1]
	single.Encoder = single.Encoder[:1]
	single.Decoder = nil
	single.Targets = single.Targets[:1]
	single.DecoderLen = 1
	noStatic := tinyConfig()
	noStatic.Static = nil
	noStatic.InputSize = noStatic.Hidden // no skip projections in the VSNs
	d1 := tinyConfig()
	d1.InputSize = 1 // the flattened GRNs have no skip projection
	def := DefaultConfig()
	def.Static = []Variable{Real("age"), Categorical("fitness", 3), Real("rest_hr")}
	def.Encoder = []Variable{Real("hr"), Real("stamina"), Real("temp"), Real("spo2"), Categorical("phase", 5), Real("ambient")}
	def.Decoder = []Variable{Categorical("phase", 5), Categorical("next_phase", 5), Real("ambient")}
	def.Targets = []string{"hr", "stamina", "temp", "spo2"}
	return map[string]Config{"tiny": tiny, "single": single, "nostatic": noStatic, "inputsize1": d1, "default": def}
}

// TestFoldsMatchPlainGraph checks the folded training graph against the
// architecture computed layer by layer.
func TestFoldsMatchPlainGraph(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 6)
			if err != nil {
				t.Fatal(err)
			}
			ds := randomExamples(&m.cfg, 5, 8)
			plain := tapeForecastsPlain(t, m, ds, true)
			folded := tapeForecastsPlain(t, m, ds, false)
			for i := range ds {
				compareForecasts(t, "folded tape", &folded[i], &plain[i], 1e-12)
			}
		})
	}
}

func TestBatchMatchesTape(t *testing.T) {
	for name, c := range testConfigs() {
		t.Run(name, func(t *testing.T) {
			m, err := New(c, 5)
			if err != nil {
				t.Fatal(err)
			}
			ds := randomExamples(&m.cfg, 4, 21)
			want := tapeForecasts(t, m, ds)
			ws := m.NewWorkspace()
			got := m.NewForecasts(len(ds))
			ins := make([]Input, len(ds))
			for i := range ds {
				ins[i] = ds[i].Input
			}
			if err := m.ForecastBatch(ws, ins, got); err != nil {
				t.Fatal(err)
			}
			for i := range ds {
				compareForecasts(t, "batch", &got[i], &want[i], 1e-12)
			}
			// One at a time gives the same, bit for bit.
			one := m.NewForecast()
			for i := range ds {
				if err := m.Forecast(ws, &ins[i], one); err != nil {
					t.Fatal(err)
				}
				compareForecasts(t, "single", one, &got[i], 0)
			}
		})
	}
}
