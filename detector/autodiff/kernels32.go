package autodiff

import "math"

// The float32 kernels below serve the TFT's reduced-precision forward pass
// at fleet scale (package tft, compact streams): the same layers as the
// float64 kernels, forward only, on float32 slices, so a vector holds
// twice as many values. Each is written here in Go, the reference; a
// vector version, where there is one, must give the same bits (the AVX2
// kernels of simd32_amd64.s run eight values at a time; the last len%8
// go through a padded buffer, or the Go loop when there are very few).
// Products are rounded on their own (mul32) so that no build fuses them
// into a neighbouring add, and sums run in the order the Go loops give.

// minPadded32 is the fewest values for which the elementwise kernels run
// the vector kernel on a padded block of eight rather than the Go loop
// (one block costs about as much as three values in Go).
const minPadded32 = 3

// mul32 is a·b rounded to float32 on its own (see mul).
func mul32(a, b float32) float32 { return float32(a * b) }

// The float32 exponential: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite,
// ln2 split as Cephes's expf splits it), eʳ from Cephes's degree-5 minimax
// polynomial (within about one unit in the last place on that range), and
// 2ᵏ added straight into the exponent bits. The argument is clamped to
// [exp32Lo, exp32Hi], where every result is a normal float32.
const (
	exp32Lo      = -86
	exp32Hi      = 88
	exp32Log2e   = 1.44269504088896341
	exp32Ln2Hi   = 0.693359375
	exp32Ln2Lo   = -2.12194440e-4
	exp32Shift   = 0x1.8p23 // adding it rounds |v| < 2²² to an integer
	exp32ShiftBt = 0x4b400000
	exp32P0      = 1.9875691500e-4
	exp32P1      = 1.3981999507e-3
	exp32P2      = 8.3334519073e-3
	exp32P3      = 4.1665795894e-2
	exp32P4      = 1.6666665459e-1
	exp32P5      = 5.0000001201e-1
)

// clamp32 limits x to [lo, hi]; NaN stays NaN.
func clamp32(x, lo, hi float32) float32 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// exp32 is eˣ for x already clamped to [exp32Lo, exp32Hi] (NaN gives NaN).
func exp32(x float32) float32 {
	kf := float32(x*exp32Log2e) + exp32Shift
	k := kf - exp32Shift
	r := float32(x-mul32(k, exp32Ln2Hi)) - mul32(k, exp32Ln2Lo)
	r2 := mul32(r, r)
	p := mul32(exp32P0, r) + exp32P1
	p = mul32(p, r) + exp32P2
	p = mul32(p, r) + exp32P3
	p = mul32(p, r) + exp32P4
	p = mul32(p, r) + exp32P5
	e := float32(mul32(p, r2)+r) + 1
	ki := int32(math.Float32bits(kf)) - exp32ShiftBt
	return math.Float32frombits(math.Float32bits(e) + uint32(ki)<<23)
}

// Exp32 is eˣ in float32 as ExpSlice32 computes it: x is clamped to
// [−86, 88] first, so the result is never 0, subnormal or infinite.
func Exp32(x float32) float32 { return exp32(clamp32(x, exp32Lo, exp32Hi)) }

// ExpSlice32 sets y[i] = Exp32(x[i]); y may be x.
func ExpSlice32(y, x []float32) {
	y = y[:len(x)]
	if n := len(x) &^ 7; useAVX2 && n > 0 {
		exp32AVX2(y[:n], x[:n])
		y, x = y[n:], x[n:]
	}
	if useAVX2 && len(x) >= minPadded32 {
		var buf [8]float32
		copy(buf[:], x)
		exp32AVX2(buf[:], buf[:])
		copy(y, buf[:len(x)])
		return
	}
	for i, v := range x {
		y[i] = exp32(clamp32(v, exp32Lo, exp32Hi))
	}
}

// SigmoidSlice32 sets y[i] = 1/(1 + e^−x[i]), the exponent clamped as
// Exp32 clamps it; y may be x. The error is absolute, a few units of 1e-8.
func SigmoidSlice32(y, x []float32) {
	y = y[:len(x)]
	if n := len(x) &^ 7; useAVX2 && n > 0 {
		sigmoid32AVX2(y[:n], x[:n])
		y, x = y[n:], x[n:]
	}
	if useAVX2 && len(x) >= minPadded32 {
		var buf [8]float32
		copy(buf[:], x)
		sigmoid32AVX2(buf[:], buf[:])
		copy(y, buf[:len(x)])
		return
	}
	for i, v := range x {
		y[i] = 1 / (1 + exp32(clamp32(-v, exp32Lo, exp32Hi)))
	}
}

// TanhSlice32 sets y[i] = 2/(1 + e^−2x[i]) − 1, the exponent clamped as
// Exp32 clamps it; y may be x. Near 0 the error is absolute (about 1e-7),
// not relative: enough for activations, which is all it serves.
func TanhSlice32(y, x []float32) {
	y = y[:len(x)]
	if n := len(x) &^ 7; useAVX2 && n > 0 {
		tanh32AVX2(y[:n], x[:n])
		y, x = y[n:], x[n:]
	}
	if useAVX2 && len(x) >= minPadded32 {
		var buf [8]float32
		copy(buf[:], x)
		tanh32AVX2(buf[:], buf[:])
		copy(y, buf[:len(x)])
		return
	}
	for i, v := range x {
		y[i] = 2/(1+exp32(clamp32(-2*v, exp32Lo, exp32Hi))) - 1
	}
}

// ELUForward32 sets y = x for x > 0 and eˣ − 1 otherwise (α = 1); y may
// be x.
func ELUForward32(y, x []float32) {
	y = y[:len(x)]
	if n := len(x) &^ 7; useAVX2 && n > 0 {
		elu32AVX2(y[:n], x[:n])
		y, x = y[n:], x[n:]
	}
	if useAVX2 && len(x) >= minPadded32 {
		var buf [8]float32
		copy(buf[:], x)
		elu32AVX2(buf[:], buf[:])
		copy(y, buf[:len(x)])
		return
	}
	for i, v := range x {
		if v > 0 {
			y[i] = v
			continue
		}
		y[i] = exp32(clamp32(v, exp32Lo, exp32Hi)) - 1
	}
}

// MatMulAcc32 adds x·W to y for n rows: x is [n × in], W is [in × out], y
// is [n × out]. Each output sums its products in blocks of four inputs,
// y + (((x₀w₀ + x₁w₁) + x₂w₂) + x₃w₃), then one input at a time, so a
// row's result does not depend on the rows it runs with.
func MatMulAcc32(y, x, w []float32, n, in, out int) {
	MatMulAccStrided32(y, out, x, in, w, n, in, out)
}

// MatMulAccStrided32 is MatMulAcc32 over rows that are ys and xs apart in
// y and x (ys ≥ out, xs ≥ in).
func MatMulAccStrided32(y []float32, ys int, x []float32, xs int, w []float32, n, in, out int) {
	if n <= 0 {
		return
	}
	if ys < out || xs < in {
		panic("autodiff: MatMulAccStrided32 row stride shorter than its row")
	}
	if useAVX2 && out > 0 && in > 0 {
		_, _, _ = y[(n-1)*ys+out-1], x[(n-1)*xs+in-1], w[in*out-1]
		matMulAcc32AVX2(y, ys, x, xs, w, n, in, out, out)
		return
	}
	for r := range n {
		matVecAcc32(y[r*ys:r*ys+out], x[r*xs:r*xs+in], w, out)
	}
}

// MatVecAcc32 adds x·W to y, where x has length in and W is [in × len(y)],
// summing as MatMulAcc32 does.
func MatVecAcc32(y, x, w []float32) { MatMulAccStrided32(y, len(y), x, len(x), w, 1, len(x), len(y)) }

// matVecAcc32 adds x·W to y for the columns y stands for: W's rows are out
// long and w starts at y's first column.
func matVecAcc32(y, x, w []float32, out int) {
	in := len(x)
	k := 0
	for ; k+4 <= in; k += 4 {
		a0, a1, a2, a3 := x[k], x[k+1], x[k+2], x[k+3]
		w0 := w[k*out : k*out+len(y)]
		w1 := w[(k+1)*out : (k+1)*out+len(y)]
		w2 := w[(k+2)*out : (k+2)*out+len(y)]
		w3 := w[(k+3)*out : (k+3)*out+len(y)]
		for j := range y {
			y[j] += float32(float32(mul32(a0, w0[j])+mul32(a1, w1[j]))+mul32(a2, w2[j])) + mul32(a3, w3[j])
		}
	}
	for ; k < in; k++ {
		a := x[k]
		wk := w[k*out : k*out+len(y)]
		for j := range y {
			y[j] += mul32(a, wk[j])
		}
	}
}

// GLUForward32 computes y = a ⊙ σ(b) for n rows, each row of x being
// [a | b] of width 2d; y is [n × d] and must not overlap x.
func GLUForward32(y, x []float32, n, d int) {
	if useAVX2 && d > 0 && n > 0 {
		_, _ = y[n*d-1], x[2*n*d-1]
		if d >= 8 {
			glu32AVX2(y, x, n, d)
		}
		if j0 := d &^ 7; j0 < d {
			gluTails32(y, x, n, d, j0)
		}
		return
	}
	for r := range n {
		a := x[2*r*d : 2*r*d+d]
		yr := y[r*d : r*d+d]
		SigmoidSlice32(yr, x[2*r*d+d:2*r*d+2*d])
		a = a[:len(yr)]
		for j := range yr {
			yr[j] = mul32(yr[j], a[j])
		}
	}
}

// gluTails32 is GLUForward32 for the columns j0 ≤ j < d of each row (d −
// j0 < 8) with AVX2: the b halves of many rows' tails gathered into one
// buffer, so that their sigmoids run eight at a time.
func gluTails32(y, x []float32, n, d, j0 int) {
	t := d - j0
	var buf [64]float32
	per := len(buf) / t
	for r0 := 0; r0 < n; r0 += per {
		r1 := min(n, r0+per)
		k := 0
		for r := r0; r < r1; r++ {
			k += copy(buf[k:k+t], x[2*r*d+d+j0:2*r*d+2*d])
		}
		m := (k + 7) &^ 7
		clear(buf[k:m])
		sigmoid32AVX2(buf[:m], buf[:m])
		k = 0
		for r := r0; r < r1; r++ {
			a := x[2*r*d+j0 : 2*r*d+d]
			yr := y[r*d+j0 : r*d+d]
			for j := range yr {
				yr[j] = mul32(buf[k+j], a[j])
			}
			k += t
		}
	}
}

// LayerNormForward32 normalises each of the n rows of x (width d) and
// applies γ and β ([d] each): y = ((x − μ)·s)·γ + β with s = 1/√(σ² + ε),
// the mean and the variance each summed as sum32 sums (eight running sums
// for d ≥ 8, so that a vector kernel gives the same bits). y may be x.
func LayerNormForward32(y, x, gamma, beta []float32, n, d int) {
	inv := 1 / float32(d)
	gamma, beta = gamma[:d], beta[:d]
	if useAVX2 && d > 0 && n > 0 {
		_, _ = y[n*d-1], x[n*d-1]
		layerNorm32AVX2(y, x, gamma, beta, n, d, inv)
		return
	}
	for r := range n {
		xr := x[r*d : r*d+d]
		yr := y[r*d : r*d+d]
		mu := mul32(sum32(xr, 0, false), inv)
		vr := mul32(sum32(xr, mu, true), inv)
		rs := 1 / float32(math.Sqrt(float64(vr+LayerNormEps)))
		for j, v := range xr {
			yr[j] = mul32(mul32(v-mu, rs), gamma[j]) + beta[j]
		}
	}
}

// sum32 is Σⱼ x[j], or Σⱼ (x[j] − mu)² when sq, summed as an eight-wide
// vector sums: for len(x) ≥ 8, eight running sums s[l] over the terms of
// x[l], x[l+8], … for the first len(x)&^7 values, folded as ((s₀ + s₄) +
// (s₂ + s₆)) + ((s₁ + s₅) + (s₃ + s₇)), then the remaining terms one at a
// time; for len(x) < 8, left to right from 0.
func sum32(x []float32, mu float32, sq bool) float32 {
	term := func(v float32) float32 {
		if sq {
			return mul32(v-mu, v-mu)
		}
		return v
	}
	var s float32
	k := len(x) &^ 7
	if k > 0 {
		var l [8]float32
		for i := range l {
			l[i] = term(x[i])
		}
		for j := 8; j < k; j += 8 {
			for i := range l {
				l[i] += term(x[j+i])
			}
		}
		s = float32(float32(l[0]+l[4])+float32(l[2]+l[6])) + float32(float32(l[1]+l[5])+float32(l[3]+l[7]))
	}
	for _, v := range x[k:] {
		s += term(v)
	}
	return s
}

// LSTMStep32 is LSTMStep in float32 without the saved tanh(c): gx holds
// the input part of the gate pre-activations [b × 4h] (gate order input,
// forget, cell, output), hPrev and cPrev the previous state [b × h], whh
// is [h × 4h]. It writes the activated gates to gates [b × 4h] and the
// new state to h and c [b × h], which may be hPrev and cPrev themselves
// but must not overlap them otherwise. c = f·c₋ + i·g, h = tanh(c)·o.
func LSTMStep32(h, c, gates, gx, hPrev, cPrev, whh []float32, b, hid int) {
	g4 := 4 * hid
	if useAVX2 && hid > 0 && hid%8 == 0 && b > 0 {
		// The fused kernels: each row's gates (product and activations),
		// then every row's state, the same operations in the same order
		// as below (a row's product does not depend on the rows batched
		// with it).
		n := b * hid
		_, _, _, _ = h[n-1], c[n-1], hPrev[n-1], cPrev[n-1]
		_, _, _ = gates[b*g4-1], gx[b*g4-1], whh[hid*g4-1]
		for r := range b {
			lstmGates32AVX2(gates[r*g4:(r+1)*g4], gx[r*g4:(r+1)*g4], hPrev[r*hid:(r+1)*hid], whh, hid)
		}
		lstmState32AVX2(h, c, gates, cPrev, b, hid)
		return
	}
	copy(gates[:b*g4], gx[:b*g4])
	MatMulAcc32(gates, hPrev, whh, b, hid, g4)
	for r := range b {
		gr := gates[r*g4 : r*g4+g4]
		cp := cPrev[r*hid : r*hid+hid]
		hr := h[r*hid : r*hid+hid]
		cr := c[r*hid : r*hid+hid]
		SigmoidSlice32(gr[:2*hid], gr[:2*hid])
		TanhSlice32(gr[2*hid:3*hid], gr[2*hid:3*hid])
		SigmoidSlice32(gr[3*hid:], gr[3*hid:])
		gi, gf, gg, gout := gr[:hid], gr[hid:2*hid], gr[2*hid:3*hid], gr[3*hid:4*hid]
		cp = cp[:len(cr)]
		gi, gf, gg, gout = gi[:len(cr)], gf[:len(cr)], gg[:len(cr)], gout[:len(cr)]
		for j := range cr {
			cr[j] = mul32(gf[j], cp[j]) + mul32(gi[j], gg[j])
		}
		TanhSlice32(hr, cr)
		for j := range hr {
			hr[j] = mul32(hr[j], gout[j])
		}
	}
}
