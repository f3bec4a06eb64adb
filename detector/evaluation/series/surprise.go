package series

import "math"

// surpriseHalf is the surprise, in decades of probability, that maps to a
// score of 0.5: p = 1e-5, the alert level of Numenta's anomaly likelihood.
const surpriseHalf = 5

// Surprise maps a tail probability p to a score in [0, 1):
// L/(L+5) with L = −log10 p, so p = 1e-5 scores 0.5, p = 1e-10 about 0.67,
// and the score keeps rising (it does not round to 1) for p far below what
// float64 can hold; logp is ln p, which callers compute without underflow.
func Surprise(logp float64) float64 {
	l := -logp / math.Ln10
	if !(l > 0) {
		return 0
	}
	return l / (l + surpriseHalf)
}

// LogUpperTail returns ln Q(z), the log of the standard normal upper tail
// probability, accurate far into the tail where Q underflows.
func LogUpperTail(z float64) float64 {
	if z < 30 {
		return math.Log(0.5 * math.Erfc(z/math.Sqrt2))
	}
	// Mills ratio: Q(z) ≈ φ(z)/z · (1 − 1/z² + 3/z⁴).
	return -z*z/2 - math.Log(z) - 0.5*math.Log(2*math.Pi) + math.Log1p(-1/(z*z)+3/(z*z*z*z))
}
