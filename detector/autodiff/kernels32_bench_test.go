package autodiff

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/internal/cputime"
)

// BenchmarkKernels32 runs each float32 kernel beside its float64 kernel
// at the TFT's sizes (H = 16: LSTM gates 4H = 64, GLU rows of 2H, layer
// norm width H, products out = 64, 32, 20, 16 and 4 from in = 16, 24
// rows; the variable selection's 11 and 7 variables: products out = 22
// and 14, GLU and layer norm widths 11 and 7), reporting the thread's CPU time per call (cpu-ns/op), which
// other processes on a busy machine do not inflate. Compare f64 against
// f32 within one run: go test -run - -bench Kernels32 -cpu 1 -count 7.
func BenchmarkKernels32(b *testing.B) {
	rng := rand.New(rand.NewPCG(32, 9))
	f64 := func(x []float32) []float64 {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = float64(v)
		}
		return y
	}
	type kernel struct {
		name  string
		run64 func()
		run32 func()
	}
	var ks []kernel
	{
		const hid = 16
		for _, nb := range []int{1, 8} {
			gx, hp, cp := randn32(rng, nb*4*hid, 2), randn32(rng, nb*hid, 1), randn32(rng, nb*hid, 1)
			whh := randn32(rng, hid*4*hid, 0.5)
			h, c, g := make([]float32, nb*hid), make([]float32, nb*hid), make([]float32, nb*4*hid)
			gx6, hp6, cp6, whh6 := f64(gx), f64(hp), f64(cp), f64(whh)
			h6, c6, g6 := make([]float64, nb*hid), make([]float64, nb*hid), make([]float64, nb*4*hid)
			ks = append(ks, kernel{name: fmt.Sprintf("LSTMStep-b%d-h16", nb),
				run64: func() { LSTMStep(h6, c6, nil, g6, gx6, hp6, cp6, whh6, nb, hid) },
				run32: func() { LSTMStep32(h, c, g, gx, hp, cp, whh, nb, hid) }})
		}
	}
	for _, n := range []int{16, 64, 384} {
		x := randn32(rng, n, 3)
		y := make([]float32, n)
		x6, y6 := f64(x), make([]float64, n)
		ks = append(ks,
			kernel{name: fmt.Sprintf("Sigmoid-%d", n), run64: func() { SigmoidSlice(y6, x6) }, run32: func() { SigmoidSlice32(y, x) }},
			kernel{name: fmt.Sprintf("Tanh-%d", n), run64: func() { TanhSlice(y6, x6) }, run32: func() { TanhSlice32(y, x) }},
			kernel{name: fmt.Sprintf("ELU-%d", n), run64: func() { ELUForward(y6, x6) }, run32: func() { ELUForward32(y, x) }},
			kernel{name: fmt.Sprintf("Exp-%d", n), run64: func() { ExpSlice(y6, x6) }, run32: func() { ExpSlice32(y, x) }})
	}
	for _, s := range [][3]int{{24, 16, 64}, {24, 16, 32}, {24, 16, 20}, {24, 16, 16}, {24, 16, 4}, {24, 16, 22}, {24, 16, 14}, {1, 16, 64}, {1, 16, 16}} {
		n, in, out := s[0], s[1], s[2]
		x, w, y := randn32(rng, n*in, 1), randn32(rng, in*out, 1), make([]float32, n*out)
		x6, w6, y6 := f64(x), f64(w), make([]float64, n*out)
		ks = append(ks, kernel{name: fmt.Sprintf("MatMulAcc-%dx%dx%d", n, in, out),
			run64: func() { MatMulAcc(y6, x6, w6, n, in, out) }, run32: func() { MatMulAcc32(y, x, w, n, in, out) }})
	}
	for _, d := range []int{16, 11, 7} {
		const n = 24
		x := randn32(rng, 2*n*d, 3)
		y := make([]float32, n*d)
		x6, y6 := f64(x), make([]float64, n*d)
		ks = append(ks, kernel{name: fmt.Sprintf("GLUForward-24x%d", d),
			run64: func() { GLUForward(y6, x6, n, d) }, run32: func() { GLUForward32(y, x, n, d) }})
		g, be := randn32(rng, d, 1), randn32(rng, d, 1)
		g6, be6 := f64(g), f64(be)
		ks = append(ks, kernel{name: fmt.Sprintf("LayerNorm-24x%d", d),
			run64: func() { LayerNormForward(y6, nil, x6[:n*d], g6, be6, n, d, 1) },
			run32: func() { LayerNormForward32(y, x[:n*d], g, be, n, d) }})
	}
	for _, k := range ks {
		for _, v := range []struct {
			name string
			f    func()
		}{{"f64", k.run64}, {"f32", k.run32}} {
			b.Run(k.name+"/"+v.name, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.ReportAllocs()
				c0 := cputime.Thread()
				for b.Loop() {
					v.f()
				}
				b.ReportMetric(float64(cputime.Thread()-c0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
