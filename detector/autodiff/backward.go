package autodiff

// The recorded ops and their backward passes. Each forward method of Tape
// records one op of its own type, named after the forward's arguments, in
// the tape's list for that type (opLists), and its kind and index in the
// tape's order of ops; Backward walks that order in reverse. The lists are
// reused across Reset, so recording allocates nothing once they have grown.

// opKind is what a recorded op computed; it selects the op's list and, for
// the types that serve several kinds, its derivative.
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

// opRef is one recorded op: its kind and its index in the list of ops of
// its type.
type opRef struct {
	kind opKind
	i    int32
}

// opLists holds the recorded ops, one list per op type.
type opLists struct {
	linear       []linearOp
	elementwise  []elementwiseOp
	binary       []binaryOp
	glu          []gluOp
	layerNorm    []layerNormOp
	lstm         []lstmOp
	weightedSum  []weightedSumOp
	embed        []embedOp
	attention    []attentionOp
	quantileLoss []quantileLossOp
	blockLinear  []blockLinearOp
}

// reset empties every list, keeping the capacity.
func (l *opLists) reset() {
	l.linear = l.linear[:0]
	l.elementwise = l.elementwise[:0]
	l.binary = l.binary[:0]
	l.glu = l.glu[:0]
	l.layerNorm = l.layerNorm[:0]
	l.lstm = l.lstm[:0]
	l.weightedSum = l.weightedSum[:0]
	l.embed = l.embed[:0]
	l.attention = l.attention[:0]
	l.quantileLoss = l.quantileLoss[:0]
	l.blockLinear = l.blockLinear[:0]
}

// record appends o to list and its reference to the tape's order.
func record[T any](tp *Tape, kind opKind, list *[]T, o T) {
	tp.order = append(tp.order, opRef{kind: kind, i: int32(len(*list))})
	*list = append(*list, o)
}

// backward runs the recorded ops backwards.
func (tp *Tape) backward() {
	l := &tp.ops
	for i := len(tp.order) - 1; i >= 0; i-- {
		r := tp.order[i]
		switch r.kind {
		case opLinear:
			l.linear[r.i].backward(tp)
		case opELU, opSigmoid, opTanh, opSoftmax:
			l.elementwise[r.i].backward(tp, r.kind)
		case opAdd, opAddBroadcast, opConcatRows:
			l.binary[r.i].backward(tp, r.kind)
		case opGLU:
			l.glu[r.i].backward(tp)
		case opLayerNorm:
			l.layerNorm[r.i].backward(tp)
		case opLSTM:
			l.lstm[r.i].backward(tp)
		case opWeightedSum:
			l.weightedSum[r.i].backward(tp)
		case opEmbed, opEmbedSum:
			l.embed[r.i].backward(tp, r.kind)
		case opAttention:
			l.attention[r.i].backward(tp)
		case opQuantileLoss:
			l.quantileLoss[r.i].backward(tp)
		case opBlockLinear:
			l.blockLinear[r.i].backward(tp)
		}
	}
}

// AddTo adds src to dst element by element (dst[i] += src[i], src at
// least as long as dst), with the AVX kernels where it is long enough:
// the same adds, so the same bits as the plain loop.
func AddTo(dst, src []float64) { addTo(dst, src) }

// addTo adds src to dst (nil: a tensor without gradient).
func addTo(dst, src []float64) {
	if dst == nil {
		return
	}
	src = src[:len(dst)]
	dst, src = vectorHead(dst, src, addAVX512, addAVX2)
	for i, v := range src {
		dst[i] += v
	}
}

// addRows adds the n rows of x (stride xs ≥ len(dst)) to dst, row after
// row: dst[j] += x[r][j] for r = 0 … n−1 in order. With AVX-512,
// addRowsAVX512 keeps each block of eight columns in a register over the
// rows (the same adds in the same order); else, and for the last
// len(dst)%8 columns, addTo a row at a time.
func addRows(dst, x []float64, xs, n int) {
	d := len(dst)
	if n <= 0 {
		return
	}
	if xs < d {
		panic("autodiff: addRows row stride shorter than its row")
	}
	_ = x[(n-1)*xs+d-1]
	j := 0
	if useAVX512 && d >= 8 {
		j = d &^ 7
		addRowsAVX512(dst[:j], x, xs, n)
	}
	if j < d {
		for r := range n {
			addTo(dst[j:], x[r*xs+j:r*xs+d])
		}
	}
}

// linearOp is y = x·W + b over n rows in groups blocks of in → out.
type linearOp struct {
	x, w, b, y         Tensor
	n, in, out, groups int
}

func (o *linearOp) backward(tp *Tape) {
	LinearBackward(tp.g(o.x), tp.g(o.w), tp.g(o.b), tp.g(o.y), tp.v(o.x), tp.v(o.w), o.n, o.in, o.out, o.groups)
}

// elementwiseOp is y = f(x) for f one of ELU, σ, tanh (elementwise) or
// softmax (per row); the kind says which.
type elementwiseOp struct {
	x, y Tensor
}

func (o *elementwiseOp) backward(tp *Tape, kind opKind) {
	dx := tp.g(o.x)
	if dx == nil {
		return
	}
	dy := tp.g(o.y)
	switch kind {
	case opELU:
		ELUBackward(dx, dy, tp.v(o.x), tp.v(o.y))
	case opSigmoid:
		for i, y := range tp.v(o.y) {
			dx[i] += dy[i] * y * (1 - y)
		}
	case opTanh:
		for i, y := range tp.v(o.y) {
			dx[i] += dy[i] * (1 - y*y)
		}
	case opSoftmax:
		SoftmaxBackward(dx, dy, tp.v(o.y), o.x.R, o.x.C)
	}
}

// binaryOp is y = a + b (Add), y = a + b broadcast over the rows of a
// (AddBroadcast: row r of a gets row r mod b.R of b) or y = a stacked on b
// (ConcatRows); the kind says which.
type binaryOp struct {
	a, b, y Tensor
}

func (o *binaryOp) backward(tp *Tape, kind opKind) {
	dy := tp.g(o.y)
	switch kind {
	case opAdd:
		addTo(tp.g(o.a), dy)
		addTo(tp.g(o.b), dy)
	case opAddBroadcast:
		addTo(tp.g(o.a), dy)
		if db := tp.g(o.b); db != nil {
			d, g := o.b.C, o.b.R
			// Rows k·g … k·g+g−1 of y take b whole: blocks of g·d.
			addRows(db, dy, g*d, o.y.R/g)
		}
	case opConcatRows:
		addTo(tp.g(o.a), dy[:o.a.Size()])
		addTo(tp.g(o.b), dy[o.a.Size():])
	}
}

// gluOp is y = a ⊙ σ(b) for the halves [a | b] of each of the n rows of
// x, of d columns each; sig saves σ(b).
type gluOp struct {
	x, y, sig Tensor
	n, d      int
}

func (o *gluOp) backward(tp *Tape) {
	if dx := tp.g(o.x); dx != nil {
		GLUBackward(dx, tp.g(o.y), tp.v(o.x), tp.v(o.sig), o.n, o.d)
	}
}

// layerNormOp is y = LayerNorm(x)·γ + β; stats saves each row's mean and
// inverse deviation.
type layerNormOp struct {
	x, gamma, beta, y, stats Tensor
}

func (o *layerNormOp) backward(tp *Tape) {
	LayerNormBackward(tp.g(o.x), tp.g(o.gamma), tp.g(o.beta), tp.g(o.y), tp.v(o.x), tp.v(o.gamma), tp.v(o.stats), o.x.R, o.x.C, o.gamma.R)
}

// lstmOp is an LSTM of steps steps over batch sequences of hidden units
// (see Tape.LSTM): inputs gx, h0, c0, whh; outputs hs, cs; gates and
// tanhC save the activated gates and tanh(c) of every step; scratch holds
// the backward pass's gate gradients and the carried dh, dc.
type lstmOp struct {
	gx, h0, c0, whh       Tensor
	hs, cs                Tensor
	gates, tanhC, scratch Tensor
	steps, batch, hidden  int
}

func (o *lstmOp) backward(tp *Tape) {
	T, B, H := o.steps, o.batch, o.hidden
	n := B * H
	dhs, dcs := tp.g(o.hs), tp.g(o.cs)
	hs, cs := tp.v(o.hs), tp.v(o.cs)
	gates, tanhC := tp.v(o.gates), tp.v(o.tanhC)
	dgx, dh0, dc0, dwhh := tp.g(o.gx), tp.g(o.h0), tp.g(o.c0), tp.g(o.whh)
	whh := tp.v(o.whh)
	sc := tp.v(o.scratch)
	dG := sc[:4*n]
	dhn := sc[4*n : 5*n]
	dcn := sc[5*n : 6*n]
	clear(dhn)
	clear(dcn)
	var wt []float64
	if matMulTVector(B, H, 4*H) {
		var sp *[]float64
		sp, wt = transposeScratch(whh, H, 4*H)
		defer transposePool.Put(sp)
	}
	for t := T - 1; t >= 0; t-- {
		var hp, cp []float64
		if t == 0 {
			hp, cp = tp.v(o.h0), tp.v(o.c0)
		} else {
			hp, cp = hs[(t-1)*n:t*n], cs[(t-1)*n:t*n]
		}
		g := gates[4*t*n : 4*t*n+4*n]
		tcs := tanhC[t*n : t*n+n]
		lstmGateGrads(dG, dcn, dhn, g, tcs, dhs[t*n:t*n+n], dcs[t*n:t*n+n], cp, B, H)
		if dgx != nil {
			addTo(dgx[4*t*n:4*t*n+4*n], dG)
		}
		clear(dhn)
		// The recurrent layer's part of LinearBackward (dW and dx; it has
		// no bias), with whh transposed once for all steps.
		if dwhh != nil {
			matTMulAcc(dwhh, hp, H, dG, 4*H, B, H, 4*H)
		}
		if wt != nil {
			matMulTAccWt(dhn, H, dG, 4*H, whh, wt, B, H, 4*H)
		} else {
			matMulTAccGo(dhn, H, dG, 4*H, whh, B, H, 4*H, 0)
		}
	}
	addTo(dh0, dhn)
	addTo(dc0, dcn)
}

// lstmGateGrads computes one step of the LSTM's backward pass for b rows
// of hid units: from the step's activated gates g [b × 4·hid] (i, f, g,
// o), tanh(c) tc, the incoming gradients dh and dc of its outputs, the
// carried dhn and dcn from the step after it and the previous cell state
// cp (each [b × hid]), it writes the gate pre-activation gradients dg
// [b × 4·hid] and the carried dcn = dc·f. With AVX-512 and hid a multiple
// of 8 lstmGateGradsAVX512 does it, the same operations in the same order.
func lstmGateGrads(dg, dcn, dhn, g, tc, dh, dc, cp []float64, b, hid int) {
	H := hid
	if useAVX512 && H > 0 && H%8 == 0 && b > 0 {
		n := b * H
		_, _, _, _, _, _ = dcn[n-1], dhn[n-1], tc[n-1], dh[n-1], dc[n-1], cp[n-1]
		_, _ = dg[4*n-1], g[4*n-1]
		lstmGateGradsAVX512(dg, dcn, dhn, g, tc, dh, dc, cp, b, H)
		return
	}
	for r := range b {
		gr := g[4*r*H : 4*r*H+4*H]
		dgr := dg[4*r*H : 4*r*H+4*H]
		for j := range H {
			k := r*H + j
			i, f, gg, og := gr[j], gr[H+j], gr[2*H+j], gr[3*H+j]
			tck := tc[k]
			dhk := dh[k] + dhn[k]
			dck := dc[k] + dcn[k] + mul(dhk*og, 1-mul(tck, tck))
			dgr[j] = dck * gg * i * (1 - i)
			dgr[H+j] = dck * cp[k] * f * (1 - f)
			dgr[2*H+j] = dck * i * (1 - mul(gg, gg))
			dgr[3*H+j] = dhk * tck * og * (1 - og)
			dcn[k] = dck * f
		}
	}
}

// weightedSumOp is y[r] = Σᵥ w[r,v]·x[r, v·d:(v+1)·d] over n rows and nv
// variables.
type weightedSumOp struct {
	w, x, y  Tensor
	n, nv, d int
}

func (o *weightedSumOp) backward(tp *Tape) {
	dw, dx := tp.g(o.w), tp.g(o.x)
	if dw == nil || dx == nil {
		panic("autodiff: WeightedSum of data tensors")
	}
	WeightedSumBackward(dw, dx, tp.g(o.y), tp.v(o.w), tp.v(o.x), o.n, o.nv, o.d)
}

// embedOp is y = the embeddings of the n rows of raw values x through
// table (d columns), one per variable side by side (Embed) or summed
// (EmbedSum); the kind says which.
type embedOp struct {
	x, table, y Tensor
	vars        []EmbedVar
	n, d        int
}

func (o *embedOp) backward(tp *Tape, kind opKind) {
	dt := tp.g(o.table)
	if dt == nil {
		return
	}
	if kind == opEmbedSum {
		EmbedSumBackward(dt, tp.g(o.y), tp.v(o.x), o.vars, o.n, o.d)
		return
	}
	EmbedBackward(dt, tp.g(o.y), tp.v(o.x), o.vars, o.n, o.d)
}

// attentionOp is out = Attention(q, k, v) of shape; probs saves every
// head's attention weights, avg their mean (an output without gradient),
// scratch one row of workspace.
type attentionOp struct {
	q, k, v, out        Tensor
	probs, avg, scratch Tensor
	shape               AttentionShape
}

func (o *attentionOp) backward(tp *Tape) {
	dq, dk, dv := tp.g(o.q), tp.g(o.k), tp.g(o.v)
	if dq == nil || dk == nil || dv == nil {
		panic("autodiff: Attention over data tensors")
	}
	AttentionBackward(dq, dk, dv, tp.g(o.out), tp.v(o.q), tp.v(o.k), tp.v(o.v), tp.v(o.probs), tp.v(o.avg), tp.v(o.scratch), o.shape)
}

// quantileLossOp is the scalar loss = Σ pinball(pred, y)/norm at the
// quantile levels qs, skipping targets where mask is 0.
type quantileLossOp struct {
	pred, y, mask, loss Tensor
	qs                  []float64
	norm                float64
}

func (o *quantileLossOp) backward(tp *Tape) {
	if dp := tp.g(o.pred); dp != nil {
		QuantileLossBackward(dp, tp.v(o.pred), tp.v(o.y), tp.v(o.mask), o.qs, o.y.R, o.y.C, o.norm, tp.g(o.loss)[0])
	}
}

// blockLinearOp is y = a·W blockwise over blocks of rows of a.
type blockLinearOp struct {
	a, w, y Tensor
	blocks  []RowBlock
}

func (o *blockLinearOp) backward(tp *Tape) {
	BlockLinearBackward(tp.g(o.a), tp.g(o.w), tp.g(o.y), tp.v(o.a), tp.v(o.w), o.blocks, o.a.C, o.w.C)
}
