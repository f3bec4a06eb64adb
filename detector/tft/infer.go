package tft

import (
	"fmt"
	"unsafe"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// Workspace holds the scratch buffers of the tape-free forward pass. It
// grows to the largest batch it has served and is then reused without
// allocating. A Workspace serves one goroutine at a time and one Model.
type Workspace struct {
	m *Model
	w work
}

// NewWorkspace returns a workspace for forecasting with m.
func (m *Model) NewWorkspace() *Workspace { return &Workspace{m: m} }

// Forecast forecasts one window.
func (m *Model) Forecast(ws *Workspace, in *Input, out *Forecast) error {
	return m.forecastBatch(ws, inputs1(in), out1(out))
}

// ForecastBatch forecasts len(in) windows into out[i] (len(out) ≥ len(in)),
// computing the row-wise layers of all windows as one batch.
func (m *Model) ForecastBatch(ws *Workspace, in []Input, out []Forecast) error {
	return m.forecastBatch(ws, in, out)
}

// ForecastStreams forecasts the next decoder steps of several Ready streams
// of m as one batch: decoders[i] holds stream i's known decoder inputs and
// the result goes to out[i].
func (m *Model) ForecastStreams(ws *Workspace, ss []*Stream, decoders [][]float64, out []Forecast) error {
	return m.forecastStreams(ws, ss, decoders, out)
}

// work is the Workspace's buffers, sized for capB windows.
type work struct {
	capB int
	sc   rowScratch
	// Per window.
	staticEmb, cVS, cEnrich, cH, cC []float64 // [B × H]
	ctxEnc, ctxDec, ctxEnrich       []float64 // context projections [B × hf], [B × hf], [B × H]
	// Per position, time-major (row p·B + b).
	emb, hs, cs, post, enriched, k []float64 // [T·B × H]
	gx                             []float64 // [T·B × 4H]
	v                              []float64 // [T·B × Dk]
	gates                          []float64 // [B × 4H]
	// Per decoder row.
	q, x1, x2 []float64 // [Td·B × H]
	att       []float64 // [Td·B × Dk]
	avg       []float64 // [Td·B × T]
	pred      []float64 // [Td·B × nt·nq]
	scratch   []float64 // [T]
	gl        []float64 // [2H]
	// Single-item slices for Stream.Forecast.
	ss1  [1]*Stream
	dec1 [1][]float64
}

// ensure sizes the workspace for B windows of m.
func (ws *Workspace) ensure(m *Model, B int) {
	if ws.m != m {
		panic("tft: Workspace used with a different Model")
	}
	w := &ws.w
	w.sc.grow(m)
	if B <= w.capB {
		return
	}
	c := &m.cfg
	H, T, Td := c.Hidden, c.Steps(), c.DecoderLen
	dk := H / c.Heads
	f := func(n int) []float64 { return make([]float64, n) }
	w.capB = B
	w.staticEmb, w.cVS, w.cEnrich, w.cH, w.cC = f(B*H), f(B*H), f(B*H), f(B*H), f(B*H)
	w.ctxEnc, w.ctxDec, w.ctxEnrich = f(B*max(m.fold.enc.hf, 1)), f(B*max(m.fold.dec.hf, 1)), f(B*H)
	w.emb, w.hs, w.cs, w.post, w.enriched, w.k = f(T*B*H), f(T*B*H), f(T*B*H), f(T*B*H), f(T*B*H), f(T*B*H)
	w.gx = f(T * B * 4 * H)
	w.v = f(T * B * dk)
	w.gates = f(B * 4 * H)
	w.q, w.x1, w.x2 = f(Td*B*H), f(Td*B*H), f(Td*B*H)
	w.att = f(Td * B * dk)
	w.avg = f(Td * B * T)
	w.pred = f(Td * B * c.Outputs())
	w.scratch = f(T)
	w.gl = f(2 * H)
}

func out1(f *Forecast) []Forecast { return unsafe.Slice(f, 1) }
func inputs1(in *Input) []Input   { return unsafe.Slice(in, 1) }

// staticContexts computes window b's static selection weights, the four
// static contexts and their projections from its raw static values.
func (m *Model) staticContexts(w *work, b int, static []float64, staticW []float64) {
	c, l, fd := &m.cfg, m.lay, m.fold
	H := c.Hidden
	se := w.staticEmb[b*H : (b+1)*H]
	if len(c.Static) > 0 {
		fd.static.row(se, staticW, static, nil, &w.sc)
	} else {
		clear(se)
	}
	m.grnGroupRow(&l.csVS, 0, w.cVS[b*H:(b+1)*H], se, nil, &w.sc)
	m.grnGroupRow(&l.csEnrich, 0, w.cEnrich[b*H:(b+1)*H], se, nil, &w.sc)
	m.grnGroupRow(&l.csH, 0, w.cH[b*H:(b+1)*H], se, nil, &w.sc)
	m.grnGroupRow(&l.csC, 0, w.cC[b*H:(b+1)*H], se, nil, &w.sc)
	cvs := w.cVS[b*H : (b+1)*H]
	if hf := fd.enc.hf; hf > 0 {
		p := w.ctxEnc[b*hf : (b+1)*hf]
		clear(p)
		autodiff.MatVecAcc(p, cvs, fd.enc.wc)
	}
	if hf := fd.dec.hf; hf > 0 {
		p := w.ctxDec[b*hf : (b+1)*hf]
		clear(p)
		autodiff.MatVecAcc(p, cvs, fd.dec.wc)
	}
	ce := w.ctxEnrich[b*H : (b+1)*H]
	clear(ce)
	autodiff.MatVecAcc(ce, w.cEnrich[b*H:(b+1)*H], m.sl(l.enrich.ctx.w, H*H))
}

// encodeRow runs the encoder (dec = false) or decoder VSN on one raw row
// of window b, writing its embedding, weights and LSTM input projection.
func (m *Model) encodeRow(w *work, dec bool, b int, x, emb, weights, gx []float64) {
	H := m.cfg.Hidden
	f, ctx, ih := &m.fold.enc, w.ctxEnc, m.lay.lstmEnc.ih
	if dec {
		f, ctx, ih = &m.fold.dec, w.ctxDec, m.lay.lstmDec.ih
	}
	var cp []float64
	if f.hf > 0 {
		cp = ctx[b*f.hf : (b+1)*f.hf]
	}
	f.row(emb, weights, x, cp, &w.sc)
	copy(gx, m.sl(ih.b, 4*H))
	autodiff.MatVecAcc(gx, emb, m.sl(ih.w, H*4*H))
}

func (m *Model) forecastBatch(ws *Workspace, in []Input, out []Forecast) error {
	c := &m.cfg
	B := len(in)
	if len(out) < B {
		return fmt.Errorf("%w: %d forecasts for %d inputs", ErrBadInput, len(out), B)
	}
	for i := range in {
		if err := c.CheckInput(&in[i]); err != nil {
			return fmt.Errorf("window %d: %w", i, err)
		}
		if !out[i].fits(c) {
			return fmt.Errorf("%w: forecast %d not sized for this model (use NewForecast)", ErrBadInput, i)
		}
	}
	for start := 0; start < B; start += chunkWindows {
		end := min(start+chunkWindows, B)
		m.forecastChunk(ws, in[start:end], out[start:end])
	}
	return nil
}

// chunkWindows is the number of windows run through the network together:
// enough to amortise the per-step loops, few enough that the working set
// (≈ 20 KB per window for the default size) stays in the L2 cache.
const chunkWindows = 16

// forecastChunk forecasts up to chunkWindows validated windows.
func (m *Model) forecastChunk(ws *Workspace, in []Input, out []Forecast) {
	c := &m.cfg
	B := len(in)
	ws.ensure(m, B)
	w := &ws.w
	H, Te, ne := c.Hidden, c.EncoderLen, len(c.Encoder)
	for b := range in {
		m.staticContexts(w, b, in[b].Static, out[b].StaticWeights)
	}
	for p := range Te {
		for b := range in {
			r := p*B + b
			m.encodeRow(w, false, b, in[b].Encoder[p*ne:(p+1)*ne], w.emb[r*H:(r+1)*H], out[b].EncoderWeights[p*ne:(p+1)*ne], w.gx[r*4*H:(r+1)*4*H])
		}
	}
	m.decoderRows(w, B, func(b int) []float64 { return in[b].Decoder }, out)
	m.core(w, B, out)
}

// decoderRows runs the decoder VSN for the Td decoder steps of B windows.
func (m *Model) decoderRows(w *work, B int, rows func(b int) []float64, out []Forecast) {
	c := &m.cfg
	H, Te, Td, nd := c.Hidden, c.EncoderLen, c.DecoderLen, len(c.Decoder)
	for p := range Td {
		for b := range B {
			r := (Te+p)*B + b
			emb, gx := w.emb[r*H:(r+1)*H], w.gx[r*4*H:(r+1)*4*H]
			if nd == 0 {
				clear(emb)
				copy(gx, m.sl(m.lay.lstmDec.ih.b, 4*H))
				continue
			}
			m.encodeRow(w, true, b, rows(b)[p*nd:(p+1)*nd], emb, out[b].DecoderWeights[p*nd:(p+1)*nd], gx)
		}
	}
}

// core runs everything after the variable selection for B windows whose
// embeddings and LSTM input projections are in w.emb and w.gx (time-major)
// and whose static contexts are in w, writing quantiles and attention to
// out.
func (m *Model) core(w *work, B int, out []Forecast) {
	c, l := &m.cfg, m.lay
	H, Te, Td := c.Hidden, c.EncoderLen, c.DecoderLen
	T := Te + Td
	dk := H / c.Heads
	nB := B * H

	// LSTM encoder and decoder.
	whhE, whhD := m.sl(l.lstmEnc.whh, H*4*H), m.sl(l.lstmDec.whh, H*4*H)
	hp, cp := w.cH[:nB], w.cC[:nB]
	for p := range T {
		whh := whhE
		if p >= Te {
			whh = whhD
		}
		h, cc := w.hs[p*nB:(p+1)*nB], w.cs[p*nB:(p+1)*nB]
		autodiff.LSTMStep(h, cc, w.gates, w.gx[4*p*nB:4*(p+1)*nB], hp, cp, whh, B, H)
		hp, cp = h, cc
	}

	// Gated skip, enrichment, keys and values for every position.
	gluW, gluB := m.sl(l.postLSTMGLU.w, H*2*H), m.sl(l.postLSTMGLU.b, 2*H)
	lnG, lnB := m.sl(l.postLSTMLN.g, H), m.sl(l.postLSTMLN.b, H)
	kW, kB := m.sl(l.k.w, H*H), m.sl(l.k.b, H)
	vW, vB := m.sl(l.v.w, H*dk), m.sl(l.v.b, dk)
	for r := range T * B {
		post := w.post[r*H : (r+1)*H]
		m.gateAddNormRow(post, w.hs[r*H:(r+1)*H], w.emb[r*H:(r+1)*H], gluW, gluB, lnG, lnB, w.gl)
		b := r % B
		en := w.enriched[r*H : (r+1)*H]
		m.grnGroupRow(&l.enrich, 0, en, post, w.ctxEnrich[b*H:(b+1)*H], &w.sc)
		k := w.k[r*H : (r+1)*H]
		copy(k, kB)
		autodiff.MatVecAcc(k, en, kW)
		v := w.v[r*dk : (r+1)*dk]
		copy(v, vB)
		autodiff.MatVecAcc(v, en, vW)
	}

	// Attention from the decoder steps.
	qW, qB := m.sl(l.q.w, H*H), m.sl(l.q.b, H)
	dec := Te * B
	for r := range Td * B {
		q := w.q[r*H : (r+1)*H]
		copy(q, qB)
		autodiff.MatVecAcc(q, w.enriched[(dec+r)*H:(dec+r+1)*H], qW)
	}
	shape := autodiff.AttentionShape{B: B, Te: Te, Td: Td, Heads: c.Heads, Dk: dk, Dv: dk}
	autodiff.AttentionForward(w.att, w.avg, nil, w.scratch, w.q, w.k, w.v, shape)

	// Decoder tail and head.
	whW := m.sl(l.wh.w, dk*H)
	paW, paB := m.sl(l.postAttnGLU.w, H*2*H), m.sl(l.postAttnGLU.b, 2*H)
	paG, paBeta := m.sl(l.postAttnLN.g, H), m.sl(l.postAttnLN.b, H)
	poW, poB := m.sl(l.preOutGLU.w, H*2*H), m.sl(l.preOutGLU.b, 2*H)
	poG, poBeta := m.sl(l.preOutLN.g, H), m.sl(l.preOutLN.b, H)
	no := c.Outputs()
	oW, oB := m.sl(l.out.w, H*no), m.sl(l.out.b, no)
	nq := len(c.Quantiles)
	for r := range Td * B {
		a := w.x1[r*H : (r+1)*H]
		clear(a)
		autodiff.MatVecAcc(a, w.att[r*dk:(r+1)*dk], whW)
		x := w.x2[r*H : (r+1)*H]
		m.gateAddNormRow(x, a, w.enriched[(dec+r)*H:(dec+r+1)*H], paW, paB, paG, paBeta, w.gl)
		m.grnGroupRow(&l.ff, 0, a, x, nil, &w.sc)
		m.gateAddNormRow(x, a, w.post[(dec+r)*H:(dec+r+1)*H], poW, poB, poG, poBeta, w.gl)
		i, b := r/B, r%B
		pr := out[b].Quantiles[i*no : (i+1)*no]
		copy(pr, oB)
		autodiff.MatVecAcc(pr, x, oW)
		for g := 0; g < no; g += nq {
			sortSmall(pr[g : g+nq])
		}
		copy(out[b].Attention[i*T:(i+1)*T], w.avg[r*T:(r+1)*T])
	}
}

// gateAddNormRow sets y = LayerNorm(GLU(x·W + b) + skip) for one row.
func (m *Model) gateAddNormRow(y, x, skip, w, b, gamma, beta, gl []float64) {
	H := len(y)
	copy(gl, b)
	autodiff.MatVecAcc(gl, x, w)
	autodiff.GLUForward(y, gl, 1, H)
	addVec(y, skip)
	autodiff.LayerNormForward(y, nil, y, gamma, beta, 1, H, 1)
}

// sortSmall sorts a few values in place (insertion sort: no allocation,
// and already-ordered quantiles cost one pass).
func sortSmall(x []float64) {
	for i := 1; i < len(x); i++ {
		v := x[i]
		j := i - 1
		for ; j >= 0 && x[j] > v; j-- {
			x[j+1] = x[j]
		}
		x[j+1] = v
	}
}
