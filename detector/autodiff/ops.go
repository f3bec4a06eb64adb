package autodiff

import (
	"fmt"
)

// auxT allocates a saved-values tensor (no gradient).
func (tp *Tape) auxT(r, c int) Tensor { return tp.allocData(r, c) }

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
	record(tp, opLinear, &tp.ops.linear, linearOp{x: x, w: w, b: b, y: y, n: x.R, in: in, out: out, groups: groups})
	return y
}

// ELU returns ELU(x) elementwise (α = 1).
func (tp *Tape) ELU(x Tensor) Tensor {
	y := tp.alloc(x.R, x.C)
	ELUForward(tp.v(y), tp.v(x))
	record(tp, opELU, &tp.ops.elementwise, elementwiseOp{x: x, y: y})
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
	record(tp, opGLU, &tp.ops.glu, gluOp{x: x, y: y, sig: sg, n: x.R, d: d})
	return y
}

// Sigmoid returns σ(x) elementwise.
func (tp *Tape) Sigmoid(x Tensor) Tensor {
	y := tp.alloc(x.R, x.C)
	SigmoidSlice(tp.v(y), tp.v(x))
	record(tp, opSigmoid, &tp.ops.elementwise, elementwiseOp{x: x, y: y})
	return y
}

// Tanh returns tanh(x) elementwise.
func (tp *Tape) Tanh(x Tensor) Tensor {
	y := tp.alloc(x.R, x.C)
	TanhSlice(tp.v(y), tp.v(x))
	record(tp, opTanh, &tp.ops.elementwise, elementwiseOp{x: x, y: y})
	return y
}

// Add returns a + b (same shapes).
func (tp *Tape) Add(a, b Tensor) Tensor {
	sameShape("Add", a, b)
	y := tp.alloc(a.R, a.C)
	yv := tp.v(y)
	copy(yv, tp.v(a))
	addTo(yv, tp.v(b)) // y = a + b, one add per element as in a loop
	record(tp, opAdd, &tp.ops.binary, binaryOp{a: a, b: b, y: y})
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
	copy(yv, av)
	for k := 0; k < a.R; k += c.R { // rows k … k+c.R−1 take c whole
		addTo(yv[k*d:(k+c.R)*d], cv)
	}
	record(tp, opAddBroadcast, &tp.ops.binary, binaryOp{a: a, b: c, y: y})
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
	record(tp, opLayerNorm, &tp.ops.layerNorm, layerNormOp{x: x, gamma: gamma, beta: beta, y: y, stats: st})
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
	record(tp, opLSTM, &tp.ops.lstm, lstmOp{gx: gx, h0: h0, c0: c0, whh: whh, hs: hs, cs: cs, gates: gates, tanhC: tanhC, scratch: scratch, steps: T, batch: B, hidden: H})
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
	record(tp, opSoftmax, &tp.ops.elementwise, elementwiseOp{x: x, y: y})
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
	record(tp, opWeightedSum, &tp.ops.weightedSum, weightedSumOp{w: w, x: x, y: y, n: x.R, nv: w.C, d: d})
	return y
}

// Embed embeds the raw values x ([n × len(vars)], data) through table
// ([rows × d]); see EmbedForward. vars is kept by reference until Reset.
func (tp *Tape) Embed(x, table Tensor, vars []EmbedVar) Tensor {
	d := table.C
	tp.checkEmbed(x, table, vars)
	y := tp.alloc(x.R, len(vars)*d)
	EmbedForward(tp.v(y), tp.v(x), tp.v(table), vars, x.R, d)
	record(tp, opEmbed, &tp.ops.embed, embedOp{x: x, table: table, y: y, vars: vars, n: x.R, d: d})
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
	xv := tp.v(x)
	for r := 0; r+len(vars) <= len(xv); r += len(vars) {
		for i, ev := range vars {
			if v := xv[r+i]; ev.Cats > 0 && (v < 0 || int(v) >= ev.Cats) {
				panic(fmt.Sprintf("autodiff: embedding: category %v outside 0…%d", v, ev.Cats-1))
			}
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
	record(tp, opAttention, &tp.ops.attention, attentionOp{q: q, k: k, v: v, out: out, probs: probs, avg: avg, scratch: scratch, shape: s})
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
	record(tp, opQuantileLoss, &tp.ops.quantileLoss, quantileLossOp{pred: pred, y: y, mask: mask, loss: l, qs: qs, norm: norm})
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
	record(tp, opConcatRows, &tp.ops.binary, binaryOp{a: a, b: b, y: y})
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
	record(tp, opBlockLinear, &tp.ops.blockLinear, blockLinearOp{a: a, w: w, y: y, blocks: blocks})
	return y
}

// EmbedSum returns the sum over the variables of Embed(x, table, vars):
// [n × table.C]. vars is kept by reference until Reset.
func (tp *Tape) EmbedSum(x, table Tensor, vars []EmbedVar) Tensor {
	tp.checkEmbed(x, table, vars)
	y := tp.alloc(x.R, table.C)
	EmbedSumForward(tp.v(y), tp.v(x), tp.v(table), vars, x.R, table.C)
	record(tp, opEmbedSum, &tp.ops.embed, embedOp{x: x, table: table, y: y, vars: vars, n: x.R, d: table.C})
	return y
}
