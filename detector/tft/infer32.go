package tft

import (
	"math"
	"sync"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// The float32 forward of compact streams. Everything after the variable
// selection (the LSTM input projection of the encoder rows, the LSTMs, the
// gated skip, enrichment, attention, the decoder tail and the head) runs
// on float32 copies of the weights with the float32 kernels
// (autodiff.MatMulAcc32, LSTMStep32, …), so that a vector holds twice as
// many values. What comes before stays float64: the static contexts and
// the decoder row's selection and input projection are computed as the
// float64 path computes them and rounded to float32 once; the encoder
// rows' embeddings are read from the stream's float32 ring as they are.
// The quantiles and the attention are widened back into the Forecast.
// Each row's result still does not depend on the rows it runs with.

// lin32 is a linear layer y = x·W + b in float32 (b nil: no bias).
type lin32 struct {
	w, b    []float32
	in, out int
}

// ln32 is a layer norm's γ and β in float32.
type ln32 struct{ g, b []float32 }

// grn32 is a foldedGRN in float32 (no context weights: the context comes
// already projected).
type grn32 struct {
	in, hid, out        int
	w1, b1              []float32
	wg, bg, gamma, beta []float32
}

// weights32 holds float32 copies of the weights the float32 forward uses,
// each rounded once from the float64 parameters (folded ones after the
// fold).
type weights32 struct {
	ihE                    lin32     // the encoder LSTM's input projection
	whhE, whhD             []float32 // the LSTMs' recurrent weights [H × 4H]
	postLSTMGLU            lin32
	postLSTMLN             ln32
	enrich, ff             grn32
	v, q, wh, out          lin32
	wkT, bk                []float32 // foldedAttention
	postAttnGLU, preOutGLU lin32
	postAttnLN, preOutLN   ln32
}

// lazy32 makes a folded's float32 weights on first use: a Model that never
// forecasts a compact stream never pays for them.
type lazy32 struct {
	once sync.Once
	w    *weights32
}

// weights32 returns the float32 weights of the current parameters, made on
// the first call after a refresh (refresh replaces m.fold, and with it
// this cache). Safe for concurrent use by forecasts.
func (m *Model) weights32() *weights32 {
	f := m.fold
	f.w32.once.Do(func() { f.w32.w = m.makeWeights32() })
	return f.w32.w
}

func f32s(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

func (m *Model) lin32(p linearP) lin32 {
	l := lin32{in: p.in, out: p.out, w: f32s(m.sl(p.w, p.in*p.out))}
	if p.b >= 0 {
		l.b = f32s(m.sl(p.b, p.out))
	}
	return l
}

func (m *Model) ln32(p lnP) ln32 {
	return ln32{g: f32s(m.sl(p.g, p.width)), b: f32s(m.sl(p.b, p.width))}
}

func grnTo32(g *foldedGRN) grn32 {
	return grn32{in: g.in, hid: g.hid, out: g.out, w1: f32s(g.w1), b1: f32s(g.b1),
		wg: f32s(g.wg), bg: f32s(g.bg), gamma: f32s(g.gamma), beta: f32s(g.beta)}
}

func (m *Model) makeWeights32() *weights32 {
	l, fd, H := m.lay, m.fold, m.cfg.Hidden
	return &weights32{
		ihE:  m.lin32(l.lstmEnc.ih),
		whhE: f32s(m.sl(l.lstmEnc.whh, H*4*H)), whhD: f32s(m.sl(l.lstmDec.whh, H*4*H)),
		postLSTMGLU: m.lin32(l.postLSTMGLU), postLSTMLN: m.ln32(l.postLSTMLN),
		enrich: grnTo32(&fd.enrich), ff: grnTo32(&fd.ff),
		v: m.lin32(l.v), q: m.lin32(l.q), wh: m.lin32(l.wh), out: m.lin32(l.out),
		wkT: f32s(fd.attn.wkT), bk: f32s(fd.attn.bk),
		postAttnGLU: m.lin32(l.postAttnGLU), postAttnLN: m.ln32(l.postAttnLN),
		preOutGLU: m.lin32(l.preOutGLU), preOutLN: m.ln32(l.preOutLN),
	}
}

// work32 is the float32 forward's buffers, sized for capB windows.
type work32 struct {
	capB               int
	cH, cC, ctxEnrich  []float32 // the static contexts, rounded [B × H]
	c                  []float32 // the LSTM cell state [B × H]
	emb, hs, post, enr []float32 // [T·B × H], time-major
	gx                 []float32 // [T·B × 4H]
	v                  []float32 // [T·B × Dk]
	gates              []float32 // [B × 4H]
	q, x1, x2          []float32 // [Td·B × H]
	att                []float32 // [Td·B × Dk]
	avg                []float32 // [Td·B × T]
	pred               []float32 // [Td·B × nt·nq]
	u, uh, s, cb       []float32 // attention scratch, as work's
	rb                 rowBufs32
}

// rowBufs32 is grnRows32's and gateAddNormRows32's scratch for one tile.
type rowBufs32 struct {
	a []float32 // [tileRows × hid]
	c []float32 // [tileRows × 2·out]
}

// ensure32 returns the workspace's float32 buffers sized for B windows.
func (ws *Workspace) ensure32(m *Model, B int) *work32 {
	if ws.w32 == nil {
		ws.w32 = &work32{}
	}
	x := ws.w32
	if B <= x.capB {
		return x
	}
	c := &m.cfg
	H, T, Td := c.Hidden, c.Steps(), c.DecoderLen
	dk := H / c.Heads
	f := func(n int) []float32 { return make([]float32, n) }
	R := T * B
	x.capB = B
	x.cH, x.cC, x.ctxEnrich, x.c = f(B*H), f(B*H), f(B*H), f(B*H)
	x.emb, x.hs, x.post, x.enr = f(R*H), f(R*H), f(R*H), f(R*H)
	x.gx = f(R * 4 * H)
	x.v = f(R * dk)
	x.gates = f(B * 4 * H)
	x.q, x.x1, x.x2 = f(Td*B*H), f(Td*B*H), f(Td*B*H)
	x.att = f(Td * B * dk)
	x.avg = f(Td * B * T)
	x.pred = f(Td * B * c.Outputs())
	x.u, x.uh, x.s, x.cb = f(H*c.Heads), f(H), f(T*c.Heads), f(c.Heads)
	hid := max(m.fold.enrich.hid, m.fold.ff.hid)
	x.rb = rowBufs32{a: f(tileRows * hid), c: f(tileRows * 2 * H)}
	return x
}

// round32 sets y[i] = float32(x[i]) (rounded to nearest).
func round32(y []float32, x []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = float32(v)
	}
}

// chunk32 is the float32 end of streamChunk: the B compact streams ss have
// their static contexts in w and their selection done; their encoder
// embeddings are in their rings.
func (m *Model) chunk32(ws *Workspace, ss []*Stream, decoders [][]float64, out []Forecast) {
	c := &m.cfg
	B := len(ss)
	w := &ws.w
	x := ws.ensure32(m, B)
	wt := m.weights32()
	H, Te, Td := c.Hidden, c.EncoderLen, c.DecoderLen
	for b, s := range ss {
		st := &s.st
		for p := range Te {
			r, slot := p*B+b, (st.head+p)%Te
			copy(x.emb[r*H:(r+1)*H], st.emb32[slot*H:(slot+1)*H])
		}
	}
	// The encoder rows' LSTM input projection from their float32
	// embeddings; the decoder rows' as the float64 path computes it,
	// rounded.
	linearRows32(x.gx[:Te*B*4*H], x.emb[:Te*B*H], Te*B, wt.ihE)
	m.decoderRows(w, B, func(b int) []float64 { return decoders[b] }, out)
	base, Rd := Te*B, Td*B
	round32(x.emb[base*H:], w.emb[base*H:(base+Rd)*H])
	round32(x.gx[base*4*H:], w.gx[base*4*H:(base+Rd)*4*H])
	round32(x.cH, w.cH[:B*H])
	round32(x.cC, w.cC[:B*H])
	round32(x.ctxEnrich, w.ctxEnrich[:B*H])
	m.core32(x, wt, B, out)
}

// core32 is core in float32 for B windows whose embeddings, LSTM input
// projections and static contexts are in x.
func (m *Model) core32(x *work32, wt *weights32, B int, out []Forecast) {
	c := &m.cfg
	H, Te, Td := c.Hidden, c.EncoderLen, c.DecoderLen
	T := Te + Td
	nB := B * H
	R, Rd := T*B, Td*B
	dec := Te * B

	// LSTM encoder and decoder; the cell state is updated in place.
	cc, hp := x.c[:nB], x.cH[:nB]
	copy(cc, x.cC[:nB])
	for p := range T {
		whh := wt.whhE
		if p >= Te {
			whh = wt.whhD
		}
		h := x.hs[p*nB : (p+1)*nB]
		autodiff.LSTMStep32(h, cc, x.gates[:4*nB], x.gx[4*p*nB:4*(p+1)*nB], hp, cc, whh, B, H)
		hp = h
	}

	// Gated skip, enrichment, keys and values for every position.
	post, en := x.post[:R*H], x.enr[:R*H]
	dk := H / c.Heads
	gateAddNormRows32(post, x.hs[:R*H], x.emb[:R*H], R, wt.postLSTMGLU, wt.postLSTMLN, &x.rb)
	grnRows32(&wt.enrich, en, post, R, x.ctxEnrich, B, &x.rb)
	linearRows32(x.v[:R*dk], en, R, wt.v)

	// Attention from the decoder steps.
	linearRows32(x.q[:Rd*H], en[dec*H:], Rd, wt.q)
	m.attend32(x, wt, B)

	// Decoder tail and head.
	a, y := x.x1[:Rd*H], x.x2[:Rd*H]
	linearRows32(a, x.att[:Rd*dk], Rd, wt.wh)
	gateAddNormRows32(y, a, en[dec*H:], Rd, wt.postAttnGLU, wt.postAttnLN, &x.rb)
	grnRows32(&wt.ff, a, y, Rd, nil, 1, &x.rb)
	gateAddNormRows32(y, a, post[dec*H:], Rd, wt.preOutGLU, wt.preOutLN, &x.rb)
	no, nq := c.Outputs(), len(c.Quantiles)
	linearRows32(x.pred[:Rd*no], y, Rd, wt.out)
	for r := range Rd {
		i, b := r/B, r%B
		pr := out[b].Quantiles[i*no : (i+1)*no]
		for k, v := range x.pred[r*no : (r+1)*no] {
			pr[k] = float64(v)
		}
		for g := 0; g < no; g += nq {
			sortSmall(pr[g : g+nq])
		}
		ar := out[b].Attention[i*T : (i+1)*T]
		for k, v := range x.avg[r*T : (r+1)*T] {
			ar[k] = float64(v)
		}
	}
}

// attend32 is attend in float32.
func (m *Model) attend32(x *work32, wt *weights32, B int) {
	c := &m.cfg
	H, heads, Te, Td := c.Hidden, c.Heads, c.EncoderLen, c.DecoderLen
	T := Te + Td
	dk := H / heads
	scale := float32(1 / math.Sqrt(float64(dk)))
	invH := 1 / float32(heads)
	U := x.u[:H*heads]
	uh := x.uh[:H]
	S := x.s[:T*heads]
	for i := range Td {
		last := Te + i
		for b := range B {
			r := i*B + b
			q := x.q[r*H : (r+1)*H]
			cb := x.cb[:heads]
			for h := range heads {
				qh := q[h*dk : (h+1)*dk]
				clear(uh)
				autodiff.MatVecAcc32(uh, qh, wt.wkT[h*dk*H:(h+1)*dk*H])
				for k, v := range uh {
					U[k*heads+h] = v
				}
				var s float32
				for k, v := range qh {
					s += float32(wt.bk[h*dk+k] * v)
				}
				cb[h] = s
			}
			n := last + 1
			for p := range n {
				copy(S[p*heads:(p+1)*heads], cb)
			}
			autodiff.MatMulAccStrided32(S, heads, x.enr[b*H:], B*H, U, n, H, heads)
			ar := x.avg[r*T : (r+1)*T]
			clear(ar)
			for h := range heads {
				mx := float32(math.Inf(-1))
				for p := range n {
					v := float32(S[p*heads+h] * scale)
					S[p*heads+h] = v
					mx = max(mx, v)
				}
				for p := range n {
					S[p*heads+h] -= mx
				}
			}
			autodiff.ExpSlice32(S[:n*heads], S[:n*heads])
			for h := range heads {
				var sum float32
				for p := range n {
					sum += S[p*heads+h]
				}
				k := invH / sum
				for p := range n {
					ar[p] += float32(S[p*heads+h] * k)
				}
			}
			or := x.att[r*dk : (r+1)*dk]
			clear(or)
			for p := range n {
				a := ar[p]
				vr := x.v[(p*B+b)*dk : (p*B+b+1)*dk]
				for k := range or {
					or[k] += float32(a * vr[k])
				}
			}
		}
	}
}

// linearRows32 is linearRows in float32.
func linearRows32(y, x []float32, n int, p lin32) {
	for r0 := 0; r0 < n; r0 += tileRows {
		k := min(tileRows, n-r0)
		yt := y[r0*p.out : (r0+k)*p.out]
		if p.b != nil {
			biasRows(yt, p.b, k)
		} else {
			clear(yt)
		}
		autodiff.MatMulAcc32(yt, x[r0*p.in:], p.w, k, p.in, p.out)
	}
}

// grnRows32 is grnRows in float32.
func grnRows32(g *grn32, y, x []float32, n int, ctx []float32, ctxRows int, rb *rowBufs32) {
	for r0 := 0; r0 < n; r0 += tileRows {
		k := min(tileRows, n-r0)
		grnTile32(g, y[r0*g.out:], x[r0*g.in:], k, ctx, ctxRows, r0, rb)
	}
}

// grnTile32 is grnTile in float32.
func grnTile32(g *grn32, y, x []float32, n int, ctx []float32, ctxRows, first int, rb *rowBufs32) {
	in, hid, out := g.in, g.hid, g.out
	h1 := rb.a[:n*hid]
	biasRows(h1, g.b1, n)
	autodiff.MatMulAcc32(h1, x, g.w1, n, in, hid)
	if ctx != nil {
		for r := range n {
			k := (first + r) % ctxRows
			addVec32(h1[r*hid:(r+1)*hid], ctx[k*hid:(k+1)*hid])
		}
	}
	autodiff.ELUForward32(h1, h1)
	gl := rb.c[:n*2*out]
	biasRows(gl, g.bg, n)
	autodiff.MatMulAcc32(gl, h1, g.wg, n, hid, 2*out)
	autodiff.GLUForward32(y, gl, n, out)
	addVec32(y[:n*out], x[:n*out])
	autodiff.LayerNormForward32(y, y, g.gamma, g.beta, n, out)
}

// gateAddNormRows32 is gateAddNormRows in float32.
func gateAddNormRows32(y, x, skip []float32, n int, glu lin32, ln ln32, rb *rowBufs32) {
	H := len(ln.g)
	for r0 := 0; r0 < n; r0 += tileRows {
		k := min(tileRows, n-r0)
		yt, xt := y[r0*H:], x[r0*glu.in:]
		gl := rb.c[:k*2*H]
		biasRows(gl, glu.b, k)
		autodiff.MatMulAcc32(gl, xt, glu.w, k, glu.in, 2*H)
		autodiff.GLUForward32(yt, gl, k, H)
		addVec32(yt[:k*H], skip[r0*H:(r0+k)*H])
		autodiff.LayerNormForward32(yt, yt, ln.g, ln.b, k, H)
	}
}

func addVec32(y, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += x[i]
	}
}
