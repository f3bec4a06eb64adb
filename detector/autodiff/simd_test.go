package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// withGo runs f with the AVX2 kernels switched off.
func withGo(t *testing.T, f func()) {
	t.Helper()
	saved := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = saved }()
	f()
}

// needAVX2 skips when this build or machine has no AVX2 kernels.
func needAVX2(t *testing.T) {
	t.Helper()
	if !useAVX2 {
		t.Skip("no AVX2 kernels here: the Go loops are the only path")
	}
}

// sameBits fails unless got and want are identical value for value (any
// NaN matches any NaN).
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
			t.Fatalf("%s[%d]: AVX2 %v (%#x), Go %v (%#x)", what, i, g, math.Float64bits(g), w, math.Float64bits(w))
		}
	}
}

// activationInputs mixes ordinary values with the kernels' edge cases:
// the clamps at ±700 (and beyond), both series thresholds and their
// neighbours, signed zeros, subnormals, infinities and NaN.
func activationInputs(rng *rand.Rand, n int) []float64 {
	special := []float64{0, math.Copysign(0, -1), 700, -700, 701, -701, 1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN(),
		-math.NaN(), tanhSmall, -tanhSmall, math.Nextafter(tanhSmall, 0), math.Nextafter(-tanhSmall, 0), eluSmall,
		math.Nextafter(eluSmall, 0), math.Nextafter(eluSmall, -1), 5e-324, -5e-324, 1e-310, -1e-310, 350, -350, 1, -1}
	x := make([]float64, n)
	for i := range x {
		switch rng.IntN(4) {
		case 0:
			x[i] = special[rng.IntN(len(special))]
		case 1:
			x[i] = rng.NormFloat64() * 0.01
		default:
			x[i] = rng.NormFloat64() * 4
		}
	}
	return x
}

func TestActivationsAVX2MatchGo(t *testing.T) {
	needAVX2(t)
	rng := rand.New(rand.NewPCG(1, 2))
	kernels := []struct {
		name string
		f    func(y, x []float64)
	}{{"sigmoid", SigmoidSlice}, {"tanh", TanhSlice}, {"elu", ELUForward}}
	for _, k := range kernels {
		for _, n := range []int{0, 1, 3, 4, 5, 16, 31, 64, 1003} {
			for range 20 {
				x := activationInputs(rng, n)
				got, want := make([]float64, n), make([]float64, n)
				k.f(got, x)
				withGo(t, func() { k.f(want, x) })
				sameBits(t, k.name, got, want)
				inPlace := append([]float64(nil), x...)
				k.f(inPlace, inPlace)
				sameBits(t, k.name+" in place", inPlace, want)
			}
		}
	}
}

func TestMatMulAVX2MatchesGo(t *testing.T) {
	needAVX2(t)
	rng := rand.New(rand.NewPCG(3, 4))
	fill := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	for _, n := range []int{1, 2, 3, 5, 16, 31} {
		for _, in := range []int{1, 2, 3, 4, 5, 8, 16, 17} {
			for _, out := range []int{1, 3, 4, 8, 16, 20, 64} {
				xs, ys := in+rng.IntN(3), out+rng.IntN(3)
				x, w, y0 := fill(n*xs), fill(in*out), fill(n*ys)
				got := append([]float64(nil), y0...)
				want := append([]float64(nil), y0...)
				MatMulAccStrided(got, ys, x, xs, w, n, in, out)
				withGo(t, func() { MatMulAccStrided(want, ys, x, xs, w, n, in, out) })
				sameBits(t, "MatMulAccStrided", got, want)
				// The padding between rows is left alone.
				for r := range n {
					for j := out; j < ys && r*ys+j < len(y0); j++ {
						if got[r*ys+j] != y0[r*ys+j] {
							t.Fatalf("n=%d in=%d out=%d: padding y[%d][%d] written", n, in, out, r, j)
						}
					}
				}
				gv := append([]float64(nil), y0[:out]...)
				wv := append([]float64(nil), y0[:out]...)
				MatVecAcc(gv, x[:in], w)
				withGo(t, func() { MatVecAcc(wv, x[:in], w) })
				sameBits(t, "MatVecAcc", gv, wv)
			}
		}
	}
}

func TestMatMulShortSlicesPanic(t *testing.T) {
	for _, avx := range []bool{false, true} {
		if avx && !useAVX2 {
			continue
		}
		saved := useAVX2
		useAVX2 = avx
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AVX2 %v: a weight matrix one value short did not panic", avx)
				}
			}()
			MatMulAcc(make([]float64, 8), make([]float64, 8), make([]float64, 4*4-1), 2, 4, 4)
		}()
		useAVX2 = saved
	}
}

func BenchmarkMatMulAcc31x16x64(b *testing.B) {
	x, w, y := make([]float64, 31*16), make([]float64, 16*64), make([]float64, 31*64)
	b.ReportAllocs()
	for b.Loop() {
		MatMulAcc(y, x, w, 31, 16, 64)
	}
}

func BenchmarkSigmoidSlice64(b *testing.B) {
	x := make([]float64, 64)
	b.ReportAllocs()
	for b.Loop() {
		SigmoidSlice(x, x)
	}
}

// layerNormOneRow is LayerNormForward's formula for one row, written
// plainly: the grouped kernel must match it bit for bit.
func layerNormOneRow(y, x, g, b []float64) (mu, rs float64) {
	for _, v := range x {
		mu += v
	}
	mu *= 1 / float64(len(x))
	vr := 0.0
	for _, v := range x {
		vr += mul(v-mu, v-mu)
	}
	rs = 1 / math.Sqrt(mul(vr, 1/float64(len(x)))+LayerNormEps)
	for j, v := range x {
		y[j] = mul(mul(v-mu, rs), g[j]) + b[j]
	}
	return mu, rs
}

func TestLayerNormRowsMatchOneRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 3, 4, 5, 8, 9, 31} {
		for _, d := range []int{1, 5, 16} {
			for _, groups := range []int{1, 2} {
				x := activationInputs(rng, n*d)
				for i := range x {
					if math.IsInf(x[i], 0) || math.Abs(x[i]) > 1e100 {
						x[i] = rng.NormFloat64()
					}
				}
				g, b := activationInputs(rng, groups*d), activationInputs(rng, groups*d)
				want, wantStats := make([]float64, n*d), make([]float64, 2*n)
				for r := range n {
					k := r % groups
					wantStats[2*r], wantStats[2*r+1] = layerNormOneRow(want[r*d:(r+1)*d], x[r*d:(r+1)*d], g[k*d:(k+1)*d], b[k*d:(k+1)*d])
				}
				got, stats := make([]float64, n*d), make([]float64, 2*n)
				LayerNormForward(got, stats, x, g, b, n, d, groups)
				sameBits(t, "LayerNormForward", got, want)
				sameBits(t, "LayerNormForward stats", stats, wantStats)
				LayerNormForward(x, nil, x, g, b, n, d, groups)
				sameBits(t, "LayerNormForward in place", x, want)
			}
		}
	}
}
