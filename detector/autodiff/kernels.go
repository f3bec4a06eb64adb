package autodiff

import (
	"math"
	"sync"
)

// The kernels below are the forward and backward computations of the tape's
// ops as plain functions over flat row-major slices. The tape calls them,
// and so does the tape-free inference path of package tft, so both give the
// same numbers. They do not allocate and panic (through bounds checks) on
// slices that are too short.

// LinearForward computes y = x·W + b for n rows, grouped: x is
// [n × groups·in], W is [groups·in × out] (group v's block starts at row
// v·in), b is [groups × out] or nil, and y is [n × groups·out]. With one
// group this is an ordinary affine layer.
func LinearForward(y, x, w, b []float64, n, in, out, groups int) {
	xs, ys := groups*in, groups*out
	for v := range groups {
		yv := y[v*out:]
		for r := range n {
			yr := yv[r*ys : r*ys+out]
			if b != nil {
				copy(yr, b[v*out:v*out+out])
			} else {
				clear(yr)
			}
		}
		matMulAcc(yv, ys, x[v*in:], xs, w[v*in*out:(v*in+in)*out], n, in, out)
	}
}

// MatMulAcc adds x·W to y for n rows: x is [n × in], W is [in × out], y is
// [n × out]. Rows are taken two at a time so each loaded weight serves two
// multiply-adds. Every row is summed exactly as MatVecAcc sums it, so a
// row's result does not depend on the rows it is batched with.
func MatMulAcc(y, x, w []float64, n, in, out int) {
	matMulAcc(y, out, x, in, w, n, in, out)
}

// MatMulAccStrided is MatMulAcc over rows that are ys and xs apart in y
// and x (ys ≥ out, xs ≥ in).
func MatMulAccStrided(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int) {
	matMulAcc(y, ys, x, xs, w, n, in, out)
}

// matMulAcc is MatMulAcc with row strides ys and xs (≥ out and in). With
// AVX2 and out a multiple of four it runs matMulAccAVX2, with AVX-512 and
// out a multiple of eight matMulAccAVX512; both sum identically.
func matMulAcc(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int) {
	if useAVX2 && out > 0 && out%4 == 0 && in > 0 && n > 0 {
		if ys < out || xs < in {
			panic("autodiff: matMulAcc row stride shorter than its row")
		}
		_ = y[(n-1)*ys+out-1]
		_ = x[(n-1)*xs+in-1]
		_ = w[in*out-1]
		if useAVX512 && out%8 == 0 {
			matMulAccAVX512(y, ys, x, xs, w, n, in, out)
			return
		}
		matMulAccAVX2(y, ys, x, xs, w, n, in, out)
		return
	}
	matMulAccGo(y, ys, x, xs, w, n, in, out)
}

// matMulAccGo is matMulAcc in Go.
func matMulAccGo(y []float64, ys int, x []float64, xs int, w []float64, n, in, out int) {
	w = w[:in*out]
	r := 0
	for ; r+2 <= n; r += 2 {
		x0 := x[r*xs : r*xs+in]
		x1 := x[(r+1)*xs : (r+1)*xs+in]
		y0 := y[r*ys : r*ys+out]
		y1 := y[(r+1)*ys : (r+1)*ys+out]
		y1 = y1[:len(y0)]
		k := 0
		for ; k+4 <= in; k += 4 {
			a0, a1, a2, a3 := x0[k], x0[k+1], x0[k+2], x0[k+3]
			c0, c1, c2, c3 := x1[k], x1[k+1], x1[k+2], x1[k+3]
			w0 := w[k*out : (k+1)*out]
			w1 := w[(k+1)*out : (k+2)*out]
			w2 := w[(k+2)*out : (k+3)*out]
			w3 := w[(k+3)*out : (k+4)*out]
			w0, w1, w2, w3 = w0[:len(y0)], w1[:len(y0)], w2[:len(y0)], w3[:len(y0)]
			for j := range y0 {
				u0, u1, u2, u3 := w0[j], w1[j], w2[j], w3[j]
				y0[j] += mul(a0, u0) + mul(a1, u1) + mul(a2, u2) + mul(a3, u3)
				y1[j] += mul(c0, u0) + mul(c1, u1) + mul(c2, u2) + mul(c3, u3)
			}
		}
		for ; k < in; k++ {
			a, c := x0[k], x1[k]
			wk := w[k*out : (k+1)*out]
			wk = wk[:len(y0)]
			for j := range y0 {
				y0[j] += mul(a, wk[j])
				y1[j] += mul(c, wk[j])
			}
		}
	}
	if r < n {
		matVecAccGo(y[r*ys:r*ys+out], x[r*xs:r*xs+in], w)
	}
}

// MatVecAcc adds x·W to y, where x has length in, W is [in × len(y)]. The
// products are summed in blocks of four inputs, y + (x₀w₀ + x₁w₁ + x₂w₂ +
// x₃w₃), then one input at a time; MatMulAcc sums identically.
func MatVecAcc(y, x, w []float64) {
	matMulAcc(y, len(y), x, len(x), w, 1, len(x), len(y))
}

// matVecAccGo is MatVecAcc in Go.
func matVecAccGo(y, x, w []float64) {
	out := len(y)
	in := len(x)
	w = w[:in*out]
	k := 0
	for ; k+4 <= in; k += 4 {
		a0, a1, a2, a3 := x[k], x[k+1], x[k+2], x[k+3]
		w0 := w[k*out : (k+1)*out]
		w1 := w[(k+1)*out : (k+2)*out]
		w2 := w[(k+2)*out : (k+3)*out]
		w3 := w[(k+3)*out : (k+4)*out]
		w0, w1, w2, w3 = w0[:len(y)], w1[:len(y)], w2[:len(y)], w3[:len(y)]
		for j := range y {
			y[j] += mul(a0, w0[j]) + mul(a1, w1[j]) + mul(a2, w2[j]) + mul(a3, w3[j])
		}
	}
	for ; k < in; k++ {
		a := x[k]
		wk := w[k*out : (k+1)*out]
		wk = wk[:len(y)]
		for j := range y {
			y[j] += mul(a, wk[j])
		}
	}
}

// LinearBackward accumulates the gradients of LinearForward: dx += dy·Wᵀ,
// dW += xᵀ·dy and db += Σ dy, each skipped when its destination is nil.
func LinearBackward(dx, dw, db, dy, x, w []float64, n, in, out, groups int) {
	xs, ys := groups*in, groups*out
	for v := range groups {
		dyv := dy[v*out:]
		if db != nil {
			addRows(db[v*out:v*out+out], dyv, ys, n)
		}
		if dw != nil {
			matTMulAcc(dw[v*in*out:(v*in+in)*out], x[v*in:], xs, dyv, ys, n, in, out)
		}
		if dx != nil {
			matMulTAcc(dx[v*in:], xs, dyv, ys, w[v*in*out:(v*in+in)*out], n, in, out)
		}
	}
}

// matTMulAcc adds xᵀ·dy to dw ([in × out]) for n rows of x (stride xs,
// width in) and dy (stride ys, width out): two rows of dw at a time, four
// rows of x and dy per pass. With AVX-512 matTMulAccAVX512 does the first
// out&^7 columns, with AVX2 matTMulAccAVX2 those up to out&^3, and
// matTMulAccGo the rest; each element is summed identically either way
// (the columns are independent).
func matTMulAcc(dw, x []float64, xs int, dy []float64, ys int, n, in, out int) {
	cols := 0
	if useAVX2 && out >= 4 && in > 0 && n > 0 {
		if ys < out || xs < in {
			panic("autodiff: matTMulAcc row stride shorter than its row")
		}
		_ = dw[in*out-1]
		_ = x[(n-1)*xs+in-1]
		_ = dy[(n-1)*ys+out-1]
		cols = out &^ 3
		j := 0
		if useAVX512 && out >= 8 {
			j = out &^ 7
			matTMulAccAVX512(dw, x, xs, dy, ys, n, in, out, j)
		}
		if j < cols {
			matTMulAccAVX2(dw[j:], x, xs, dy[j:], ys, n, in, out, cols-j)
		}
	}
	if cols < out {
		matTMulAccGo(dw, x, xs, dy, ys, n, in, out, cols)
	}
}

// matTMulAccGo is matTMulAcc in Go for the columns j0 ≤ j < out of dw.
// Element dw[k][j] sums the rows four at a time, d + (a₀h₀ + a₁h₁ + a₂h₂
// + a₃h₃), then one at a time — except the last row of dw when in is odd,
// which takes every row one at a time.
func matTMulAccGo(dw, x []float64, xs int, dy []float64, ys int, n, in, out, j0 int) {
	dw = dw[:in*out]
	k := 0
	for ; k+2 <= in; k += 2 {
		d0 := dw[k*out+j0 : (k+1)*out]
		d1 := dw[(k+1)*out+j0 : (k+2)*out]
		d1 = d1[:len(d0)]
		r := 0
		for ; r+4 <= n; r += 4 {
			g0 := dy[r*ys+j0 : r*ys+out]
			g1 := dy[(r+1)*ys+j0 : (r+1)*ys+out]
			g2 := dy[(r+2)*ys+j0 : (r+2)*ys+out]
			g3 := dy[(r+3)*ys+j0 : (r+3)*ys+out]
			g0, g1, g2, g3 = g0[:len(d0)], g1[:len(d0)], g2[:len(d0)], g3[:len(d0)]
			a0, a1, a2, a3 := x[r*xs+k], x[(r+1)*xs+k], x[(r+2)*xs+k], x[(r+3)*xs+k]
			c0, c1, c2, c3 := x[r*xs+k+1], x[(r+1)*xs+k+1], x[(r+2)*xs+k+1], x[(r+3)*xs+k+1]
			for j := range d0 {
				h0, h1, h2, h3 := g0[j], g1[j], g2[j], g3[j]
				d0[j] += mul(a0, h0) + mul(a1, h1) + mul(a2, h2) + mul(a3, h3)
				d1[j] += mul(c0, h0) + mul(c1, h1) + mul(c2, h2) + mul(c3, h3)
			}
		}
		for ; r < n; r++ {
			g := dy[r*ys+j0 : r*ys+out]
			g = g[:len(d0)]
			a, c := x[r*xs+k], x[r*xs+k+1]
			for j := range d0 {
				d0[j] += mul(a, g[j])
				d1[j] += mul(c, g[j])
			}
		}
	}
	for ; k < in; k++ {
		d0 := dw[k*out+j0 : (k+1)*out]
		for r := range n {
			g := dy[r*ys+j0 : r*ys+out]
			g = g[:len(d0)]
			a := x[r*xs+k]
			for j := range d0 {
				d0[j] += mul(a, g[j])
			}
		}
	}
}

// matMulTAcc adds dy·Wᵀ to dx for n rows of dy (stride ys, width out) and
// dx (stride xs, width in), W [in × out]: dx[r][k] += s with s the dot
// product Σⱼ dy[r][j]·W[k][j] summed from zero in order of j. With AVX2
// and at least two rows, W is transposed into a pooled scratch and
// matMulTAccWt runs.
func matMulTAcc(dx []float64, xs int, dy []float64, ys int, w []float64, n, in, out int) {
	if !matMulTVector(n, in, out) {
		matMulTAccGo(dx, xs, dy, ys, w, n, in, out, 0)
		return
	}
	sp, wt := transposeScratch(w, in, out)
	matMulTAccWt(dx, xs, dy, ys, w, wt, n, in, out)
	transposePool.Put(sp)
}

// matMulTVector reports whether matMulTAcc of this shape runs the vector
// kernel (a transpose is worth it from two rows up).
func matMulTVector(n, in, out int) bool { return useAVX2 && in >= 4 && out > 0 && n >= 2 }

// matMulTAccWt is matMulTAcc given also wt = Wᵀ [out × in] (from
// transposeScratch): matMulTAccAVX512 sums eight k (lanes) at a time over
// four rows at once, matMulTAccAVX2 four k (the columns up to in&^3 that
// are left, or all of them without AVX-512), each lane over j in the same
// order as the Go loop, and matMulTAccGo does the columns in&^3 … in−1.
// Only for shapes where matMulTVector holds.
func matMulTAccWt(dx []float64, xs int, dy []float64, ys int, w, wt []float64, n, in, out int) {
	if ys < out || xs < in {
		panic("autodiff: matMulTAcc row stride shorter than its row")
	}
	_ = dx[(n-1)*xs+in-1]
	_ = dy[(n-1)*ys+out-1]
	_ = w[in*out-1]
	_ = wt[in*out-1]
	cols := in &^ 3
	k := 0
	if useAVX512 && in >= 8 {
		k = in &^ 7
		matMulTAccAVX512(dx, xs, dy, ys, wt, n, in, out, k)
	}
	if k < cols {
		matMulTAccAVX2(dx[k:], xs, dy, ys, wt[k:], n, in, out, cols-k)
	}
	if cols < in {
		matMulTAccGo(dx, xs, dy, ys, w, n, in, out, cols)
	}
}

// transposeScratch returns Wᵀ ([out × in]) of W ([in × out]) in a scratch
// from transposePool; the caller puts sp back when done with wt.
func transposeScratch(w []float64, in, out int) (sp *[]float64, wt []float64) {
	w = w[:in*out]
	sp = transposePool.Get().(*[]float64)
	if cap(*sp) < in*out {
		*sp = make([]float64, in*out)
	}
	wt = (*sp)[:in*out]
	for k := range in {
		wk := w[k*out : (k+1)*out]
		for j, v := range wk {
			wt[j*in+k] = v
		}
	}
	return sp, wt
}

// transposePool holds matMulTAcc's scratch for Wᵀ (*[]float64), so the
// kernel does not allocate once warm and concurrent tapes do not share it.
var transposePool = sync.Pool{New: func() any { return new([]float64) }}

// matMulTAccGo is matMulTAcc in Go for the columns k0 ≤ k < in of dx:
// dot products, two rows and two columns at a time.
func matMulTAccGo(dx []float64, xs int, dy []float64, ys int, w []float64, n, in, out, k0 int) {
	w = w[:in*out]
	r := 0
	for ; r+2 <= n; r += 2 {
		g0 := dy[r*ys : r*ys+out]
		g1 := dy[(r+1)*ys : (r+1)*ys+out]
		g1 = g1[:len(g0)]
		x0 := dx[r*xs : r*xs+in]
		x1 := dx[(r+1)*xs : (r+1)*xs+in]
		x1 = x1[:len(x0)]
		k := k0
		for ; k+2 <= in; k += 2 {
			w0 := w[k*out : (k+1)*out]
			w1 := w[(k+1)*out : (k+2)*out]
			w0, w1 = w0[:len(g0)], w1[:len(g0)]
			var s00, s01, s10, s11 float64
			for j, a := range g0 {
				b := g1[j]
				u, v := w0[j], w1[j]
				s00 += mul(a, u)
				s01 += mul(a, v)
				s10 += mul(b, u)
				s11 += mul(b, v)
			}
			x0[k] += s00
			x0[k+1] += s01
			x1[k] += s10
			x1[k+1] += s11
		}
		for ; k < in; k++ {
			wk := w[k*out : (k+1)*out]
			wk = wk[:len(g0)]
			var s0, s1 float64
			for j, a := range g0 {
				s0 += mul(a, wk[j])
				s1 += mul(g1[j], wk[j])
			}
			x0[k] += s0
			x1[k] += s1
		}
	}
	for ; r < n; r++ {
		g := dy[r*ys : r*ys+out]
		xr := dx[r*xs : r*xs+in]
		for k := k0; k < in; k++ {
			wk := w[k*out : (k+1)*out]
			wk = wk[:len(g)]
			s := 0.0
			for j, a := range g {
				s += mul(a, wk[j])
			}
			xr[k] += s
		}
	}
}

// ELUForward sets y = x for x > 0 and eˣ − 1 otherwise (α = 1); y may be x.
// The sign is unpredictable, so both branches are computed and one
// selected; only tiny negative inputs (rare) take the Taylor branch.
func ELUForward(y, x []float64) {
	y = y[:len(x)]
	y, x = vectorHead(y, x, eluAVX512, eluAVX2)
	for i, v := range x {
		m := negMask(v)
		t := max(sel(m, v, -1), -700) // v if negative, else a dummy
		var em1 float64
		if t > eluSmall {
			em1 = expm1Taylor(t)
		} else {
			em1 = expScale(expParts(t)) - 1
		}
		y[i] = sel(m, em1, v)
	}
}

// ELUBackward adds dy·ELU'(x) to dx, using the forward output y
// (ELU'(x) = 1 for x > 0, y + 1 otherwise). With AVX-512,
// eluBackwardAVX512 does the first len(x)&^7 elements, with AVX2
// eluBackwardAVX2 those up to len(x)&^3 that are left (the same
// operations, elementwise).
func ELUBackward(dx, dy, x, y []float64) {
	dx = dx[:len(x)]
	dy = dy[:len(x)]
	y = y[:len(x)]
	if k := len(x) &^ 7; useAVX512 && k > 0 {
		eluBackwardAVX512(dx[:k], dy[:k], x[:k], y[:k])
		dx, dy, x, y = dx[k:], dy[k:], x[k:], y[k:]
	}
	if k := len(x) &^ 3; useAVX2 && k > 0 {
		eluBackwardAVX2(dx[:k], dy[:k], x[:k], y[:k])
		dx, dy, x, y = dx[k:], dy[k:], x[k:], y[k:]
	}
	for i, v := range x {
		if v > 0 {
			dx[i] += dy[i]
		} else {
			dx[i] += mul(dy[i], y[i]+1)
		}
	}
}

// Sigmoid is σ(x) = 1/(1 + e⁻ˣ), computed as SigmoidSlice does.
func Sigmoid(x float64) float64 {
	t := min(max(-x, -700), 700)
	return 1 / (1 + expCore(t))
}

// GLUForward computes y = a ⊙ σ(b) for n rows, where each row of x is
// [a | b] of width 2d and y is [n × d]; y must not overlap x. With AVX-512
// and d a multiple of 8 gluAVX512 does it all; else with AVX2 gluAVX2 does
// each row's first d&^3 columns and the Go loop the rest (the same
// operations, elementwise).
func GLUForward(y, x []float64, n, d int) {
	if n <= 0 {
		return
	}
	j0 := 0
	if useAVX512 && d > 0 && d%8 == 0 {
		_, _ = y[n*d-1], x[2*n*d-1]
		gluAVX512(y, x, n, d)
		return
	}
	if useAVX2 && d >= 4 {
		_, _ = y[n*d-1], x[2*n*d-1]
		gluAVX2(y, x, n, d)
		if j0 = d &^ 3; j0 == d {
			return
		}
	}
	for r := range n {
		a := x[2*r*d+j0 : 2*r*d+d]
		yr := y[r*d+j0 : r*d+d]
		SigmoidSlice(yr, x[2*r*d+d+j0:2*r*d+2*d])
		for j := range yr {
			yr[j] *= a[j]
		}
	}
}

// GLUForwardSaved is GLUForward that also keeps σ(b) in s [n × d] for
// GLUBackward.
func GLUForwardSaved(y, s, x []float64, n, d int) {
	for r := range n {
		a := x[2*r*d : 2*r*d+d]
		sr := s[r*d : r*d+d]
		SigmoidSlice(sr, x[2*r*d+d:2*r*d+2*d])
		yr := y[r*d : r*d+d]
		for j := range yr {
			yr[j] = a[j] * sr[j]
		}
	}
}

// GLUBackward adds the gradient of GLUForward to dx, given the saved σ(b)
// s (or nil to recompute it). With s saved, gluBackwardAVX512 does each
// row's first d&^7 columns and gluBackwardAVX2 those up to d&^3 that are
// left (elementwise, so the same bits).
func GLUBackward(dx, dy, x, s []float64, n, d int) {
	for r := range n {
		a := x[2*r*d : 2*r*d+d]
		b := x[2*r*d+d : 2*r*d+2*d]
		da := dx[2*r*d : 2*r*d+d]
		dbb := dx[2*r*d+d : 2*r*d+2*d]
		g := dy[r*d : r*d+d]
		j0 := 0
		if useAVX512 && s != nil && d >= 8 {
			j0 = d &^ 7
			gluBackwardAVX512(da[:j0], dbb[:j0], g[:j0], a[:j0], s[r*d:r*d+j0])
		}
		if j4 := d &^ 3; useAVX2 && s != nil && j0 < j4 {
			gluBackwardAVX2(da[j0:j4], dbb[j0:j4], g[j0:j4], a[j0:j4], s[r*d+j0:r*d+j4])
			j0 = j4
		}
		for j := j0; j < d; j++ {
			var sj float64
			if s != nil {
				sj = s[r*d+j]
			} else {
				sj = Sigmoid(b[j])
			}
			da[j] += mul(g[j], sj)
			dbb[j] += mul(g[j]*a[j]*sj, 1-sj)
		}
	}
}

// LayerNormEps is the variance floor of LayerNorm (PyTorch's default).
const LayerNormEps = 1e-5

// LayerNormForward normalises each of the n rows of x (width d) to zero mean
// and unit variance and applies γ, β: y = γ·(x−μ)/√(σ²+ε) + β. γ and β are
// [groups × d]; row r uses row r mod groups. stats, if not nil, receives
// (μ, 1/√(σ²+ε)) per row (length 2n). y may be x.
func LayerNormForward(y, stats, x, gamma, beta []float64, n, d, groups int) {
	inv := 1 / float64(d)
	r := 0
	// Four rows at a time: their sums are independent chains the processor
	// overlaps; each row is still summed in column order, so the result
	// does not depend on the rows it is grouped with.
	for ; r+4 <= n; r += 4 {
		x0 := x[r*d : r*d+d]
		x1 := x[(r+1)*d : (r+1)*d+d]
		x2 := x[(r+2)*d : (r+2)*d+d]
		x3 := x[(r+3)*d : (r+3)*d+d]
		x1, x2, x3 = x1[:len(x0)], x2[:len(x0)], x3[:len(x0)]
		var m0, m1, m2, m3 float64
		for j := range x0 {
			m0 += x0[j]
			m1 += x1[j]
			m2 += x2[j]
			m3 += x3[j]
		}
		m0, m1, m2, m3 = m0*inv, m1*inv, m2*inv, m3*inv
		var v0, v1, v2, v3 float64
		for j := range x0 {
			d0, d1, d2, d3 := x0[j]-m0, x1[j]-m1, x2[j]-m2, x3[j]-m3
			v0 += mul(d0, d0)
			v1 += mul(d1, d1)
			v2 += mul(d2, d2)
			v3 += mul(d3, d3)
		}
		layerNormRow(y, stats, x0, gamma, beta, r, d, groups, m0, mul(v0, inv))
		layerNormRow(y, stats, x1, gamma, beta, r+1, d, groups, m1, mul(v1, inv))
		layerNormRow(y, stats, x2, gamma, beta, r+2, d, groups, m2, mul(v2, inv))
		layerNormRow(y, stats, x3, gamma, beta, r+3, d, groups, m3, mul(v3, inv))
	}
	for ; r < n; r++ {
		xr := x[r*d : r*d+d]
		mu := 0.0
		for _, v := range xr {
			mu += v
		}
		mu *= inv
		vr := 0.0
		for _, v := range xr {
			dv := v - mu
			vr += mul(dv, dv)
		}
		layerNormRow(y, stats, xr, gamma, beta, r, d, groups, mu, mul(vr, inv))
	}
}

// layerNormRow writes row r of LayerNormForward from its input xr, mean
// mu and variance vr.
func layerNormRow(y, stats, xr, gamma, beta []float64, r, d, groups int, mu, vr float64) {
	yr := y[r*d : r*d+d]
	g := r % groups
	gr := gamma[g*d : g*d+d]
	br := beta[g*d : g*d+d]
	rs := 1 / math.Sqrt(vr+LayerNormEps)
	xr, gr, br = xr[:len(yr)], gr[:len(yr)], br[:len(yr)]
	j0 := 0
	switch {
	case useAVX512 && d > 0 && d%8 == 0:
		layerNormRowAVX512(yr, xr, gr, br, mu, rs)
		j0 = d
	case useAVX2 && d >= 4:
		layerNormRowAVX2(yr, xr, gr, br, mu, rs)
		j0 = d &^ 3
	}
	for j := j0; j < d; j++ {
		yr[j] = mul(mul(xr[j]-mu, rs), gr[j]) + br[j]
	}
	if stats != nil {
		stats[2*r], stats[2*r+1] = mu, rs
	}
}

// LayerNormBackward adds the gradients of LayerNormForward to dx (if not
// nil), dγ and dβ, from the saved stats.
func LayerNormBackward(dx, dgamma, dbeta, dy, x, gamma, stats []float64, n, d, groups int) {
	inv := 1 / float64(d)
	for r := range n {
		xr := x[r*d : r*d+d]
		dyr := dy[r*d : r*d+d]
		g := r % groups
		gr := gamma[g*d : g*d+d]
		dgr := dgamma[g*d : g*d+d]
		dbr := dbeta[g*d : g*d+d]
		mu, rs := stats[2*r], stats[2*r+1]
		m1, m2 := 0.0, 0.0 // mean of dxhat, mean of dxhat·xhat
		for j, v := range xr {
			xh := (v - mu) * rs
			dxh := dyr[j] * gr[j]
			dgr[j] += dyr[j] * xh
			dbr[j] += dyr[j]
			m1 += dxh
			m2 += dxh * xh
		}
		if dx == nil {
			continue
		}
		m1 *= inv
		m2 *= inv
		dxr := dx[r*d : r*d+d]
		for j, v := range xr {
			xh := (v - mu) * rs
			dxr[j] += rs * (dyr[j]*gr[j] - m1 - xh*m2)
		}
	}
}

// SoftmaxForward computes a softmax over each of the n rows of x (width m).
// If mask is not nil, entries with mask 0 are excluded and get 0; a row with
// nothing left is all zeros. y may be x.
func SoftmaxForward(y, x, mask []float64, n, m int) {
	for r := range n {
		xr := x[r*m : r*m+m]
		yr := y[r*m : r*m+m]
		var mr []float64
		if mask != nil {
			mr = mask[r*m : r*m+m]
		}
		mx := math.Inf(-1)
		for j, v := range xr {
			if (mr == nil || mr[j] != 0) && v > mx {
				mx = v
			}
		}
		if math.IsInf(mx, -1) {
			clear(yr)
			continue
		}
		s := 0.0
		for j, v := range xr {
			if mr != nil && mr[j] == 0 {
				yr[j] = 0
				continue
			}
			e := expScale(expParts(max(v-mx, -700)))
			yr[j] = e
			s += e
		}
		is := 1 / s
		for j := range yr {
			yr[j] *= is
		}
	}
}

// SoftmaxBackward adds the gradient of SoftmaxForward to dx, from its
// output y: dx = y ⊙ (dy − Σ y·dy). Masked entries (y = 0) get nothing.
func SoftmaxBackward(dx, dy, y []float64, n, m int) {
	for r := range n {
		yr := y[r*m : r*m+m]
		dyr := dy[r*m : r*m+m]
		dxr := dx[r*m : r*m+m]
		s := 0.0
		for j, v := range yr {
			s += v * dyr[j]
		}
		for j, v := range yr {
			dxr[j] += v * (dyr[j] - s)
		}
	}
}

// WeightedSumForward computes y[r] = Σᵥ w[r,v]·x[r, v·d : v·d+d] for n
// rows: w is [n × nv], x is [n × nv·d], y is [n × d]. It combines the
// per-variable outputs of a variable selection network.
func WeightedSumForward(y, w, x []float64, n, nv, d int) {
	for r := range n {
		yr := y[r*d : r*d+d]
		clear(yr)
		wr := w[r*nv : r*nv+nv]
		xr := x[r*nv*d : (r+1)*nv*d]
		for v, a := range wr {
			xv := xr[v*d : v*d+d]
			for j := range yr {
				yr[j] += a * xv[j]
			}
		}
	}
}

// WeightedSumBackward adds the gradients of WeightedSumForward to dw and
// dx.
func WeightedSumBackward(dw, dx, dy, w, x []float64, n, nv, d int) {
	for r := range n {
		dyr := dy[r*d : r*d+d]
		wr := w[r*nv : r*nv+nv]
		xr := x[r*nv*d : (r+1)*nv*d]
		dwr := dw[r*nv : r*nv+nv]
		dxr := dx[r*nv*d : (r+1)*nv*d]
		for v, a := range wr {
			xv := xr[v*d : v*d+d]
			dxv := dxr[v*d : v*d+d]
			s := 0.0
			for j, g := range dyr {
				s += g * xv[j]
				dxv[j] += a * g
			}
			dwr[v] += s
		}
	}
}

// EmbedVar locates one variable in an embedding table shared by a group of
// variables: a real variable (Cats = 0) owns rows Row (prescaler weight) and
// Row+1 (bias), a categorical one owns rows Row…Row+Cats−1.
type EmbedVar struct {
	Row  int
	Cats int
}

// EmbedForward embeds n rows of raw values x ([n × len(vars)]) into y
// ([n × len(vars)·d]): a real value v becomes v·table[Row] + table[Row+1]
// (a Linear 1→d prescaler), a categorical value c (an integer stored as
// float64, 0 ≤ c < Cats) becomes table[Row+c]. Callers validate c.
func EmbedForward(y, x, table []float64, vars []EmbedVar, n, d int) {
	nv := len(vars)
	for r := range n {
		xr := x[r*nv : r*nv+nv]
		for v, ev := range vars {
			yv := y[(r*nv+v)*d : (r*nv+v)*d+d]
			EmbedOne(yv, xr[v], table, ev, d)
		}
	}
}

// EmbedOne embeds a single value of variable ev into y (length d).
func EmbedOne(y []float64, x float64, table []float64, ev EmbedVar, d int) {
	if ev.Cats > 0 {
		c := int(x)
		copy(y, table[(ev.Row+c)*d:(ev.Row+c)*d+d])
		return
	}
	w := table[ev.Row*d : ev.Row*d+d]
	b := table[(ev.Row+1)*d : (ev.Row+1)*d+d]
	for j := range y[:d] {
		y[j] = x*w[j] + b[j]
	}
}

// EmbedBackward adds the gradient of EmbedForward to dtable (no gradient
// flows to the raw values).
func EmbedBackward(dtable, dy, x []float64, vars []EmbedVar, n, d int) {
	nv := len(vars)
	for r := range n {
		xr := x[r*nv : r*nv+nv]
		for v, ev := range vars {
			g := dy[(r*nv+v)*d : (r*nv+v)*d+d]
			if ev.Cats > 0 {
				c := int(xr[v])
				dt := dtable[(ev.Row+c)*d : (ev.Row+c)*d+d]
				for j := range g {
					dt[j] += g[j]
				}
				continue
			}
			dw := dtable[ev.Row*d : ev.Row*d+d]
			db := dtable[(ev.Row+1)*d : (ev.Row+1)*d+d]
			a := xr[v]
			for j := range g {
				dw[j] += a * g[j]
				db[j] += g[j]
			}
		}
	}
}

// LSTMStep advances b rows of an LSTM by one step. gx holds the input part
// of the gate pre-activations [b × 4h] (x·Wih + bias, gate order input,
// forget, cell, output), hPrev and cPrev the previous state [b × h], whh
// is [h × 4h]. It writes the activated gates (i, f, g, o) to gates
// [b × 4h], and the new state to h and c [b × h]; tc, if not nil,
// receives tanh(c) [b × h] for the backward pass. h and c may be hPrev
// and cPrev themselves (the state updated in place) but must not overlap
// them otherwise.
func LSTMStep(h, c, tc, gates, gx, hPrev, cPrev, whh []float64, b, hid int) {
	g4 := 4 * hid
	if useAVX2 && hid > 0 && hid%4 == 0 && b > 0 {
		// The fused kernel, one row at a time: the same operations in the
		// same order as below (a row's product does not depend on the rows
		// batched with it). AVX-512 takes hid a multiple of 8, AVX2 of 4.
		step := lstmStepAVX2
		if useAVX512 && hid%8 == 0 {
			step = lstmStepAVX512
		}
		n := b * hid
		_, _, _, _ = h[n-1], c[n-1], hPrev[n-1], cPrev[n-1]
		_, _, _ = gates[b*g4-1], gx[b*g4-1], whh[hid*g4-1]
		if tc != nil {
			_ = tc[n-1]
		}
		for r := range b {
			var tcr []float64
			if tc != nil {
				tcr = tc[r*hid : (r+1)*hid]
			}
			step(h[r*hid:(r+1)*hid], c[r*hid:(r+1)*hid], tcr, gates[r*g4:(r+1)*g4], gx[r*g4:(r+1)*g4],
				hPrev[r*hid:(r+1)*hid], cPrev[r*hid:(r+1)*hid], whh, hid)
		}
		return
	}
	copy(gates[:b*g4], gx[:b*g4])
	MatMulAcc(gates, hPrev, whh, b, hid, g4)
	for r := range b {
		gr := gates[r*g4 : r*g4+g4]
		cp := cPrev[r*hid : r*hid+hid]
		hr := h[r*hid : r*hid+hid]
		cr := c[r*hid : r*hid+hid]
		gi := gr[:hid]
		gf := gr[hid : 2*hid]
		gg := gr[2*hid : 3*hid]
		gout := gr[3*hid : 4*hid]
		SigmoidSlice(gr[:2*hid], gr[:2*hid]) // input and forget gates
		TanhSlice(gg, gg)
		SigmoidSlice(gout, gout)
		cp = cp[:len(cr)]
		gi, gf, gg, gout = gi[:len(cr)], gf[:len(cr)], gg[:len(cr)], gout[:len(cr)]
		for j := range cr {
			cr[j] = gf[j]*cp[j] + gi[j]*gg[j]
		}
		TanhSlice(hr, cr)
		if tc != nil {
			copy(tc[r*hid:r*hid+hid], hr)
		}
		for j := range hr {
			hr[j] *= gout[j]
		}
	}
}

// QuantileLossForward returns Σ pinball losses / norm over n rows of
// predictions pred ([n × nt·nq], quantile index fastest) against targets
// y ([n × nt]). Targets with mask 0 (mask may be nil) are skipped, so they
// may be NaN. The pinball loss of level q is max(q·e, (q−1)·e), e = y − ŷ.
func QuantileLossForward(pred, y, mask, qs []float64, n, nt int, norm float64) float64 {
	nq := len(qs)
	s := 0.0
	for r := range n {
		for t := range nt {
			i := r*nt + t
			if mask != nil && mask[i] == 0 {
				continue
			}
			p := pred[i*nq : i*nq+nq]
			for k, q := range qs {
				e := y[i] - p[k]
				if e >= 0 {
					s += q * e
				} else {
					s += (q - 1) * e
				}
			}
		}
	}
	return s / norm
}

// QuantileLossBackward adds g·∂loss/∂pred to dpred.
func QuantileLossBackward(dpred, pred, y, mask, qs []float64, n, nt int, norm, g float64) {
	nq := len(qs)
	s := g / norm
	for r := range n {
		for t := range nt {
			i := r*nt + t
			if mask != nil && mask[i] == 0 {
				continue
			}
			p := pred[i*nq : i*nq+nq]
			dp := dpred[i*nq : i*nq+nq]
			for k, q := range qs {
				if y[i]-p[k] >= 0 {
					dp[k] -= q * s
				} else {
					dp[k] -= (q - 1) * s
				}
			}
		}
	}
}

// RowBlock is a run of N rows starting at Row, for BlockLinear.
type RowBlock struct {
	Row, N int
}

// BlockLinearForward computes y = a·W blockwise: rows Row…Row+N−1 of a
// ([rows × din]) are multiplied by block b of W (rows b·din…(b+1)·din−1 of
// [len(blocks)·din × m]) into the same rows of y ([rows × m]). Rows outside
// every block are left alone. It folds a per-variable linear layer into the
// embedding table that feeds it.
func BlockLinearForward(y, a, w []float64, blocks []RowBlock, din, m int) {
	for b, bl := range blocks {
		yb := y[bl.Row*m : (bl.Row+bl.N)*m]
		clear(yb)
		matMulAcc(yb, m, a[bl.Row*din:], din, w[b*din*m:(b+1)*din*m], bl.N, din, m)
	}
}

// BlockLinearBackward adds the gradients of BlockLinearForward to da and
// dW (each skipped when nil).
func BlockLinearBackward(da, dw, dy, a, w []float64, blocks []RowBlock, din, m int) {
	for b, bl := range blocks {
		dyb := dy[bl.Row*m:]
		if dw != nil {
			matTMulAcc(dw[b*din*m:(b+1)*din*m], a[bl.Row*din:], din, dyb, m, bl.N, din, m)
		}
		if da != nil {
			matMulTAcc(da[bl.Row*din:], din, dyb, m, w[b*din*m:(b+1)*din*m], bl.N, din, m)
		}
	}
}

// EmbedSumForward is EmbedForward followed by a sum over the variables:
// y[r] = Σᵥ eᵥ(x[r,v]) with y [n × d].
func EmbedSumForward(y, x, table []float64, vars []EmbedVar, n, d int) {
	nv := len(vars)
	for r := range n {
		yr := y[r*d : r*d+d]
		clear(yr)
		xr := x[r*nv : r*nv+nv]
		for v, ev := range vars {
			if ev.Cats > 0 {
				c := int(xr[v])
				addTo(yr, table[(ev.Row+c)*d:(ev.Row+c)*d+d])
				continue
			}
			a := xr[v]
			w := table[ev.Row*d : ev.Row*d+d]
			b := table[(ev.Row+1)*d : (ev.Row+1)*d+d]
			for j := range yr {
				yr[j] += a*w[j] + b[j]
			}
		}
	}
}

// EmbedSumBackward adds the gradient of EmbedSumForward to dtable.
func EmbedSumBackward(dtable, dy, x []float64, vars []EmbedVar, n, d int) {
	nv := len(vars)
	for r := range n {
		g := dy[r*d : r*d+d]
		xr := x[r*nv : r*nv+nv]
		for v, ev := range vars {
			if ev.Cats > 0 {
				c := int(xr[v])
				addTo(dtable[(ev.Row+c)*d:(ev.Row+c)*d+d], g)
				continue
			}
			a := xr[v]
			dw := dtable[ev.Row*d : ev.Row*d+d]
			db := dtable[(ev.Row+1)*d : (ev.Row+1)*d+d]
			for j := range g {
				dw[j] += a * g[j]
				db[j] += g[j]
			}
		}
	}
}
