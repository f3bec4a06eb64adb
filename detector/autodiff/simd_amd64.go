//go:build amd64 && !purego

package autodiff

import (
	"math"

	"golang.org/x/sys/cpu"
)

// useAVX2 routes the hot kernels (MatMulAcc, MatVecAcc, SigmoidSlice,
// TanhSlice, ELUForward, and the backward matTMulAcc and matMulTAcc) to
// their AVX2 versions in simd_amd64.s. Those do the very same IEEE
// operations in the very same order as the Go loops, four columns at a
// time (multiplies and adds, never fused), so results are bit-identical
// with and without them; the tests compare both paths.
var useAVX2 = cpu.X86.HasAVX2

// useAVX512 routes the kernels, forward and backward, where the data allow
// eight columns at a time, to their AVX-512 versions in simd512_amd64.s (same operations in
// the same order, so the same bits again). They need only AVX512F; the
// flag is false when the processor or the operating system lacks it.
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F

// vecConsts holds the constants of the vector kernels, four copies each
// (one 32-byte AVX2 operand per constant; the AVX-512 kernels broadcast the
// first), in the order of the C_* offsets in simd_amd64.h.
//
//lint:ignore U1000 read only by the assembly.
var vecConsts = func() (c [25][4]float64) {
	bits := math.Float64frombits
	for i, v := range [...]float64{
		expInvLn2N, expShifter, expLn2NHi, expLn2NLo,
		1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
		700, -700,
		bits(0xfff0000000000000), bits(expN - 1), bits(1 << 63), bits(1<<63 - 1),
		tanhSmall, -2, 2, -1.0 / 3, 2.0 / 15, -17.0 / 315,
		eluSmall, -1,
	} {
		c[i] = [4]float64{v, v, v, v}
	}
	return c
}()

// The AVX2 kernels. The Go wrappers check every bound first.

//go:noescape
func matMulAccAVX2(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int)

//go:noescape
func matTMulAccAVX2(dw, x []float64, xs int, dy []float64, ys int, n, in, out, cols int)

//go:noescape
func matMulTAccAVX2(dx []float64, xs int, dy []float64, ys int, wt []float64, n, in, out, cols int)

//go:noescape
func addAVX2(y, x []float64)

//go:noescape
func gluBackwardAVX2(da, db, g, a, s []float64)

//go:noescape
func eluBackwardAVX2(dx, dy, x, y []float64)

//go:noescape
func sigmoidAVX2(y, x []float64)

//go:noescape
func tanhAVX2(y, x []float64)

//go:noescape
func eluAVX2(y, x []float64)

// The AVX-512 kernels: the AVX2 kernels eight columns at a time.

//go:noescape
func matMulAccAVX512(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int)

//go:noescape
func sigmoidAVX512(y, x []float64)

//go:noescape
func tanhAVX512(y, x []float64)

//go:noescape
func eluAVX512(y, x []float64)

//go:noescape
func matTMulAccAVX512(dw, x []float64, xs int, dy []float64, ys int, n, in, out, cols int)

//go:noescape
func matMulTAccAVX512(dx []float64, xs int, dy []float64, ys int, wt []float64, n, in, out, cols int)

//go:noescape
func addAVX512(y, x []float64)

//go:noescape
func gluBackwardAVX512(da, db, g, a, s []float64)

//go:noescape
func eluBackwardAVX512(dx, dy, x, y []float64)

//go:noescape
func addRowsAVX512(y, x []float64, xs, n int)

//go:noescape
func lstmGateGradsAVX512(dg, dcn, dhn, g, tc, dh, dc, cp []float64, b, hid int)

//go:noescape
func lstmStepAVX512(h, c, tc, gates, gx, hPrev, cPrev, whh []float64, hid int)

//go:noescape
func gluAVX512(y, x []float64, n, d int)

//go:noescape
func layerNormRowAVX512(y, x, g, b []float64, mu, rs float64)
