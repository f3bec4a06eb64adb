//go:build !amd64 || purego

package autodiff

// useAVX2 is false where there are no AVX2 kernels: the Go loops run.
var useAVX2 = false

// useAVX512 is false likewise.
var useAVX512 = false

func matMulAccAVX2(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int) {
	panic("autodiff: no AVX2 kernels in this build")
}

func matTMulAccAVX2(dw, x []float64, xs int, dy []float64, ys int, n, in, out, cols int) {
	panic("autodiff: no AVX2 kernels in this build")
}

func matMulTAccAVX2(dx []float64, xs int, dy []float64, ys int, wt []float64, n, in, out, cols int) {
	panic("autodiff: no AVX2 kernels in this build")
}

func addAVX2(y, x []float64) { panic("autodiff: no AVX2 kernels in this build") }
func gluBackwardAVX2(da, db, g, a, s []float64) {
	panic("autodiff: no AVX2 kernels in this build")
}

func eluBackwardAVX2(dx, dy, x, y []float64) {
	panic("autodiff: no AVX2 kernels in this build")
}

func sigmoidAVX2(y, x []float64) { panic("autodiff: no AVX2 kernels in this build") }
func tanhAVX2(y, x []float64)    { panic("autodiff: no AVX2 kernels in this build") }
func eluAVX2(y, x []float64)     { panic("autodiff: no AVX2 kernels in this build") }

func matMulAccAVX512(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int) {
	panic("autodiff: no AVX-512 kernels in this build")
}

func sigmoidAVX512(y, x []float64) { panic("autodiff: no AVX-512 kernels in this build") }
func tanhAVX512(y, x []float64)    { panic("autodiff: no AVX-512 kernels in this build") }
func eluAVX512(y, x []float64)     { panic("autodiff: no AVX-512 kernels in this build") }

func matTMulAccAVX512(dw, x []float64, xs int, dy []float64, ys int, n, in, out, cols int) {
	panic("autodiff: no AVX-512 kernels in this build")
}

func matMulTAccAVX512(dx []float64, xs int, dy []float64, ys int, wt []float64, n, in, out, cols int) {
	panic("autodiff: no AVX-512 kernels in this build")
}

func addAVX512(y, x []float64) { panic("autodiff: no AVX-512 kernels in this build") }
func gluBackwardAVX512(da, db, g, a, s []float64) {
	panic("autodiff: no AVX-512 kernels in this build")
}

func eluBackwardAVX512(dx, dy, x, y []float64) {
	panic("autodiff: no AVX-512 kernels in this build")
}

func addRowsAVX512(y, x []float64, xs, n int) { panic("autodiff: no AVX-512 kernels in this build") }

func lstmGateGradsAVX512(dg, dcn, dhn, g, tc, dh, dc, cp []float64, b, hid int) {
	panic("autodiff: no AVX-512 kernels in this build")
}

func lstmStepAVX512(h, c, tc, gates, gx, hPrev, cPrev, whh []float64, hid int) {
	panic("autodiff: no AVX-512 kernels in this build")
}

func gluAVX512(y, x []float64, n, d int) { panic("autodiff: no AVX-512 kernels in this build") }

func layerNormRowAVX512(y, x, g, b []float64, mu, rs float64) {
	panic("autodiff: no AVX-512 kernels in this build")
}
