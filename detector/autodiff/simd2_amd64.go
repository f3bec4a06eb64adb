//go:build amd64 && !purego

package autodiff

// The fused AVX2 kernels of simd2_amd64.s, for processors without AVX-512
// (and for the shapes the AVX-512 kernels do not take). The Go wrappers
// check every bound first.

//go:noescape
func lstmStepAVX2(h, c, tc, gates, gx, hPrev, cPrev, whh []float64, hid int)

//go:noescape
func gluAVX2(y, x []float64, n, d int)

//go:noescape
func layerNormRowAVX2(y, x, g, b []float64, mu, rs float64)

//go:noescape
func expAVX2(y, x []float64) int
