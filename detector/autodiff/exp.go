package autodiff

import "math"

// Exp is eˣ to within a few units in the last place, about twice as fast as
// math.Exp in the kernels' loops. Method: x = (k/64)·ln2 + r with
// |r| ≤ ln2/128, so eˣ = 2^⌊k/64⌋ · 2^((k mod 64)/64) · eʳ. The middle
// factor comes from a table, the first goes straight into the exponent
// bits, and eʳ − 1 is a degree-6 Taylor polynomial (truncation error below
// 2e-18 on that interval). ln2/64 is split in two (Cody–Waite, fdlibm's
// constants) so the reduction loses nothing. Outside ±700 (and for NaN)
// it defers to math.Exp.
func Exp(x float64) float64 {
	if !(x > -700 && x < 700) {
		return math.Exp(x)
	}
	k := math.Round(x * expInvLn2N)
	ki := int64(k)
	r := (x - k*expLn2NHi) - k*expLn2NLo
	p := r * (1 + r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	t := expTable[ki&(expN-1)]
	s := math.Float64frombits(math.Float64bits(t) + uint64(ki>>expShift)<<52)
	return s + s*p
}

// Expm1 is eˣ − 1 for x ≤ 0 as ELU needs it: exact to a few ulp of the
// result for x < −1/64·ln2 and to a few ulp of 1 (absolute ≈ 1e-16) closer
// to 0, where it uses the Taylor polynomial directly.
func Expm1(x float64) float64 {
	if x > -0.0108 && x < 0.0108 {
		return x * (1 + x*(1.0/2+x*(1.0/6+x*(1.0/24+x*(1.0/120+x*(1.0/720+x*(1.0/5040)))))))
	}
	return Exp(x) - 1
}

const (
	expN       = 64
	expShift   = 6
	expInvLn2N = expN / math.Ln2
	// fdlibm's ln2 split (high part with 21 trailing zero bits), divided by
	// 64 (exact). k·expLn2NHi is exact for |k| < 2³¹.
	expLn2NHi = 6.93147180369123816490e-01 / expN
	expLn2NLo = 1.90821492927058770002e-10 / expN
)

var expTable = func() (t [expN]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / expN)
	}
	return t
}()
