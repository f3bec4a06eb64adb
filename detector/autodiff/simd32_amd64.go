//go:build amd64 && !purego

package autodiff

import "math"

// vecConsts32 holds the constants of the float32 kernels of
// simd32_amd64.s, eight copies each (one 32-byte operand per constant), in
// the order of the C32_* offsets there.
//
//lint:ignore U1000 read only by the assembly.
var vecConsts32 = func() (c [16][8]float32) {
	for i, v := range [...]float32{
		exp32Log2e, exp32Shift, exp32Ln2Hi, exp32Ln2Lo,
		exp32P0, exp32P1, exp32P2, exp32P3, exp32P4, exp32P5,
		1, 2, -2, exp32Lo, exp32Hi, math.Float32frombits(1 << 31),
	} {
		c[i] = [8]float32{v, v, v, v, v, v, v, v}
	}
	return c
}()

// The float32 AVX2 kernels. Each does the operations of its Go loop in
// kernels32.go in the same order (VMULPS and VADDPS, never fused), eight
// values at a time, so the results are the same bits. The Go wrappers
// check every bound first.

//go:noescape
func exp32AVX2(y, x []float32)

//go:noescape
func sigmoid32AVX2(y, x []float32)

//go:noescape
func tanh32AVX2(y, x []float32)

//go:noescape
func elu32AVX2(y, x []float32)

//go:noescape
func lstmGates32AVX2(gates, gx, hPrev, whh []float32, hid int)

//go:noescape
func lstmState32AVX2(h, c, gates, cPrev []float32, b, hid int)

//go:noescape
func matMulAcc32AVX2(y []float32, ys int, x []float32, xs int, w []float32, n, in, out, cols int)

//go:noescape
func glu32AVX2(y, x []float32, n, d int)

//go:noescape
func layerNorm32AVX2(y, x, g, b []float32, n, d int, inv float32)

// layerNormEps32 is LayerNormEps in float32, for layerNorm32AVX2.
//
//lint:ignore U1000 read only by the assembly.
var layerNormEps32 float32 = LayerNormEps
