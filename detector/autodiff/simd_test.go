package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// level is a set of vector kernels the package may use.
type level struct {
	name         string
	avx2, avx512 bool
}

// withLevel runs f with the kernels of l switched on (and no others).
func withLevel(l level, f func()) {
	s2, s512 := useAVX2, useAVX512
	useAVX2, useAVX512 = l.avx2, l.avx512
	defer func() { useAVX2, useAVX512 = s2, s512 }()
	f()
}

// withGo runs f with every vector kernel switched off.
func withGo(t *testing.T, f func()) {
	t.Helper()
	withLevel(level{name: "Go"}, f)
}

// vectorLevels returns the vector levels this build and machine can run
// (AVX-512, then AVX2 alone), skipping the test when there are none.
func vectorLevels(t testing.TB) []level {
	t.Helper()
	var ls []level
	if useAVX512 {
		ls = append(ls, level{"AVX-512", true, true})
	}
	if useAVX2 {
		ls = append(ls, level{"AVX2", true, false})
	}
	if len(ls) == 0 {
		t.Skip("no vector kernels here: the Go loops are the only path")
	}
	return ls
}

// sameBits fails unless got and want are identical value for value (any
// NaN matches any NaN).
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
			t.Fatalf("%s[%d]: vector %v (%#x), Go %v (%#x)", what, i, g, math.Float64bits(g), w, math.Float64bits(w))
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

func TestActivationsVectorMatchGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) { withLevel(l, func() { testActivationsMatchGo(t) }) })
	}
}

func testActivationsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kernels := []struct {
		name string
		f    func(y, x []float64)
	}{{"sigmoid", SigmoidSlice}, {"tanh", TanhSlice}, {"elu", ELUForward}}
	for _, k := range kernels {
		for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 12, 13, 16, 31, 64, 1003} {
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

func TestMatMulVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) { withLevel(l, func() { testMatMulMatchesGo(t) }) })
	}
}

func testMatMulMatchesGo(t *testing.T) {
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
			for _, out := range []int{1, 3, 4, 8, 12, 16, 20, 24, 64} {
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
	for _, l := range allLevels(t) {
		withLevel(l, func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: a weight matrix one value short did not panic", l.name)
				}
			}()
			MatMulAcc(make([]float64, 16), make([]float64, 8), make([]float64, 4*8-1), 2, 4, 8)
		})
	}
}

// benchLevels runs f as one sub-benchmark per kernel level: Go, and each
// vector level this machine has.
func benchLevels(b *testing.B, f func(b *testing.B)) {
	for _, l := range allLevels(b) {
		b.Run(l.name, func(b *testing.B) { withLevel(l, func() { f(b) }) })
	}
}

func BenchmarkMatMulAcc31x16x64(b *testing.B) {
	benchLevels(b, func(b *testing.B) {
		x, w, y := make([]float64, 31*16), make([]float64, 16*64), make([]float64, 31*64)
		b.ReportAllocs()
		for b.Loop() {
			MatMulAcc(y, x, w, 31, 16, 64)
		}
	})
}

func BenchmarkSigmoidSlice64(b *testing.B) {
	benchLevels(b, func(b *testing.B) {
		x := make([]float64, 64)
		b.ReportAllocs()
		for b.Loop() {
			SigmoidSlice(x, x)
		}
	})
}

func BenchmarkTanhSlice64(b *testing.B) {
	benchLevels(b, func(b *testing.B) {
		x := make([]float64, 64)
		b.ReportAllocs()
		for b.Loop() {
			TanhSlice(x, x)
		}
	})
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

// allLevels returns the Go loops and every vector level this machine has.
func allLevels(t testing.TB) []level {
	ls := []level{{name: "Go"}}
	if useAVX2 {
		ls = append(ls, vectorLevels(t)...)
	}
	return ls
}

func TestLayerNormRowsMatchOneRow(t *testing.T) {
	for _, l := range allLevels(t) {
		t.Run(l.name, func(t *testing.T) { withLevel(l, func() { testLayerNormRowsMatchOneRow(t) }) })
	}
}

func testLayerNormRowsMatchOneRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 3, 4, 5, 8, 9, 31} {
		for _, d := range []int{1, 3, 4, 5, 7, 8, 11, 12, 16, 24} {
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

func BenchmarkMatVecShapes(b *testing.B) {
	for _, sh := range [][3]int{{1, 16, 64}, {1, 16, 16}, {1, 32, 16}, {2, 16, 64}} {
		n, in, out := sh[0], sh[1], sh[2]
		b.Run(fmt.Sprintf("%dx%dx%d", n, in, out), func(b *testing.B) {
			benchLevels(b, func(b *testing.B) {
				x, w, y := make([]float64, n*in), make([]float64, in*out), make([]float64, n*out)
				b.ReportAllocs()
				for b.Loop() {
					MatMulAcc(y, x, w, n, in, out)
				}
			})
		})
	}
}

func TestLSTMStepVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) { withLevel(l, func() { testLSTMStepMatchesGo(t) }) })
	}
}

func testLSTMStepMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	fill := func(n int, scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * scale
		}
		return v
	}
	for _, b := range []int{1, 2, 3, 5} {
		for _, hid := range []int{1, 4, 8, 12, 16, 24, 32} {
			for _, withTC := range []bool{false, true} {
				g4 := 4 * hid
				// gx mixes the activations' edge cases with ordinary values.
				gx := activationInputs(rng, b*g4)
				hPrev, cPrev, whh := fill(b*hid, 1), fill(b*hid, 2), fill(hid*g4, 0.5)
				type state struct{ h, c, tc, gates []float64 }
				run := func() state {
					s := state{make([]float64, b*hid), make([]float64, b*hid), nil, make([]float64, b*g4)}
					if withTC {
						s.tc = make([]float64, b*hid)
					}
					LSTMStep(s.h, s.c, s.tc, s.gates, gx, hPrev, cPrev, whh, b, hid)
					return s
				}
				got := run()
				var want state
				withGo(t, func() { want = run() })
				what := fmt.Sprintf("b=%d hid=%d tc=%v", b, hid, withTC)
				sameBits(t, what+" h", got.h, want.h)
				sameBits(t, what+" c", got.c, want.c)
				sameBits(t, what+" gates", got.gates, want.gates)
				if withTC {
					sameBits(t, what+" tc", got.tc, want.tc)
				}
				// The new state may overwrite the old one in place.
				inPlace := func() state {
					s := state{append([]float64(nil), hPrev...), append([]float64(nil), cPrev...), nil, make([]float64, b*g4)}
					LSTMStep(s.h, s.c, nil, s.gates, gx, s.h, s.c, whh, b, hid)
					return s
				}
				gotIn := inPlace()
				sameBits(t, what+" h in place", gotIn.h, want.h)
				sameBits(t, what+" c in place", gotIn.c, want.c)
			}
		}
	}
}

func BenchmarkLSTMStep16(b *testing.B) {
	benchLevels(b, func(b *testing.B) {
		const hid = 16
		h, c, hp, cp := make([]float64, hid), make([]float64, hid), make([]float64, hid), make([]float64, hid)
		gates, gx, whh := make([]float64, 4*hid), make([]float64, 4*hid), make([]float64, hid*4*hid)
		for i := range whh {
			whh[i] = float64(i%7) * 0.01
		}
		b.ReportAllocs()
		for b.Loop() {
			LSTMStep(h, c, nil, gates, gx, hp, cp, whh, 1, hid)
			h, hp = hp, h
			c, cp = cp, c
		}
	})
}

func TestGLUVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			withLevel(l, func() {
				rng := rand.New(rand.NewPCG(9, 10))
				for _, n := range []int{0, 1, 2, 3, 31} {
					for _, d := range []int{1, 3, 4, 5, 7, 8, 11, 12, 16, 24} {
						// The gate half mixes the sigmoid's edge cases with ordinary values.
						x := activationInputs(rng, 2*n*d)
						got, want := make([]float64, n*d), make([]float64, n*d)
						GLUForward(got, x, n, d)
						withGo(t, func() { GLUForward(want, x, n, d) })
						sameBits(t, fmt.Sprintf("GLUForward n=%d d=%d", n, d), got, want)
					}
				}
			})
		})
	}
}

func BenchmarkGLUForward31x16(b *testing.B) {
	benchLevels(b, func(b *testing.B) {
		x, y := make([]float64, 31*32), make([]float64, 31*16)
		b.ReportAllocs()
		for b.Loop() {
			GLUForward(y, x, 31, 16)
		}
	})
}

func BenchmarkLayerNormForward31x16(b *testing.B) {
	benchLevels(b, func(b *testing.B) {
		x, g, be := make([]float64, 31*16), make([]float64, 16), make([]float64, 16)
		for i := range x {
			x[i] = float64(i%13) * 0.1
		}
		b.ReportAllocs()
		for b.Loop() {
			LayerNormForward(x, nil, x, g, be, 31, 16, 1)
		}
	})
}

func TestExpSliceMatchesExp(t *testing.T) {
	for _, l := range allLevels(t) {
		t.Run(l.name, func(t *testing.T) { withLevel(l, func() { testExpSliceMatchesExp(t) }) })
	}
}

func testExpSliceMatchesExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 12, 13, 31, 124, 1003} {
		for range 20 {
			// Edge cases (±700 and just inside, beyond, NaN, ±Inf,
			// subnormals, signed zeros) mixed with ordinary exponents,
			// or (one time in two) softmax-like ones only.
			x := activationInputs(rng, n)
			if rng.IntN(2) == 0 {
				for i := range x {
					x[i] = -rng.ExpFloat64() * 8
				}
			}
			for i := range x {
				if rng.IntN(50) == 0 {
					x[i] = []float64{math.Nextafter(700, 0), math.Nextafter(-700, 0), 699.9, -699.9, 709, -745}[rng.IntN(6)]
				}
			}
			want := make([]float64, n)
			for i, v := range x {
				want[i] = Exp(v)
			}
			got := make([]float64, n)
			ExpSlice(got, x)
			sameBits(t, fmt.Sprintf("ExpSlice n=%d", n), got, want)
			ExpSlice(x, x)
			sameBits(t, fmt.Sprintf("ExpSlice in place n=%d", n), x, want)
		}
	}
}

func BenchmarkExpSlice124(b *testing.B) {
	benchLevels(b, func(b *testing.B) {
		x, y := make([]float64, 124), make([]float64, 124)
		for i := range x {
			x[i] = -float64(i%31) * 0.3
		}
		b.ReportAllocs()
		for b.Loop() {
			ExpSlice(y, x)
		}
	})
}
