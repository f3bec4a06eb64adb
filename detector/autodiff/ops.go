package autodiff

import (
	"fmt"
)

type opKind uint8

const (
	opLinear opKind = iota
	opELU
	opGLU
	opSigmoid
	opTanh
	opAdd
	opAddBroadcast
	opLayerNorm
	opLSTM
	opSoftmax
	opWeightedSum
	opEmbed
	opAttention
	opQuantileLoss
	opConcatRows
	opBlockLinear
	opEmbedSum
)

// op is one recorded operation: its inputs, outputs, saved values and
// sizes. Fields are used as each kind needs.
type op struct {
	kind          opKind
	x, y, z, w, u Tensor
	out, out2     Tensor
	aux, aux2     Tensor
	n, a, b, c    int
	f             float64
	vars          []EmbedVar
	blocks        []RowBlock
	qs            []float64
	att           AttentionShape
}

func (tp *Tape) record(o op) { tp.ops = append(tp.ops, o) }

// aux allocates a saved-values tensor (no gradient).
func (tp *Tape) auxT(r, c int) Tensor {
	t := tp.alloc(r, c)
	t.noGrad = true
	return t
}

// Linear returns x·W + b for the rows of x, grouped: with groups = g, x is
// [n × g·in], W is [g·in × out], b is [g × out] (or None) and the result
// is [n × g·out], group v using its own block of W and b (a block-diagonal
// layer: one small network per variable, run together).
func (tp *Tape) Linear(x, w, b Tensor, groups int) Tensor {
	if groups < 1 || w.R%groups != 0 {
		panic(fmt.Sprintf("autodiff: Linear: %d groups do not divide %d weight rows", groups, w.R))
	}
	in, out := w.R/groups, w.C
	if x.C != groups*in {
		panic(fmt.Sprintf("autodiff: Linear: input width %d, want %d", x.C, groups*in))
	}
	if b.present() && (b.R != groups || b.C != out) {
		panic(fmt.Sprintf("autodiff: Linear: bias %d×%d, want %d×%d", b.R, b.C, groups, out))
	}
	y := tp.alloc(x.R, groups*out)
	LinearForward(tp.v(y), tp.v(x), tp.v(w), tp.v(b), x.R, in, out, groups)
	tp.record(op{kind: opLinear, x: x, y: w, z: b, out: y, n: x.R, a: in, b: out, c: groups})
	return y
}

// ELU returns ELU(x) elementwise (α = 1).
func (tp *Tape) ELU(x Tensor) Tensor {
	y := tp.alloc(x.R, x.C)
	ELUForward(tp.v(y), tp.v(x))
	tp.record(op{kind: opELU, x: x, out: y})
	return y
}

// GLU splits each row of x into halves [a | b] and returns a ⊙ σ(b).
func (tp *Tape) GLU(x Tensor) Tensor {
	if x.C%2 != 0 {
		panic("autodiff: GLU of an odd width")
	}
	d := x.C / 2
	y := tp.alloc(x.R, d)
	sg := tp.auxT(x.R, d)
	GLUForwardSaved(tp.v(y), tp.v(sg), tp.v(x), x.R, d)
	tp.record(op{kind: opGLU, x: x, out: y, aux: sg, n: x.R, a: d})
	return y
}

// Sigmoid returns σ(x) elementwise.
func (tp *Tape) Sigmoid(x Tensor) Tensor {
	y := tp.alloc(x.R, x.C)
	SigmoidSlice(tp.v(y), tp.v(x))
	tp.record(op{kind: opSigmoid, x: x, out: y})
	return y
}

// Tanh returns tanh(x) elementwise.
func (tp *Tape) Tanh(x Tensor) Tensor {
	y := tp.alloc(x.R, x.C)
	TanhSlice(tp.v(y), tp.v(x))
	tp.record(op{kind: opTanh, x: x, out: y})
	return y
}

// Add returns a + b (same shapes).
func (tp *Tape) Add(a, b Tensor) Tensor {
	sameShape("Add", a, b)
	y := tp.alloc(a.R, a.C)
	yv, av, bv := tp.v(y), tp.v(a), tp.v(b)
	for i := range yv {
		yv[i] = av[i] + bv[i]
	}
	tp.record(op{kind: opAdd, x: a, y: b, out: y})
	return y
}

// AddBroadcast returns a with row (r mod c.R) of c added to each row r:
// with time-major rows (p·B + b) and c of B rows, it adds sample b's
// context vector at every step.
func (tp *Tape) AddBroadcast(a, c Tensor) Tensor {
	if a.C != c.C || c.R == 0 || a.R%c.R != 0 {
		panic(fmt.Sprintf("autodiff: AddBroadcast %d×%d + %d×%d", a.R, a.C, c.R, c.C))
	}
	y := tp.alloc(a.R, a.C)
	yv, av, cv := tp.v(y), tp.v(a), tp.v(c)
	d := a.C
	for r := range a.R {
		cr := cv[(r%c.R)*d : (r%c.R)*d+d]
		for j := range d {
			yv[r*d+j] = av[r*d+j] + cr[j]
		}
	}
	tp.record(op{kind: opAddBroadcast, x: a, y: c, out: y})
	return y
}

// LayerNorm normalises each row of x and applies γ, β ([g × x.C]); row r
// uses row r mod g of γ and β.
func (tp *Tape) LayerNorm(x, gamma, beta Tensor) Tensor {
	if gamma.C != x.C || beta.C != x.C || gamma.R != beta.R || gamma.R == 0 {
		panic(fmt.Sprintf("autodiff: LayerNorm of width %d with γ %d×%d, β %d×%d", x.C, gamma.R, gamma.C, beta.R, beta.C))
	}
	y := tp.alloc(x.R, x.C)
	st := tp.auxT(x.R, 2)
	LayerNormForward(tp.v(y), tp.v(st), tp.v(x), tp.v(gamma), tp.v(beta), x.R, x.C, gamma.R)
	tp.record(op{kind: opLayerNorm, x: x, y: gamma, z: beta, out: y, aux: st})
	return y
}

// LSTM runs an LSTM over T = gx.R/B steps of B sequences (time-major rows
// p·B + b). gx holds the input part of the gate pre-activations
// [T·B × 4H] (x·Wih + bias; gates input, forget, cell, output), h0 and c0
// the initial state [B × H], whh the recurrent weights [H × 4H]. It returns
// the hidden and cell states of every step, each [T·B × H]; the final
// state is their last B rows.
func (tp *Tape) LSTM(gx, h0, c0, whh Tensor) (hs, cs Tensor) {
	B, H := h0.R, h0.C
	if c0.R != B || c0.C != H || whh.R != H || whh.C != 4*H || gx.C != 4*H || gx.R%B != 0 {
		panic(fmt.Sprintf("autodiff: LSTM shapes gx %d×%d h0 %d×%d c0 %d×%d whh %d×%d", gx.R, gx.C, h0.R, h0.C, c0.R, c0.C, whh.R, whh.C))
	}
	T := gx.R / B
	hs = tp.alloc(T*B, H)
	cs = tp.alloc(T*B, H)
	gates := tp.auxT(T*B, 4*H)
	tanhC := tp.auxT(T*B, H)
	scratch := tp.auxT(B, 6*H)
	hv, cv, gv, gxv, tcv := tp.v(hs), tp.v(cs), tp.v(gates), tp.v(gx), tp.v(tanhC)
	whv := tp.v(whh)
	hp, cp := tp.v(h0), tp.v(c0)
	n := B * H
	for t := range T {
		LSTMStep(hv[t*n:t*n+n], cv[t*n:t*n+n], tcv[t*n:t*n+n], gv[4*t*n:4*t*n+4*n], gxv[4*t*n:4*t*n+4*n], hp, cp, whv, B, H)
		hp, cp = hv[t*n:t*n+n], cv[t*n:t*n+n]
	}
	tp.record(op{kind: opLSTM, x: gx, y: h0, z: c0, w: whh, out: hs, out2: cs, aux: gates, aux2: scratch, u: tanhC, n: T, a: B, b: H})
	return hs, cs
}

// Softmax returns the softmax of each row of x; entries where mask (a data
// tensor of x's shape, or None) is 0 are excluded and get 0.
func (tp *Tape) Softmax(x, mask Tensor) Tensor {
	if mask.present() {
		sameShape("Softmax mask", x, mask)
	}
	y := tp.alloc(x.R, x.C)
	SoftmaxForward(tp.v(y), tp.v(x), tp.v(mask), x.R, x.C)
	tp.record(op{kind: opSoftmax, x: x, out: y})
	return y
}

// WeightedSum returns, per row r, Σᵥ w[r,v]·x[r, v·d:(v+1)·d] with w
// [n × nv] and x [n × nv·d].
func (tp *Tape) WeightedSum(w, x Tensor) Tensor {
	if w.R != x.R || w.C == 0 || x.C%w.C != 0 {
		panic(fmt.Sprintf("autodiff: WeightedSum %d×%d of %d×%d", w.R, w.C, x.R, x.C))
	}
	d := x.C / w.C
	y := tp.alloc(x.R, d)
	WeightedSumForward(tp.v(y), tp.v(w), tp.v(x), x.R, w.C, d)
	tp.record(op{kind: opWeightedSum, x: w, y: x, out: y, n: x.R, a: w.C, b: d})
	return y
}

// Embed embeds the raw values x ([n × len(vars)], data) through table
// ([rows × d]); see EmbedForward. vars is kept by reference until Reset.
func (tp *Tape) Embed(x, table Tensor, vars []EmbedVar) Tensor {
	d := table.C
	tp.checkEmbed(x, table, vars)
	y := tp.alloc(x.R, len(vars)*d)
	EmbedForward(tp.v(y), tp.v(x), tp.v(table), vars, x.R, d)
	tp.record(op{kind: opEmbed, x: x, y: table, out: y, n: x.R, a: d, vars: vars})
	return y
}

func (tp *Tape) checkEmbed(x, table Tensor, vars []EmbedVar) {
	if x.C != len(vars) {
		panic(fmt.Sprintf("autodiff: embedding of %d columns with %d variables", x.C, len(vars)))
	}
	for _, ev := range vars {
		n := 2
		if ev.Cats > 0 {
			n = ev.Cats
		}
		if ev.Row < 0 || ev.Row+n > table.R {
			panic("autodiff: embedding: variable rows outside the table")
		}
	}
	for i, v := range tp.v(x) {
		if ev := vars[i%len(vars)]; ev.Cats > 0 && (v < 0 || int(v) >= ev.Cats) {
			panic(fmt.Sprintf("autodiff: embedding: category %v outside 0…%d", v, ev.Cats-1))
		}
	}
}

// Attention is the interpretable multi-head attention core (see
// AttentionForward): it returns the output [Td·B × Dv] and the head-mean
// attention weights [Td·B × T] (data: no gradient flows back through them).
func (tp *Tape) Attention(q, k, v Tensor, s AttentionShape) (out, avg Tensor) {
	T := s.T()
	if q.R != s.Td*s.B || q.C != s.Heads*s.Dk || k.R != T*s.B || k.C != s.Heads*s.Dk || v.R != T*s.B || v.C != s.Dv {
		panic(fmt.Sprintf("autodiff: Attention shapes q %d×%d k %d×%d v %d×%d for %+v", q.R, q.C, k.R, k.C, v.R, v.C, s))
	}
	out = tp.alloc(s.Td*s.B, s.Dv)
	avg = tp.auxT(s.Td*s.B, T)
	probs := tp.auxT(s.Td*s.B*s.Heads, T)
	scratch := tp.auxT(1, T)
	AttentionForward(tp.v(out), tp.v(avg), tp.v(probs), nil, tp.v(q), tp.v(k), tp.v(v), s)
	tp.record(op{kind: opAttention, x: q, y: k, z: v, out: out, aux: probs, aux2: scratch, u: avg, att: s})
	return out, avg
}

// QuantileLoss returns the scalar Σ pinball(pred, y)/norm over the rows of
// pred ([n × nt·len(qs)]) against targets y ([n × nt], data), skipping
// targets where mask (data, or None) is 0. qs is kept by reference.
func (tp *Tape) QuantileLoss(pred, y, mask Tensor, qs []float64, norm float64) Tensor {
	nt := y.C
	if pred.R != y.R || pred.C != nt*len(qs) || (mask.present() && (mask.R != y.R || mask.C != y.C)) {
		panic(fmt.Sprintf("autodiff: QuantileLoss shapes pred %d×%d y %d×%d", pred.R, pred.C, y.R, y.C))
	}
	l := tp.alloc(1, 1)
	tp.v(l)[0] = QuantileLossForward(tp.v(pred), tp.v(y), tp.v(mask), qs, y.R, nt, norm)
	tp.record(op{kind: opQuantileLoss, x: pred, y: y, z: mask, out: l, qs: qs, f: norm})
	return l
}

// ConcatRows returns a stacked on top of b (equal widths).
func (tp *Tape) ConcatRows(a, b Tensor) Tensor {
	if a.C != b.C {
		panic(fmt.Sprintf("autodiff: ConcatRows widths %d and %d", a.C, b.C))
	}
	y := tp.alloc(a.R+b.R, a.C)
	yv := tp.v(y)
	copy(yv, tp.v(a))
	copy(yv[a.Size():], tp.v(b))
	tp.record(op{kind: opConcatRows, x: a, y: b, out: y})
	return y
}

// BlockLinear returns a·W blockwise (see BlockLinearForward): a is
// [rows × din], W is [len(blocks)·din × m]; rows outside every block are 0.
// blocks is kept by reference until Reset.
func (tp *Tape) BlockLinear(a, w Tensor, blocks []RowBlock) Tensor {
	din, m := a.C, w.C
	if w.R != len(blocks)*din {
		panic(fmt.Sprintf("autodiff: BlockLinear: %d weight rows for %d blocks of %d", w.R, len(blocks), din))
	}
	for _, bl := range blocks {
		if bl.Row < 0 || bl.N < 0 || bl.Row+bl.N > a.R {
			panic("autodiff: BlockLinear: block outside the input rows")
		}
	}
	y := tp.alloc(a.R, m)
	clear(tp.v(y))
	BlockLinearForward(tp.v(y), tp.v(a), tp.v(w), blocks, din, m)
	tp.record(op{kind: opBlockLinear, x: a, y: w, out: y, blocks: blocks})
	return y
}

// EmbedSum returns the sum over the variables of Embed(x, table, vars):
// [n × table.C]. vars is kept by reference until Reset.
func (tp *Tape) EmbedSum(x, table Tensor, vars []EmbedVar) Tensor {
	tp.checkEmbed(x, table, vars)
	y := tp.alloc(x.R, table.C)
	EmbedSumForward(tp.v(y), tp.v(x), tp.v(table), vars, x.R, table.C)
	tp.record(op{kind: opEmbedSum, x: x, y: table, out: y, n: x.R, a: table.C, vars: vars})
	return y
}

func addTo(dst, src []float64) {
	if dst == nil {
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

func (o *op) backward(tp *Tape) {
	dy := tp.g(o.out)
	switch o.kind {
	case opLinear:
		LinearBackward(tp.g(o.x), tp.g(o.y), tp.g(o.z), dy, tp.v(o.x), tp.v(o.y), o.n, o.a, o.b, o.c)
	case opELU:
		if dx := tp.g(o.x); dx != nil {
			ELUBackward(dx, dy, tp.v(o.x), tp.v(o.out))
		}
	case opGLU:
		if dx := tp.g(o.x); dx != nil {
			GLUBackward(dx, dy, tp.v(o.x), tp.v(o.aux), o.n, o.a)
		}
	case opSigmoid:
		if dx := tp.g(o.x); dx != nil {
			for i, y := range tp.v(o.out) {
				dx[i] += dy[i] * y * (1 - y)
			}
		}
	case opTanh:
		if dx := tp.g(o.x); dx != nil {
			for i, y := range tp.v(o.out) {
				dx[i] += dy[i] * (1 - y*y)
			}
		}
	case opAdd:
		addTo(tp.g(o.x), dy)
		addTo(tp.g(o.y), dy)
	case opAddBroadcast:
		addTo(tp.g(o.x), dy)
		if dc := tp.g(o.y); dc != nil {
			d, g := o.y.C, o.y.R
			for r := range o.out.R {
				cr := dc[(r%g)*d : (r%g)*d+d]
				for j := range d {
					cr[j] += dy[r*d+j]
				}
			}
		}
	case opLayerNorm:
		LayerNormBackward(tp.g(o.x), tp.g(o.y), tp.g(o.z), dy, tp.v(o.x), tp.v(o.y), tp.v(o.aux), o.x.R, o.x.C, o.y.R)
	case opLSTM:
		o.lstmBackward(tp)
	case opSoftmax:
		if dx := tp.g(o.x); dx != nil {
			SoftmaxBackward(dx, dy, tp.v(o.out), o.x.R, o.x.C)
		}
	case opWeightedSum:
		dw, dx := tp.g(o.x), tp.g(o.y)
		if dw == nil || dx == nil {
			panic("autodiff: WeightedSum of data tensors")
		}
		WeightedSumBackward(dw, dx, dy, tp.v(o.x), tp.v(o.y), o.n, o.a, o.b)
	case opEmbed:
		if dt := tp.g(o.y); dt != nil {
			EmbedBackward(dt, dy, tp.v(o.x), o.vars, o.n, o.a)
		}
	case opAttention:
		dq, dk, dv := tp.g(o.x), tp.g(o.y), tp.g(o.z)
		if dq == nil || dk == nil || dv == nil {
			panic("autodiff: Attention over data tensors")
		}
		AttentionBackward(dq, dk, dv, dy, tp.v(o.x), tp.v(o.y), tp.v(o.z), tp.v(o.aux), tp.v(o.u), tp.v(o.aux2), o.att)
	case opQuantileLoss:
		if dp := tp.g(o.x); dp != nil {
			QuantileLossBackward(dp, tp.v(o.x), tp.v(o.y), tp.v(o.z), o.qs, o.y.R, o.y.C, o.f, dy[0])
		}
	case opConcatRows:
		addTo(tp.g(o.x), dy[:o.x.Size()])
		addTo(tp.g(o.y), dy[o.x.Size():])
	case opBlockLinear:
		BlockLinearBackward(tp.g(o.x), tp.g(o.y), dy, tp.v(o.x), tp.v(o.y), o.blocks, o.x.C, o.y.C)
	case opEmbedSum:
		if dt := tp.g(o.y); dt != nil {
			EmbedSumBackward(dt, dy, tp.v(o.x), o.vars, o.n, o.a)
		}
	}
}

func (o *op) lstmBackward(tp *Tape) {
	T, B, H := o.n, o.a, o.b
	n := B * H
	dhs, dcs := tp.g(o.out), tp.g(o.out2)
	hs, cs := tp.v(o.out), tp.v(o.out2)
	gates, tanhC := tp.v(o.aux), tp.v(o.u)
	dgx, dh0, dc0, dwhh := tp.g(o.x), tp.g(o.y), tp.g(o.z), tp.g(o.w)
	whh := tp.v(o.w)
	sc := tp.v(o.aux2)
	dG := sc[:4*n]
	dhn := sc[4*n : 5*n]
	dcn := sc[5*n : 6*n]
	clear(dhn)
	clear(dcn)
	for t := T - 1; t >= 0; t-- {
		var hp, cp []float64
		if t == 0 {
			hp, cp = tp.v(o.y), tp.v(o.z)
		} else {
			hp, cp = hs[(t-1)*n:t*n], cs[(t-1)*n:t*n]
		}
		g := gates[4*t*n : 4*t*n+4*n]
		tcs := tanhC[t*n : t*n+n]
		for r := range B {
			gr := g[4*r*H : 4*r*H+4*H]
			dgr := dG[4*r*H : 4*r*H+4*H]
			for j := range H {
				k := r*H + j
				i, f, gg, og := gr[j], gr[H+j], gr[2*H+j], gr[3*H+j]
				tc := tcs[k]
				dh := dhs[t*n+k] + dhn[k]
				dc := dcs[t*n+k] + dcn[k] + dh*og*(1-tc*tc)
				dgr[j] = dc * gg * i * (1 - i)
				dgr[H+j] = dc * cp[k] * f * (1 - f)
				dgr[2*H+j] = dc * i * (1 - gg*gg)
				dgr[3*H+j] = dh * tc * og * (1 - og)
				dcn[k] = dc * f
			}
		}
		if dgx != nil {
			addTo(dgx[4*t*n:4*t*n+4*n], dG)
		}
		clear(dhn)
		LinearBackward(dhn, dwhh, nil, dG, hp, whh, B, H, 4*H, 1)
	}
	addTo(dh0, dhn)
	addTo(dc0, dcn)
}
