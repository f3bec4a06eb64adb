package autodiff

import "math"

// Exp is eˣ to within a few units in the last place, about twice as fast as
// math.Exp in the kernels' loops. Method: x = (k/64)·ln2 + r with
// |r| ≤ ln2/128, so eˣ = 2^⌊k/64⌋ · 2^((k mod 64)/64) · eʳ. The middle
// factor comes from a table, the first goes straight into the exponent
// bits, and eʳ − 1 is a degree-5 Taylor polynomial (see expCore). ln2/64 is split in two (Cody–Waite, fdlibm's
// constants) so the reduction loses nothing. Outside ±700 (and for NaN)
// it defers to math.Exp.
func Exp(x float64) float64 {
	if !(x > -700 && x < 700) {
		return math.Exp(x)
	}
	return expCore(x)
}

// Expm1 is eˣ − 1 for x ≤ 0, as ELU computes it: the Taylor series near 0
// (full relative precision), Exp(x) − 1 beyond.
func Expm1(x float64) float64 {
	switch {
	case x > 0 || !(x >= -700):
		return math.Expm1(x)
	case x > eluSmall:
		return expm1Taylor(x)
	}
	return expCore(x) - 1
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

// expCore is Exp's body for x already known to lie in [−700, 700]. It is
// branch-free and small enough for the compiler to inline into the slice
// loops below. k = round(x·64/ln2) comes from the shifter trick: adding
// 1.5·2⁵² rounds to an integer held in the low mantissa bits. Since
// |r| ≤ ln2/128, the degree-5 Taylor polynomial for eʳ − 1 errs by less
// than r⁶/720 < 4e-17.
func expCore(x float64) float64 {
	return expScale(expParts(x))
}

// expParts and expScale are expCore in two halves, each cheap enough for
// the compiler to inline (expCore itself is not): eˣ = 2^(ki/64)·(1 + p).
func expParts(x float64) (kf, p float64) {
	kf = float64(x*expInvLn2N) + expShifter
	k := kf - expShifter
	r := (x - float64(k*expLn2NHi)) - float64(k*expLn2NLo)
	q := 1.0/24 + float64(r*(1.0/120))
	q = 1.0/6 + float64(r*q)
	q = 1.0/2 + float64(r*q)
	return kf, r * (1 + float64(r*q))
}

func expScale(kf, p float64) float64 {
	ki := int64(math.Float64bits(kf)) - expShifterBits
	s := math.Float64frombits(math.Float64bits(expTable[ki&(expN-1)]) + uint64(ki>>expShift)<<52)
	return s + mul(s, p)
}

const (
	expShifter     = 0x1.8p52
	expShifterBits = 0x4338000000000000 // math.Float64bits(expShifter)
)

// Below these the tanh and ELU kernels switch to their Taylor series.
const (
	tanhSmall = 0.0054  // |x| below it: tanh's series
	eluSmall  = -0.0108 // x above it (and ≤ 0): eˣ − 1's series
)

// expm1Taylor is eᵗ − 1 for |t| < 0.0108 (degree 7; error < 1e-19 there).
func expm1Taylor(t float64) float64 {
	q := 1.0/720 + float64(t*(1.0/5040))
	q = 1.0/120 + float64(t*q)
	q = 1.0/24 + float64(t*q)
	q = 1.0/6 + float64(t*q)
	q = 1.0/2 + float64(t*q)
	return t * (1 + float64(t*q))
}

// vectorHead runs a vector kernel over the longest prefix of x whose
// length is a multiple of four (when the build and processor have AVX2):
// k8, the AVX-512 kernel, over the longest multiple of eight when the
// processor has AVX-512, then k4, the AVX2 kernel, over the longest
// multiple of four of what remains. It returns the rest of y and x for the
// Go loop.
func vectorHead(y, x []float64, k8, k4 func(y, x []float64)) ([]float64, []float64) {
	if !useAVX2 || len(x) < 4 {
		return y, x
	}
	if useAVX512 && len(x) >= 8 {
		k := len(x) &^ 7
		k8(y[:k], x[:k])
		y, x = y[k:], x[k:]
	}
	if k := len(x) &^ 3; k > 0 {
		k4(y[:k], x[:k])
		y, x = y[k:], x[k:]
	}
	return y, x
}

// mul is a·b rounded to float64 on its own: the explicit conversion keeps
// the compiler from fusing it into a neighbouring add (it would with
// GOAMD64=v3), so these kernels give the same bits on every amd64 level
// and match the AVX2 kernels, which never fuse.
func mul(a, b float64) float64 { return float64(a * b) }

// sel returns a where mask is all ones and b where it is zero (a
// branch-free select: the kernels' signs are data-dependent and
// unpredictable).
func sel(mask uint64, a, b float64) float64 {
	return math.Float64frombits(math.Float64bits(a)&mask | math.Float64bits(b)&^mask)
}

// negMask is all ones when x is negative (sign bit set), else zero.
func negMask(x float64) uint64 { return uint64(int64(math.Float64bits(x)) >> 63) }

// SigmoidSlice sets y[i] = σ(x[i]) = 1/(1 + e^−x) (same values as
// Sigmoid); y may be x. The exponent is clamped to ±700, so e^−x never
// overflows and a large negative x still gives its tiny σ to full
// relative precision.
func SigmoidSlice(y, x []float64) {
	y = y[:len(x)]
	y, x = vectorHead(y, x, sigmoidAVX512, sigmoidAVX2)
	for i, v := range x {
		t := -v
		if t > 700 {
			t = 700
		} else if t < -700 {
			t = -700
		}
		y[i] = 1 / (1 + expScale(expParts(t)))
	}
}

// TanhSlice sets y[i] = tanh(x[i]) = 2/(1 + e^−2x) − 1, the exponent
// clamped to ±700. Near 0, where that form would lose relative precision
// (|x| < 0.0054, rare, so the branch is well predicted), it uses the
// Taylor series x − x³/3 + 2x⁵/15 − 17x⁷/315 (error below 1e-22). y may be
// x.
func TanhSlice(y, x []float64) {
	y = y[:len(x)]
	y, x = vectorHead(y, x, tanhAVX512, tanhAVX2)
	for i, v := range x {
		if math.Abs(v) < tanhSmall {
			v2 := v * v
			q := 2.0/15 + mul(v2, -17.0/315)
			q = -1.0/3 + mul(v2, q)
			y[i] = v * (1 + mul(v2, q))
			continue
		}
		t := -2 * v
		if t > 700 {
			t = 700
		} else if t < -700 {
			t = -700
		}
		y[i] = 2/(1+expScale(expParts(t))) - 1
	}
}

// ExpSlice sets y[i] = Exp(x[i]), the same bits as Exp; y may be x. With
// AVX2 the blocks of four values that all lie in (−700, 700) run four at
// a time (expAVX2, Exp's own operations); the others, and the last
// len(x)%4 values, go through Exp one by one.
func ExpSlice(y, x []float64) {
	y = y[:len(x)]
	for useAVX2 && len(x) >= 4 {
		k := expAVX2(y, x)
		y, x = y[k:], x[k:]
		if len(x) < 4 {
			break
		}
		// x[:4] holds a value the kernel leaves to Exp.
		for i, v := range x[:4] {
			y[i] = Exp(v)
		}
		y, x = y[4:], x[4:]
	}
	for i, v := range x {
		y[i] = Exp(v)
	}
}
