package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sameBits32 fails unless got and want are identical value for value (any
// NaN matches any NaN: when two different NaNs meet, which one a product
// keeps is the compiler's choice of operand order, not the kernel's).
func sameBits32(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			t.Fatalf("%s[%d]: vector %v (%#x), Go %v (%#x)", what, i, g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
}

// inputs32 mixes ordinary values with the float32 kernels' edge cases:
// the clamps at −86 and 88 and their neighbours (for x and for −x and −2x),
// signed zeros, tiny and subnormal values, large values, infinities, and
// NaNs with random payloads and signs (exp32 adds 2ᵏ into the bits, so a
// NaN's payload can reach its exponent: the vector kernels must carry it
// as the Go code does).
func inputs32(rng *rand.Rand, n int) []float32 {
	next := func(x float32, d float64) float32 { return float32(math.Nextafter32(x, float32(d))) }
	special := []float32{0, float32(math.Copysign(0, -1)), 86, -86, 88, -88, 43, -43, 44, -44,
		next(88, 100), next(88, 0), next(-86, -100), next(-86, 0), next(-88, -100), next(86, 100),
		next(43, 100), next(-44, -100), 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-45, -1e-45, 1e-40, -1e-40,
		1e-10, -1e-10, 1, -1, 0.5, -0.5, 87.5, -85.5}
	x := make([]float32, n)
	for i := range x {
		switch rng.IntN(6) {
		case 0:
			x[i] = special[rng.IntN(len(special))]
		case 1:
			// A NaN: exponent all ones, a random nonzero mantissa, either sign.
			bits := uint32(0x7f800000) | (rng.Uint32() & 0x807fffff)
			if bits&0x7fffff == 0 {
				bits |= 1
			}
			x[i] = math.Float32frombits(bits)
		case 2:
			x[i] = float32(rng.NormFloat64() * 0.01)
		default:
			x[i] = float32(rng.NormFloat64() * 4)
		}
	}
	return x
}

// randn32 is n normal values scaled by s.
func randn32(rng *rand.Rand, n int, s float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * s)
	}
	return x
}

func TestLSTMStep32VectorMatchesGo(t *testing.T) {
	vectorLevels(t)
	rng := rand.New(rand.NewPCG(32, 1))
	for _, hid := range []int{8, 16, 24, 32, 40, 4, 12} {
		for _, b := range []int{1, 2, 3, 5} {
			g4 := 4 * hid
			gx := randn32(rng, b*g4, 3)
			special := inputs32(rng, b*g4)
			for i := range gx {
				if rng.IntN(4) == 0 {
					gx[i] = special[i]
				}
			}
			hp, cp := randn32(rng, b*hid, 1), randn32(rng, b*hid, 2)
			whh := randn32(rng, hid*g4, 0.5)
			if hid == 16 {
				hp[0], cp[1], whh[3] = float32(math.Inf(1)), float32(math.NaN()), 1e30
			}
			run := func() (h, c, g []float32) {
				h, c, g = make([]float32, b*hid), make([]float32, b*hid), make([]float32, b*g4)
				LSTMStep32(h, c, g, gx, hp, cp, whh, b, hid)
				return h, c, g
			}
			var hw, cw, gw []float32
			withGo(t, func() { hw, cw, gw = run() })
			hv, cv, gv := run()
			name := fmt.Sprintf("hid %d b %d", hid, b)
			sameBits32(t, name+" gates", gv, gw)
			sameBits32(t, name+" c", cv, cw)
			sameBits32(t, name+" h", hv, hw)

			// In place: h and c are hPrev and cPrev.
			hi, ci := append([]float32(nil), hp...), append([]float32(nil), cp...)
			g := make([]float32, b*g4)
			LSTMStep32(hi, ci, g, gx, hi, ci, whh, b, hid)
			sameBits32(t, name+" in-place c", ci, cw)
			sameBits32(t, name+" in-place h", hi, hw)
		}
	}
}

func TestActivations32VectorMatchGo(t *testing.T) {
	vectorLevels(t)
	rng := rand.New(rand.NewPCG(32, 2))
	for _, k := range []struct {
		name string
		f    func(y, x []float32)
	}{
		{"exp", ExpSlice32}, {"sigmoid", SigmoidSlice32}, {"tanh", TanhSlice32}, {"elu", ELUForward32},
	} {
		for n := 0; n <= 40; n++ {
			for range 20 {
				x := inputs32(rng, n)
				want, got := make([]float32, n), make([]float32, n)
				withGo(t, func() { k.f(want, x) })
				k.f(got, x)
				what := fmt.Sprintf("%s n %d", k.name, n)
				sameBits32(t, what, got, want)
				k.f(x, x) // in place
				sameBits32(t, what+" in place", x, want)
			}
		}
		// Every float32 exponent with random mantissas, positive and negative.
		x := make([]float32, 1<<16)
		for i := range x {
			x[i] = math.Float32frombits(uint32(i)<<16 | rng.Uint32()&0xffff)
		}
		want, got := make([]float32, len(x)), make([]float32, len(x))
		withGo(t, func() { k.f(want, x) })
		k.f(got, x)
		sameBits32(t, k.name+" sweep", got, want)
	}
}

func TestMatMul32VectorMatchesGo(t *testing.T) {
	vectorLevels(t)
	rng := rand.New(rand.NewPCG(32, 3))
	for out := 1; out <= 40; out++ {
		for _, in := range []int{1, 2, 3, 4, 5, 7, 8, 16, 19} {
			for _, n := range []int{1, 2, 3, 5} {
				ys, xs := out+rng.IntN(3), in+rng.IntN(3)
				x := randn32(rng, (n-1)*xs+in, 1)
				w := randn32(rng, in*out, 0.5)
				y0 := randn32(rng, (n-1)*ys+out, 1)
				if out == 20 && in == 16 {
					x[1], w[2], y0[3] = float32(math.NaN()), float32(math.Inf(-1)), 1e38
				}
				want, got := append([]float32(nil), y0...), append([]float32(nil), y0...)
				withGo(t, func() { MatMulAccStrided32(want, ys, x, xs, w, n, in, out) })
				MatMulAccStrided32(got, ys, x, xs, w, n, in, out)
				what := fmt.Sprintf("matmul n %d in %d out %d", n, in, out)
				sameBits32(t, what, got, want)

				// One row alone, through MatVecAcc32.
				one := append([]float32(nil), y0[:out]...)
				MatVecAcc32(one, x[:in], w)
				sameBits32(t, what+" row 0 alone", one, want[:out])
			}
		}
	}
}

func TestGLU32VectorMatchesGo(t *testing.T) {
	vectorLevels(t)
	rng := rand.New(rand.NewPCG(32, 4))
	for d := 1; d <= 40; d++ {
		for _, n := range []int{1, 2, 3, 50} {
			x := inputs32(rng, 2*n*d)
			want, got := make([]float32, n*d), make([]float32, n*d)
			withGo(t, func() { GLUForward32(want, x, n, d) })
			GLUForward32(got, x, n, d)
			sameBits32(t, fmt.Sprintf("glu n %d d %d", n, d), got, want)
		}
	}
}

func TestLayerNorm32VectorMatchesGo(t *testing.T) {
	vectorLevels(t)
	rng := rand.New(rand.NewPCG(32, 5))
	for d := 1; d <= 40; d++ {
		for _, n := range []int{1, 2, 3} {
			x := randn32(rng, n*d, 3)
			if d == 16 && n == 2 {
				x[17] = float32(math.Inf(1))
			}
			g, b := randn32(rng, d, 1), randn32(rng, d, 1)
			want, got := make([]float32, n*d), make([]float32, n*d)
			withGo(t, func() { LayerNormForward32(want, x, g, b, n, d) })
			LayerNormForward32(got, x, g, b, n, d)
			what := fmt.Sprintf("layer norm n %d d %d", n, d)
			sameBits32(t, what, got, want)
			LayerNormForward32(x, x, g, b, n, d) // in place
			sameBits32(t, what+" in place", x, want)
		}
	}
}
