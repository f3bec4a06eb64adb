package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExp32Accuracy checks Exp32 against math.Exp over its whole range:
// within 2 units in the last place of float32.
func TestExp32Accuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		x := float32(-86 + 174*rng.Float64())
		if i < 3 {
			x = []float32{0, exp32Lo, exp32Hi}[i]
		}
		got := float64(Exp32(x))
		want := math.Exp(float64(x))
		if rel := math.Abs(got-want) / want; rel > 2*0x1p-23 {
			t.Fatalf("Exp32(%v) = %v, want %v (relative error %.3g)", x, got, want, rel)
		}
	}
}

func TestExp32Edges(t *testing.T) {
	if v := Exp32(float32(math.NaN())); !math.IsNaN(float64(v)) {
		t.Errorf("Exp32(NaN) = %v", v)
	}
	if v, w := Exp32(float32(math.Inf(1))), Exp32(exp32Hi); v != w {
		t.Errorf("Exp32(+Inf) = %v, want the clamp's %v", v, w)
	}
	if v, w := Exp32(-1000), Exp32(exp32Lo); v != w || v <= 0 {
		t.Errorf("Exp32(-1000) = %v, want the clamp's %v > 0", v, w)
	}
}

// TestActivations32 checks the float32 activations against float64 math
// to an absolute 3e-7 over the range an LSTM sees.
func TestActivations32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 4096
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(40 * (rng.Float64() - 0.5))
		if i%7 == 0 {
			x[i] /= 1000
		}
	}
	x[0], x[1], x[2] = 0, 200, -200
	s, th, e := make([]float32, n), make([]float32, n), make([]float32, n)
	SigmoidSlice32(s, x)
	TanhSlice32(th, x)
	ELUForward32(e, x)
	for i, v := range x {
		xv := float64(v)
		elu := xv
		if xv <= 0 {
			elu = math.Expm1(xv)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"sigmoid", float64(s[i]), 1 / (1 + math.Exp(-xv))},
			{"tanh", float64(th[i]), math.Tanh(xv)},
			{"elu", float64(e[i]), elu},
		} {
			if d := math.Abs(c.got - c.want); d > 3e-7*max(1, math.Abs(c.want)) {
				t.Errorf("%s(%v) = %v, want %v (off by %.3g)", c.name, v, c.got, c.want, d)
			}
		}
	}
}

// TestKernels32MatchFloat64 runs the float32 layers beside the float64
// kernels on the same inputs: the results agree to float32's precision.
func TestKernels32MatchFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const b, hid = 5, 12
	rnd := func(n int, s float64) ([]float64, []float32) {
		a, f := make([]float64, n), make([]float32, n)
		for i := range a {
			f[i] = float32(s * (rng.Float64() - 0.5))
			a[i] = float64(f[i])
		}
		return a, f
	}
	gx, gx32 := rnd(b*4*hid, 2)
	hp, hp32 := rnd(b*hid, 2)
	cp, cp32 := rnd(b*hid, 2)
	whh, whh32 := rnd(hid*4*hid, 1)
	h, c, g := make([]float64, b*hid), make([]float64, b*hid), make([]float64, b*4*hid)
	h32, c32, g32 := make([]float32, b*hid), make([]float32, b*hid), make([]float32, b*4*hid)
	LSTMStep(h, c, nil, g, gx, hp, cp, whh, b, hid)
	LSTMStep32(h32, c32, g32, gx32, hp32, cp32, whh32, b, hid)
	near := func(name string, a []float64, f []float32, tol float64) {
		t.Helper()
		for i := range a {
			if d := math.Abs(a[i] - float64(f[i])); d > tol*max(1, math.Abs(a[i])) {
				t.Fatalf("%s[%d] = %v, float64 %v", name, i, f[i], a[i])
			}
		}
	}
	near("lstm h", h, h32, 2e-6)
	near("lstm c", c, c32, 2e-6)

	// In place, as the encoder runs it: the same bits as into new slices.
	LSTMStep32(hp32, cp32, g32, gx32, hp32, cp32, whh32, b, hid)
	for i := range h32 {
		if hp32[i] != h32[i] || cp32[i] != c32[i] {
			t.Fatalf("in-place LSTMStep32 differs at %d", i)
		}
	}

	x, x32 := rnd(b*2*hid, 6)
	y, y32 := make([]float64, b*hid), make([]float32, b*hid)
	GLUForward(y, x, b, hid)
	GLUForward32(y32, x32, b, hid)
	near("glu", y, y32, 1e-6)

	gm, gm32 := rnd(hid, 2)
	bt, bt32 := rnd(hid, 2)
	LayerNormForward(y, nil, x[:b*hid], gm, bt, b, hid, 1)
	LayerNormForward32(y32, x32[:b*hid], gm32, bt32, b, hid)
	near("layer norm", y, y32, 2e-6)

	// Rows taken alone sum as rows taken together.
	w, w32 := rnd(hid*7, 1)
	m, m32 := make([]float64, b*7), make([]float32, b*7)
	MatMulAcc(m, x[:b*hid], w, b, hid, 7)
	MatMulAcc32(m32, x32[:b*hid], w32, b, hid, 7)
	near("matmul", m, m32, 2e-6)
	for r := range b {
		one := make([]float32, 7)
		MatVecAcc32(one, x32[r*hid:(r+1)*hid], w32)
		for j := range one {
			if one[j] != m32[r*7+j] {
				t.Fatalf("row %d alone differs at %d", r, j)
			}
		}
	}
}
