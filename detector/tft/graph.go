package tft

import (
	"math"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// batch holds a minibatch gathered into time-major layout for the tape:
// the row of step p of example b is p·B + b.
type batch struct {
	B            int
	static       []float64 // [B × ns]
	enc          []float64 // [Te·B × ne]
	dec          []float64 // [Td·B × nd]
	target, mask []float64 // [Td·B × nt]
	observed     int       // number of observed targets
	ex           Example   // scratch for Dataset.Example
}

// gather fills b from examples idx of ds.
func (b *batch) gather(c *Config, ds Dataset, idx []int) error {
	B := len(idx)
	ns, ne, nd, nt := len(c.Static), len(c.Encoder), len(c.Decoder), len(c.Targets)
	Te, Td := c.EncoderLen, c.DecoderLen
	b.B = B
	b.static = grow(b.static, B*ns)
	b.enc = grow(b.enc, Te*B*ne)
	b.dec = grow(b.dec, Td*B*nd)
	b.target = grow(b.target, Td*B*nt)
	b.mask = grow(b.mask, Td*B*nt)
	b.observed = 0
	for j, i := range idx {
		if err := ds.Example(i, &b.ex); err != nil {
			return err
		}
		if err := c.CheckExample(&b.ex); err != nil {
			return errorf("example %d: %w", i, err)
		}
		copy(b.static[j*ns:], b.ex.Static)
		for p := range Te {
			copy(b.enc[(p*B+j)*ne:(p*B+j)*ne+ne], b.ex.Encoder[p*ne:p*ne+ne])
		}
		for p := range Td {
			copy(b.dec[(p*B+j)*nd:(p*B+j)*nd+nd], b.ex.Decoder[p*nd:p*nd+nd])
			for t := range nt {
				k := p*nt + t
				m := 1.0
				if len(b.ex.TargetMask) != 0 {
					m = b.ex.TargetMask[k]
				}
				y := b.ex.Target[k]
				if m == 0 {
					y = 0
				} else {
					b.observed++
				}
				b.target[(p*B+j)*nt+t] = y
				b.mask[(p*B+j)*nt+t] = m
			}
		}
	}
	return nil
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// graph is the TFT forward pass recorded on a tape.
type graph struct {
	m  *Model
	tp *autodiff.Tape
	// Outputs.
	pred                autodiff.Tensor // [Td·B × nt·nq], raw (unsorted) quantiles
	staticW, encW, decW autodiff.Tensor // selection weights (None for single-variable groups)
	attn                autodiff.Tensor // [Td·B × T] head-mean attention
	loss                autodiff.Tensor
	// plain computes every layer as the architecture reads, without the
	// folds (the reference the tests compare the folded graph with).
	plain bool
}

func (g *graph) param(off, r, c int) autodiff.Tensor { return g.tp.Param(off, r, c) }

func (g *graph) linear(p linearP, x autodiff.Tensor) autodiff.Tensor {
	w := g.param(p.w, p.groups*p.in, p.out)
	b := autodiff.None
	if p.b >= 0 {
		b = g.param(p.b, p.groups, p.out)
	}
	return g.tp.Linear(x, w, b, p.groups)
}

func (g *graph) layerNorm(p lnP, x autodiff.Tensor) autodiff.Tensor {
	return g.tp.LayerNorm(x, g.param(p.g, p.groups, p.width), g.param(p.b, p.groups, p.width))
}

// gateAddNorm is LayerNorm(GLU(x·W + b) + skip) over rows of width H.
func (g *graph) gateAddNorm(glu linearP, ln lnP, x, skip autodiff.Tensor) autodiff.Tensor {
	return g.layerNorm(ln, g.tp.Add(g.tp.GLU(g.linear(glu, x)), skip))
}

// grn applies a single-group gated residual network to x [n × in]; ctx,
// if present, is [B × H] and is broadcast over the rows (row r gets ctx
// row r mod B). When the GRN runs over enough rows, fc2 and the GLU's
// linear layer are folded into one map first (W₂·W_g, b₂·W_g + b_g: there
// is no nonlinearity between them), which saves hid² multiply-adds per row
// forwards and backwards.
func (g *graph) grn(p grnP, x, ctx autodiff.Tensor) autodiff.Tensor {
	if g.plain {
		return g.plainGRN(p, x, ctx)
	}
	tp := g.tp
	n := x.R
	h := g.linear(p.fc1, x)
	if p.hasCtx {
		h = tp.AddBroadcast(h, g.linear(p.ctx, ctx))
	}
	h = tp.ELU(h)
	var gl autodiff.Tensor
	if n >= 2*p.hid {
		wg := g.param(p.glu.w, p.hid, 2*p.out)
		w := tp.Linear(g.param(p.fc2.w, p.hid, p.hid), wg, autodiff.None, 1)
		b := tp.Linear(g.param(p.fc2.b, 1, p.hid), wg, g.param(p.glu.b, 1, 2*p.out), 1)
		gl = tp.Linear(h, w, b, 1)
	} else {
		gl = g.linear(p.glu, g.linear(p.fc2, h))
	}
	y := tp.GLU(gl)
	skip := x
	if p.hasSkip {
		skip = g.linear(p.skip, x)
	}
	return g.layerNorm(p.ln, tp.Add(y, skip))
}

// vsn applies a variable selection network to the raw values x
// ([n × nv], data). It returns the combined embedding [n × H] and the
// selection weights [n × nv] (None when nv = 1).
//
// Every linear layer that reads the embeddings directly (the single GRNs'
// fc1 and skip, the flattened GRN's fc1 and skip) is folded into the
// embedding table first: for a real variable, (x·w + b)·L = x·(w·L) + b·L,
// and a categorical row e becomes e·L. The folded tables have the table's
// few rows, so the per-row work drops from d·m to m multiply-adds per
// layer, and the gradients flow back through the folds to the original
// parameters.
func (g *graph) vsn(p vsnP, x, ctx autodiff.Tensor) (autodiff.Tensor, autodiff.Tensor) {
	if g.plain {
		return g.plainVSN(p, x, ctx)
	}
	tp := g.tp
	n, d, nv := x.R, p.d, p.n
	s := &p.single
	H := s.out
	table := g.param(p.table, p.rows, d)

	// Single-variable GRNs, grouped over the variables.
	h := tp.Embed(x, tp.BlockLinear(table, g.param(s.fc1.w, nv*d, d), p.tableBlocks), p.vars)
	h = tp.ELU(tp.AddBroadcast(h, g.param(s.fc1.b, 1, nv*d)))
	wg := g.param(s.glu.w, nv*d, 2*H)
	wf := tp.BlockLinear(g.param(s.fc2.w, nv*d, d), wg, p.dBlocks)
	bf := tp.Add(tp.BlockLinear(g.param(s.fc2.b, nv, d), wg, p.oneBlocks), g.param(s.glu.b, nv, 2*H))
	y := tp.GLU(tp.Reshape(tp.Linear(h, wf, bf, nv), n*nv, 2*H))
	var skip autodiff.Tensor
	if s.hasSkip {
		skip = tp.Embed(x, tp.BlockLinear(table, g.param(s.skip.w, nv*d, H), p.tableBlocks), p.vars)
		skip = tp.AddBroadcast(skip, g.param(s.skip.b, 1, nv*H))
	} else {
		skip = tp.Embed(x, table, p.vars)
	}
	single := g.layerNorm(s.ln, tp.Add(y, tp.Reshape(skip, n*nv, H)))
	single = tp.Reshape(single, n, nv*H)
	if nv == 1 {
		return single, autodiff.None
	}

	// Flattened GRN over all the embeddings → selection weights.
	f := &p.flat
	hf := f.hid
	f1 := tp.EmbedSum(x, tp.BlockLinear(table, g.param(f.fc1.w, nv*d, hf), p.tableBlocks), p.vars)
	f1 = tp.AddBroadcast(f1, g.param(f.fc1.b, 1, hf))
	if f.hasCtx {
		f1 = tp.AddBroadcast(f1, g.linear(f.ctx, ctx))
	}
	f1 = tp.ELU(f1)
	fg := g.param(f.glu.w, hf, 2*nv)
	fw := tp.Linear(g.param(f.fc2.w, hf, hf), fg, autodiff.None, 1)
	fb := tp.Linear(g.param(f.fc2.b, 1, hf), fg, g.param(f.glu.b, 1, 2*nv), 1)
	wts := tp.GLU(tp.Linear(f1, fw, fb, 1))
	var fs autodiff.Tensor
	if f.hasSkip {
		fs = tp.EmbedSum(x, tp.BlockLinear(table, g.param(f.skip.w, nv*d, nv), p.tableBlocks), p.vars)
		fs = tp.AddBroadcast(fs, g.param(f.skip.b, 1, nv))
	} else { // d = 1: the skip is the embedding itself
		fs = tp.Embed(x, table, p.vars)
	}
	w := tp.Softmax(g.layerNorm(f.ln, tp.Add(wts, fs)), autodiff.None)
	return tp.WeightedSum(w, single), w
}

// plainGRN is the (possibly grouped) GRN as the architecture reads:
// LayerNorm(GLU(fc2(ELU(fc1(x) + ctx))) + skip(x)).
func (g *graph) plainGRN(p grnP, x, ctx autodiff.Tensor) autodiff.Tensor {
	tp := g.tp
	n := x.R
	h := g.linear(p.fc1, x)
	if p.hasCtx {
		h = tp.AddBroadcast(h, g.linear(p.ctx, ctx))
	}
	h = g.linear(p.fc2, tp.ELU(h))
	gl := tp.GLU(tp.Reshape(g.linear(p.glu, h), n*p.groups, 2*p.out))
	skip := x
	if p.hasSkip {
		skip = g.linear(p.skip, x)
	}
	y := g.layerNorm(p.ln, tp.Add(gl, tp.Reshape(skip, n*p.groups, p.out)))
	return tp.Reshape(y, n, p.groups*p.out)
}

// plainVSN is the variable selection network as the architecture reads.
func (g *graph) plainVSN(p vsnP, x, ctx autodiff.Tensor) (autodiff.Tensor, autodiff.Tensor) {
	tp := g.tp
	emb := tp.Embed(x, g.param(p.table, p.rows, p.d), p.vars)
	single := g.plainGRN(p.single, emb, autodiff.None)
	if p.n == 1 {
		return single, autodiff.None
	}
	w := tp.Softmax(g.plainGRN(p.flat, emb, ctx), autodiff.None)
	return tp.WeightedSum(w, single), w
}

// forward records the model on tp for the batch b and, if withLoss, the
// quantile loss Σ pinball / norm.
func (m *Model) forward(tp *autodiff.Tape, b *batch, withLoss bool, norm float64) graph {
	return m.forwardGraph(tp, b, withLoss, norm, false)
}

func (m *Model) forwardGraph(tp *autodiff.Tape, b *batch, withLoss bool, norm float64, plain bool) graph {
	c, l := &m.cfg, m.lay
	g := graph{m: m, tp: tp, staticW: autodiff.None, encW: autodiff.None, decW: autodiff.None, plain: plain}
	H, B := c.Hidden, b.B
	Te, Td := c.EncoderLen, c.DecoderLen
	ns, ne, nd, nt := len(c.Static), len(c.Encoder), len(c.Decoder), len(c.Targets)

	// Static covariates and the four contexts.
	var staticEmb autodiff.Tensor
	if ns > 0 {
		xs := tp.Input(B, ns)
		copy(tp.Value(xs), b.static[:B*ns])
		staticEmb, g.staticW = g.vsn(l.staticVSN, xs, autodiff.None)
	} else {
		staticEmb = tp.Zeros(B, H)
	}
	cVS := g.grn(l.csVS, staticEmb, autodiff.None)
	cEnrich := g.grn(l.csEnrich, staticEmb, autodiff.None)
	cH := g.grn(l.csH, staticEmb, autodiff.None)
	cC := g.grn(l.csC, staticEmb, autodiff.None)

	// Time-varying variable selection.
	xe := tp.Input(Te*B, ne)
	copy(tp.Value(xe), b.enc[:Te*B*ne])
	encEmb, encW := g.vsn(l.encVSN, xe, cVS)
	g.encW = encW
	var decEmb autodiff.Tensor
	if nd > 0 {
		xd := tp.Input(Td*B, nd)
		copy(tp.Value(xd), b.dec[:Td*B*nd])
		decEmb, g.decW = g.vsn(l.decVSN, xd, cVS)
	} else {
		decEmb = tp.Zeros(Td*B, H)
	}

	// LSTM encoder from the static state, decoder from the encoder's.
	hsE, csE := tp.LSTM(g.linear(l.lstmEnc.ih, encEmb), cH, cC, g.param(l.lstmEnc.whh, H, 4*H))
	hT := tp.Rows(hsE, (Te-1)*B, B)
	cT := tp.Rows(csE, (Te-1)*B, B)
	hsD, _ := tp.LSTM(g.linear(l.lstmDec.ih, decEmb), hT, cT, g.param(l.lstmDec.whh, H, 4*H))

	// Gated skip over the LSTMs (shared by encoder and decoder steps).
	lstmOut := tp.ConcatRows(hsE, hsD)
	emb := tp.ConcatRows(encEmb, decEmb)
	post := g.gateAddNorm(l.postLSTMGLU, l.postLSTMLN, lstmOut, emb)

	// Static enrichment, then attention from the decoder steps.
	enriched := g.grn(l.enrich, post, cEnrich)
	encRows := Te * B
	decEnriched := tp.Rows(enriched, encRows, Td*B)
	q := g.linear(l.q, decEnriched)
	k := g.linear(l.k, enriched)
	v := g.linear(l.v, enriched)
	shape := autodiff.AttentionShape{B: B, Te: Te, Td: Td, Heads: c.Heads, Dk: H / c.Heads, Dv: H / c.Heads}
	att, avg := tp.Attention(q, k, v, shape)
	g.attn = avg
	a := g.linear(l.wh, att)
	x := g.gateAddNorm(l.postAttnGLU, l.postAttnLN, a, decEnriched)
	x = g.grn(l.ff, x, autodiff.None)
	x = g.gateAddNorm(l.preOutGLU, l.preOutLN, x, tp.Rows(post, encRows, Td*B))
	g.pred = g.linear(l.out, x)

	if withLoss {
		y := tp.Input(Td*B, nt)
		copy(tp.Value(y), b.target[:Td*B*nt])
		mask := tp.Input(Td*B, nt)
		copy(tp.Value(mask), b.mask[:Td*B*nt])
		if norm <= 0 || math.IsNaN(norm) {
			norm = 1
		}
		g.loss = tp.QuantileLoss(g.pred, y, mask, c.Quantiles, norm)
	}
	return g
}
