//go:build !amd64 || purego

package autodiff

func exp32AVX2(y, x []float32)     { panic("autodiff: no AVX2 kernels in this build") }
func sigmoid32AVX2(y, x []float32) { panic("autodiff: no AVX2 kernels in this build") }
func tanh32AVX2(y, x []float32)    { panic("autodiff: no AVX2 kernels in this build") }
func elu32AVX2(y, x []float32)     { panic("autodiff: no AVX2 kernels in this build") }

func lstmGates32AVX2(gates, gx, hPrev, whh []float32, hid int) {
	panic("autodiff: no AVX2 kernels in this build")
}

func lstmState32AVX2(h, c, gates, cPrev []float32, b, hid int) {
	panic("autodiff: no AVX2 kernels in this build")
}

func matMulAcc32AVX2(y []float32, ys int, x []float32, xs int, w []float32, n, in, out, cols int) {
	panic("autodiff: no AVX2 kernels in this build")
}

func glu32AVX2(y, x []float32, n, d int) { panic("autodiff: no AVX2 kernels in this build") }

func layerNorm32AVX2(y, x, g, b []float32, n, d int, inv float32) {
	panic("autodiff: no AVX2 kernels in this build")
}
