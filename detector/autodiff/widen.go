package autodiff

// Widen sets dst[i] = float64(src[i]) for every i < len(src) (exact: each
// float32 is a float64). With AVX2, four at a time.
func Widen(dst []float64, src []float32) {
	dst = dst[:len(src)]
	if k := len(src) &^ 3; useAVX2 && k > 0 {
		widenAVX2(dst[:k], src[:k])
		dst, src = dst[k:], src[k:]
	}
	for i, v := range src {
		dst[i] = float64(v)
	}
}
