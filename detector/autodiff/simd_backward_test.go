package autodiff

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// backwardValues fills n values of mixed magnitudes (so that summing in
// another order changes the rounding) with a few exact zeros.
func backwardValues(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		switch rng.IntN(8) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = rng.NormFloat64() * 1e6
		case 2:
			v[i] = rng.NormFloat64() * 1e-6
		default:
			v[i] = rng.NormFloat64()
		}
	}
	return v
}

func TestBackwardKernelsVectorMatchGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) { withLevel(l, func() { testBackwardKernelsMatchGo(t) }) })
	}
}

// testBackwardKernelsMatchGo compares matTMulAcc (dW += xᵀ·dy) and
// matMulTAcc (dx += dy·Wᵀ) bit for bit with the Go loops for every n, in
// and out from 1 to 19 (so every tail of the row pairs and quadruples and
// of the 4-, 8- and 16-column blocks), rows wider than their width, and
// checks that the padding between rows is left alone.
func testBackwardKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 19; n++ {
		for in := 1; in <= 19; in++ {
			for out := 1; out <= 19; out++ {
				xs, ys := in+rng.IntN(3), out+rng.IntN(3)
				x, dy, w := backwardValues(rng, n*xs), backwardValues(rng, n*ys), backwardValues(rng, in*out)
				dw0, dx0 := backwardValues(rng, in*out), backwardValues(rng, n*xs)
				what := fmt.Sprintf("n=%d in=%d out=%d xs=%d ys=%d", n, in, out, xs, ys)

				got, want := append([]float64(nil), dw0...), append([]float64(nil), dw0...)
				matTMulAcc(got, x, xs, dy, ys, n, in, out)
				withGo(t, func() { matTMulAcc(want, x, xs, dy, ys, n, in, out) })
				sameBits(t, "matTMulAcc "+what, got, want)

				got, want = append([]float64(nil), dx0...), append([]float64(nil), dx0...)
				matMulTAcc(got, xs, dy, ys, w, n, in, out)
				withGo(t, func() { matMulTAcc(want, xs, dy, ys, w, n, in, out) })
				sameBits(t, "matMulTAcc "+what, got, want)
				for r := range n {
					for k := in; k < xs; k++ {
						if got[r*xs+k] != dx0[r*xs+k] {
							t.Fatalf("matMulTAcc %s: padding dx[%d][%d] written", what, r, k)
						}
					}
				}
			}
		}
	}
}

// TestLinearBackwardVectorMatchesGo runs the grouped layer's backward pass
// (the shapes of the TFT's gated residual networks and LSTM) both ways.
func TestLinearBackwardVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			withLevel(l, func() {
				rng := rand.New(rand.NewPCG(7, 8))
				for _, s := range []struct{ n, in, out, groups int }{
					{31, 16, 16, 1}, {31, 16, 64, 1}, {8, 16, 64, 1}, {31, 8, 16, 3}, {30, 16, 32, 2}, {1, 16, 16, 1}, {5, 7, 9, 2},
				} {
					in, out := s.groups*s.in, s.groups*s.out
					x, dy, w := backwardValues(rng, s.n*in), backwardValues(rng, s.n*out), backwardValues(rng, s.groups*s.in*s.out)
					dx0, dw0, db0 := backwardValues(rng, s.n*in), backwardValues(rng, len(w)), backwardValues(rng, out)
					dx, dw, db := append([]float64(nil), dx0...), append([]float64(nil), dw0...), append([]float64(nil), db0...)
					LinearBackward(dx, dw, db, dy, x, w, s.n, s.in, s.out, s.groups)
					wx, ww, wb := append([]float64(nil), dx0...), append([]float64(nil), dw0...), append([]float64(nil), db0...)
					withGo(t, func() { LinearBackward(wx, ww, wb, dy, x, w, s.n, s.in, s.out, s.groups) })
					what := fmt.Sprintf("%+v", s)
					sameBits(t, "dx "+what, dx, wx)
					sameBits(t, "dW "+what, dw, ww)
					sameBits(t, "db "+what, db, wb)
				}
			})
		})
	}
}

func TestBackwardKernelsShortSlicesPanic(t *testing.T) {
	for _, l := range allLevels(t) {
		withLevel(l, func() {
			for name, f := range map[string]func(){
				"matTMulAcc dW": func() { matTMulAcc(make([]float64, 4*8-1), make([]float64, 8), 4, make([]float64, 16), 8, 2, 4, 8) },
				"matTMulAcc dy": func() { matTMulAcc(make([]float64, 4*8), make([]float64, 8), 4, make([]float64, 15), 8, 2, 4, 8) },
				"matMulTAcc dx": func() { matMulTAcc(make([]float64, 7), 4, make([]float64, 16), 8, make([]float64, 4*8), 2, 4, 8) },
				"matMulTAcc W":  func() { matMulTAcc(make([]float64, 8), 4, make([]float64, 16), 8, make([]float64, 4*8-1), 2, 4, 8) },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s: %s one value short did not panic", l.name, name)
						}
					}()
					f()
				}()
			}
		})
	}
}

func BenchmarkLinearBackward31x16x64(b *testing.B) {
	benchLevels(b, func(b *testing.B) {
		n, in, out := 31, 16, 64
		x, dy, w := make([]float64, n*in), make([]float64, n*out), make([]float64, in*out)
		dx, dw, db := make([]float64, n*in), make([]float64, in*out), make([]float64, out)
		b.ReportAllocs()
		for b.Loop() {
			LinearBackward(dx, dw, db, dy, x, w, n, in, out, 1)
		}
	})
}

func TestAddToVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			withLevel(l, func() {
				rng := rand.New(rand.NewPCG(9, 10))
				for n := range 20 {
					dst, src := activationInputs(rng, n), activationInputs(rng, n+rng.IntN(3))
					got, want := append([]float64(nil), dst...), append([]float64(nil), dst...)
					addTo(got, src)
					withGo(t, func() { addTo(want, src) })
					sameBits(t, fmt.Sprintf("addTo n=%d", n), got, want)
				}
			})
		})
	}
}

func TestGLUBackwardVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			withLevel(l, func() {
				rng := rand.New(rand.NewPCG(13, 14))
				for _, n := range []int{1, 2, 5} {
					for d := 1; d <= 19; d++ {
						x, dy := activationInputs(rng, 2*n*d), activationInputs(rng, n*d)
						s := make([]float64, n*d)
						for r := range n {
							SigmoidSlice(s[r*d:r*d+d], x[2*r*d+d:2*r*d+2*d])
						}
						dx0 := backwardValues(rng, 2*n*d)
						for _, saved := range [][]float64{s, nil} {
							got, want := append([]float64(nil), dx0...), append([]float64(nil), dx0...)
							GLUBackward(got, dy, x, saved, n, d)
							withGo(t, func() { GLUBackward(want, dy, x, saved, n, d) })
							sameBits(t, fmt.Sprintf("GLUBackward n=%d d=%d saved=%v", n, d, saved != nil), got, want)
						}
					}
				}
			})
		})
	}
}

// TestLSTMBackwardVectorMatchesGo runs an LSTM's backward pass (which
// transposes whh once for all steps) both ways.
func TestLSTMBackwardVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(15, 16))
			for _, s := range []struct{ T, B, H int }{{5, 8, 16}, {3, 2, 4}, {4, 3, 5}, {2, 1, 8}} {
				gx, h0, c0 := backwardValues(rng, s.T*s.B*4*s.H), backwardValues(rng, s.B*s.H), backwardValues(rng, s.B*s.H)
				whh, seed := backwardValues(rng, s.H*4*s.H), backwardValues(rng, s.T*s.B*s.H)
				for i := range gx {
					gx[i] *= 1e-6 // keep the gates away from saturation
				}
				run := func() [][]float64 {
					tp := NewTape()
					vars := []Tensor{tp.Variable(s.T*s.B, 4*s.H), tp.Variable(s.B, s.H), tp.Variable(s.B, s.H), tp.Variable(s.H, 4*s.H)}
					for i, v := range [][]float64{gx, h0, c0, whh} {
						copy(tp.Value(vars[i]), v)
					}
					hs, _ := tp.LSTM(vars[0], vars[1], vars[2], vars[3])
					tp.BackwardFrom(hs, seed)
					var g [][]float64
					for _, v := range vars {
						g = append(g, append([]float64(nil), tp.Grad(v)...))
					}
					return g
				}
				var got, want [][]float64
				withLevel(l, func() { got = run() })
				withGo(t, func() { want = run() })
				for i, name := range []string{"gx", "h0", "c0", "whh"} {
					sameBits(t, fmt.Sprintf("LSTM %+v d%s", s, name), got[i], want[i])
				}
			}
		})
	}
}

func TestELUBackwardVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			withLevel(l, func() {
				rng := rand.New(rand.NewPCG(17, 18))
				for n := range 20 {
					x, dy, dx0 := activationInputs(rng, n), activationInputs(rng, n), backwardValues(rng, n)
					y := make([]float64, n)
					ELUForward(y, x)
					got, want := append([]float64(nil), dx0...), append([]float64(nil), dx0...)
					ELUBackward(got, dy, x, y)
					withGo(t, func() { ELUBackward(want, dy, x, y) })
					sameBits(t, fmt.Sprintf("ELUBackward n=%d", n), got, want)
				}
			})
		})
	}
}

// TestBackwardKernelsWideVectorMatchGo compares matTMulAcc and matMulTAcc
// with the Go loops at the widths the TFT uses and beyond (several 16-lane
// blocks of k, 8- and 4-lane tails, the four-row and single-row passes of
// the AVX-512 kernel), bit for bit.
func TestBackwardKernelsWideVectorMatchGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			withLevel(l, func() {
				rng := rand.New(rand.NewPCG(19, 20))
				widths := []int{16, 20, 24, 28, 32, 36, 44, 64}
				for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 31} {
					for _, in := range widths {
						for _, out := range widths {
							xs, ys := in+rng.IntN(3), out+rng.IntN(3)
							x, dy, w := backwardValues(rng, n*xs), backwardValues(rng, n*ys), backwardValues(rng, in*out)
							dw0, dx0 := backwardValues(rng, in*out), backwardValues(rng, n*xs)
							what := fmt.Sprintf("n=%d in=%d out=%d xs=%d ys=%d", n, in, out, xs, ys)
							got, want := append([]float64(nil), dw0...), append([]float64(nil), dw0...)
							matTMulAcc(got, x, xs, dy, ys, n, in, out)
							withGo(t, func() { matTMulAcc(want, x, xs, dy, ys, n, in, out) })
							sameBits(t, "matTMulAcc "+what, got, want)
							got, want = append([]float64(nil), dx0...), append([]float64(nil), dx0...)
							matMulTAcc(got, xs, dy, ys, w, n, in, out)
							withGo(t, func() { matMulTAcc(want, xs, dy, ys, w, n, in, out) })
							sameBits(t, "matMulTAcc "+what, got, want)
						}
					}
				}
			})
		})
	}
}

// TestLSTMGateGradsVectorMatchGo compares one backward step of the LSTM's
// gates with the Go loop bit for bit, saturated gates and zeros included.
func TestLSTMGateGradsVectorMatchGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			withLevel(l, func() {
				rng := rand.New(rand.NewPCG(23, 24))
				for _, b := range []int{1, 2, 3, 8} {
					for _, hid := range []int{1, 4, 8, 16, 24} {
						n := b * hid
						g := make([]float64, 4*n)
						for i := range g {
							switch rng.IntN(6) {
							case 0:
								g[i] = 0
							case 1:
								g[i] = 1
							default:
								g[i] = rng.Float64()
							}
						}
						tc, dh, dc, cp := backwardValues(rng, n), backwardValues(rng, n), backwardValues(rng, n), backwardValues(rng, n)
						dhn0, dcn0 := backwardValues(rng, n), backwardValues(rng, n)
						run := func() (dg, dcn []float64) {
							dg, dcn = make([]float64, 4*n), append([]float64(nil), dcn0...)
							lstmGateGrads(dg, dcn, dhn0, g, tc, dh, dc, cp, b, hid)
							return dg, dcn
						}
						dg, dcn := run()
						var wg, wc []float64
						withGo(t, func() { wg, wc = run() })
						what := fmt.Sprintf("b=%d hid=%d", b, hid)
						sameBits(t, "lstmGateGrads dg "+what, dg, wg)
						sameBits(t, "lstmGateGrads dcn "+what, dcn, wc)
					}
				}
			})
		})
	}
}

// TestAddRowsVectorMatchesGo compares the row sum of bias gradients with
// the Go loop (a row at a time) bit for bit, with strides wider than the
// rows.
func TestAddRowsVectorMatchesGo(t *testing.T) {
	for _, l := range vectorLevels(t) {
		t.Run(l.name, func(t *testing.T) {
			withLevel(l, func() {
				rng := rand.New(rand.NewPCG(25, 26))
				for _, n := range []int{1, 2, 5, 31} {
					for d := 1; d <= 19; d++ {
						xs := d + rng.IntN(3)
						x, dst0 := backwardValues(rng, n*xs), backwardValues(rng, d)
						got, want := append([]float64(nil), dst0...), append([]float64(nil), dst0...)
						addRows(got, x, xs, n)
						withGo(t, func() {
							for r := range n {
								addTo(want, x[r*xs:r*xs+d])
							}
						})
						sameBits(t, fmt.Sprintf("addRows n=%d d=%d xs=%d", n, d, xs), got, want)
					}
				}
			})
		})
	}
}
