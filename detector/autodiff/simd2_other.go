//go:build !amd64 || purego

package autodiff

func lstmStepAVX2(h, c, tc, gates, gx, hPrev, cPrev, whh []float64, hid int) {
	panic("autodiff: no AVX2 kernels in this build")
}

func gluAVX2(y, x []float64, n, d int) { panic("autodiff: no AVX2 kernels in this build") }

func layerNormRowAVX2(y, x, g, b []float64, mu, rs float64) {
	panic("autodiff: no AVX2 kernels in this build")
}

func expAVX2(y, x []float64) int { panic("autodiff: no AVX2 kernels in this build") }
