package nab

import "math"

// ScaledSigmoid is NAB's weighting of a detection at relative position y:
// 2/(1+e^{5y}) − 1, about +0.987 at y = −1 (a window's first row), 0 at
// y = 0 (just past its last row) and −1 for y ≥ 3 (far after a window).
func ScaledSigmoid(y float64) float64 {
	if y >= 3 {
		return -1
	}
	return 2/(1+math.Exp(5*y)) - 1
}

// maxTP is σ(−1), the weight of a detection at a window's first row; true
// positives are divided by it so that such a detection is worth exactly A_TP.
var maxTP = ScaledSigmoid(-1)
