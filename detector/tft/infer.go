package tft

import (
	"fmt"
	"unsafe"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// Workspace holds the scratch buffers of the tape-free forward pass. It
// grows to the largest chunk of windows it has served (at most 16 windows
// run together, 24 by ForecastShared) and is then reused without
// allocating. A Workspace serves
// one goroutine at a time and only the Model that made it: using it with
// another Model is a programming error and panics.
type Workspace struct {
	m *Model
	w work
	// w32 is the float32 forward's buffers (compact streams), made on
	// first use.
	w32 *work32
	// A ForecastStreams call mixing compact and full streams: each kind
	// gathered for a run of its own.
	mss  []*Stream
	mdec [][]float64
	mout []Forecast
	// ForecastShared's later chunks: in[0] again and its spare forecast.
	sin   []Input
	sout  []Forecast
	spare *Forecast
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
// the result goes to out[i]. Compact streams (NewCompactStream) run in
// float32 after the variable selection; a call that mixes them with full
// streams runs each kind as a call of its own would.
func (m *Model) ForecastStreams(ws *Workspace, ss []*Stream, decoders [][]float64, out []Forecast) error {
	return m.forecastStreams(ws, ss, decoders, out)
}

// work is the Workspace's buffers: those of the selection and the static
// contexts sized for capB windows, those of core for capCore (the float32
// forward of compact streams does not use them).
type work struct {
	capB, capCore int
	sc            blockScratch
	rb            rowBufs
	// Per window.
	staticEmb, cVS, cEnrich, cH, cC []float64 // [B × H]
	ctxEnc, ctxDec, ctxEnrich       []float64 // context projections [B × hf], [B × hf], [B × H]
	// Per position, time-major (row p·B + b).
	emb, hs, cs, post, enriched []float64 // [T·B × H]
	gx                          []float64 // [T·B × 4H]
	v                           []float64 // [T·B × Dk]
	gates                       []float64 // [B × 4H]
	// Per decoder row.
	q, x1, x2    []float64 // [Td·B × H]
	att          []float64 // [Td·B × Dk]
	avg          []float64 // [Td·B × T]
	pred         []float64 // [Td·B × nt·nq]
	u, uh, s, cb []float64 // attention scratch: [H × heads], [H], [T × heads], [heads]
	// ForecastShared: each encoder row's source row (−1: computed) and
	// the rows computed.
	src, idx []int
	// hi, when not nil, says that at encoder position p only windows
	// 0 … hi[p]−1 differ from window 0 so far (ForecastShared): core
	// computes the positions of those and copies window 0's into the rest.
	hi, hiBuf []int
	// Single-item slices for Stream.Forecast.
	ss1  [1]*Stream
	dec1 [1][]float64
}

// ensure sizes the workspace for B windows of m, for the whole float64
// forward.
func (ws *Workspace) ensure(m *Model, B int) {
	ws.ensureSelect(m, B)
	w := &ws.w
	if B <= w.capCore {
		return
	}
	c := &m.cfg
	H, T, Td := c.Hidden, c.Steps(), c.DecoderLen
	dk := H / c.Heads
	f := func(n int) []float64 { return make([]float64, n) }
	w.capCore = B
	R := T * B
	w.hs, w.cs, w.post, w.enriched = f(R*H), f(R*H), f(R*H), f(R*H)
	w.v = f(R * dk)
	w.gates = f(B * 4 * H)
	w.q, w.x1, w.x2 = f(Td*B*H), f(Td*B*H), f(Td*B*H)
	w.att = f(Td * B * dk)
	w.avg = f(Td * B * T)
	w.pred = f(Td * B * c.Outputs())
	w.u, w.uh, w.s, w.cb = f(H*c.Heads), f(H), f(T*c.Heads), f(c.Heads)
}

// ensureSelect sizes the workspace for the variable selection, the static
// contexts and the embeddings and LSTM input projections of B windows of m
// (all the float32 forward of compact streams takes from it).
func (ws *Workspace) ensureSelect(m *Model, B int) {
	if ws.m != m {
		panic("tft: Workspace used with a different Model")
	}
	w := &ws.w
	w.sc.grow(m)
	if w.rb.a == nil {
		w.rb.grow(m)
	}
	if B <= w.capB {
		return
	}
	c := &m.cfg
	H, T := c.Hidden, c.Steps()
	f := func(n int) []float64 { return make([]float64, n) }
	w.capB = B
	R := T * B
	w.staticEmb, w.cVS, w.cEnrich, w.cH, w.cC = f(B*H), f(B*H), f(B*H), f(B*H), f(B*H)
	w.ctxEnc, w.ctxDec, w.ctxEnrich = f(B*max(m.fold.enc.hf, 1)), f(B*max(m.fold.dec.hf, 1)), f(B*H)
	w.emb = f(R * H)
	w.gx = f(R * 4 * H)
}

func out1(f *Forecast) []Forecast { return unsafe.Slice(f, 1) }
func inputs1(in *Input) []Input   { return unsafe.Slice(in, 1) }

// staticContexts computes the static selection weights, the four static
// contexts and their projections for windows b0 … b0+n−1 of the chunk,
// whose raw static values are static(i) and whose weights go to
// weights(i), i = 0 … n−1.
func (m *Model) staticContexts(w *work, b0, n int, static, weights func(i int) []float64) {
	c, fd := &m.cfg, m.fold
	H, ns := c.Hidden, len(c.Static)
	se := w.staticEmb[b0*H : (b0+n)*H]
	if ns > 0 {
		for start := 0; start < n; start += blockRows {
			k := min(blockRows, n-start)
			x := w.sc.x[:k*ns]
			for i := range k {
				copy(x[i*ns:(i+1)*ns], static(start+i))
			}
			wts := w.sc.wts[:k*ns]
			fd.static.rows(se[start*H:(start+k)*H], wts, x, nil, k, &w.sc)
			for i := range k {
				copy(weights(start+i), wts[i*ns:(i+1)*ns])
			}
		}
	} else {
		clear(se)
	}
	cvs := w.cVS[b0*H : (b0+n)*H]
	cen := w.cEnrich[b0*H : (b0+n)*H]
	grnRows(&fd.csVS, cvs, se, n, nil, 1, &w.rb)
	grnRows(&fd.csEnrich, cen, se, n, nil, 1, &w.rb)
	grnRows(&fd.csH, w.cH[b0*H:(b0+n)*H], se, n, nil, 1, &w.rb)
	grnRows(&fd.csC, w.cC[b0*H:(b0+n)*H], se, n, nil, 1, &w.rb)
	if hf := fd.enc.hf; hf > 0 {
		p := w.ctxEnc[b0*hf : (b0+n)*hf]
		clear(p)
		autodiff.MatMulAcc(p, cvs, fd.enc.wc, n, H, hf)
	}
	if hf := fd.dec.hf; hf > 0 {
		p := w.ctxDec[b0*hf : (b0+n)*hf]
		clear(p)
		autodiff.MatMulAcc(p, cvs, fd.dec.wc, n, H, hf)
	}
	ce := w.ctxEnrich[b0*H : (b0+n)*H]
	clear(ce)
	autodiff.MatMulAcc(ce, cen, fd.enrich.wc, n, H, H)
}

// selectRows runs the encoder (dec = false) or decoder VSN over n ≤
// blockRows rows already gathered into w.sc.x, with row i belonging to
// window win(i) of the chunk. It leaves the embeddings in w.sc.emb, the
// weights in w.sc.wts and the LSTM input projections in w.sc.gx.
func (m *Model) selectRows(w *work, dec bool, n int, win func(i int) int) {
	H := m.cfg.Hidden
	f, ctx, ih := &m.fold.enc, w.ctxEnc, m.lay.lstmEnc.ih
	if dec {
		f, ctx, ih = &m.fold.dec, w.ctxDec, m.lay.lstmDec.ih
	}
	var cp []float64
	if hf := f.hf; hf > 0 {
		cp = w.sc.ctx[:n*hf]
		for i := range n {
			b := win(i)
			copy(cp[i*hf:(i+1)*hf], ctx[b*hf:(b+1)*hf])
		}
	}
	emb := w.sc.emb[:n*H]
	f.rows(emb, w.sc.wts, w.sc.x, cp, n, &w.sc)
	gx := w.sc.gx[:n*4*H]
	m.linearRows(gx, emb, n, ih)
}

// checkBatch reports a batch the network cannot run: fewer forecasts than
// inputs, an input of the wrong shape, or a forecast not sized for m.
func (m *Model) checkBatch(in []Input, out []Forecast) error {
	c := &m.cfg
	if len(out) < len(in) {
		return fmt.Errorf("%w: %d forecasts for %d inputs", ErrBadInput, len(out), len(in))
	}
	for i := range in {
		if err := c.CheckInput(&in[i]); err != nil {
			return fmt.Errorf("window %d: %w", i, err)
		}
		if !out[i].fits(c) {
			return fmt.Errorf("%w: forecast %d not sized for this model (use NewForecast)", ErrBadInput, i)
		}
	}
	return nil
}

func (m *Model) forecastBatch(ws *Workspace, in []Input, out []Forecast) error {
	B := len(in)
	if err := m.checkBatch(in, out); err != nil {
		return err
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
	m.staticContexts(w, 0, B,
		func(i int) []float64 { return in[i].Static },
		func(i int) []float64 { return out[i].StaticWeights })
	R := Te * B
	for r0 := 0; r0 < R; r0 += blockRows {
		n := min(blockRows, R-r0)
		for i := range n {
			r := r0 + i
			p, b := r/B, r%B
			copy(w.sc.x[i*ne:(i+1)*ne], in[b].Encoder[p*ne:(p+1)*ne])
		}
		m.selectRows(w, false, n, func(i int) int { return (r0 + i) % B })
		copy(w.emb[r0*H:(r0+n)*H], w.sc.emb)
		copy(w.gx[r0*4*H:(r0+n)*4*H], w.sc.gx)
		for i := range n {
			r := r0 + i
			p, b := r/B, r%B
			copy(out[b].EncoderWeights[p*ne:(p+1)*ne], w.sc.wts[i*ne:(i+1)*ne])
		}
	}
	m.decoderRows(w, B, func(b int) []float64 { return in[b].Decoder }, out)
	m.core(w, B, out)
}

// decoderRows runs the decoder VSN for the Td decoder steps of B windows.
func (m *Model) decoderRows(w *work, B int, rows func(b int) []float64, out []Forecast) {
	c := &m.cfg
	H, Te, Td, nd := c.Hidden, c.EncoderLen, c.DecoderLen, len(c.Decoder)
	R := Td * B
	base := Te * B
	if nd == 0 {
		clear(w.emb[base*H : (base+R)*H])
		biasRows(w.gx[base*4*H:(base+R)*4*H], m.sl(m.lay.lstmDec.ih.b, 4*H), R)
		return
	}
	for r0 := 0; r0 < R; r0 += blockRows {
		n := min(blockRows, R-r0)
		for i := range n {
			r := r0 + i
			p, b := r/B, r%B
			copy(w.sc.x[i*nd:(i+1)*nd], rows(b)[p*nd:(p+1)*nd])
		}
		m.selectRows(w, true, n, func(i int) int { return (r0 + i) % B })
		copy(w.emb[(base+r0)*H:(base+r0+n)*H], w.sc.emb)
		copy(w.gx[(base+r0)*4*H:(base+r0+n)*4*H], w.sc.gx)
		for i := range n {
			r := r0 + i
			p, b := r/B, r%B
			copy(out[b].DecoderWeights[p*nd:(p+1)*nd], w.sc.wts[i*nd:(i+1)*nd])
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
	nB := B * H
	R, Rd := T*B, Td*B
	dec := Te * B

	// LSTM encoder and decoder.
	whhE, whhD := m.sl(l.lstmEnc.whh, H*4*H), m.sl(l.lstmDec.whh, H*4*H)
	hp, cp := w.cH[:nB], w.cC[:nB]
	// Windows 0 … hi(p)−1 are computed at position p; the others equal
	// window 0 there and take its results (see work.hi).
	hi := func(p int) int {
		if w.hi == nil || p >= Te {
			return B
		}
		return w.hi[p]
	}
	for p := range T {
		whh := whhE
		if p >= Te {
			whh = whhD
		}
		n := hi(p)
		h, cc := w.hs[p*nB:(p+1)*nB], w.cs[p*nB:(p+1)*nB]
		autodiff.LSTMStep(h[:n*H], cc[:n*H], nil, w.gates[:4*n*H], w.gx[4*p*nB:4*p*nB+4*n*H], hp[:n*H], cp[:n*H], whh, n, H)
		for b := n; b < B; b++ {
			copy(h[b*H:(b+1)*H], h[:H])
			copy(cc[b*H:(b+1)*H], cc[:H])
		}
		hp, cp = h, cc
	}

	// Gated skip, enrichment, keys and values for every position: the
	// positions where some windows equal window 0 one at a time, then the
	// rest together.
	post, en := w.post[:R*H], w.enriched[:R*H]
	dk := H / c.Heads
	p0 := 0
	for ; p0 < T && hi(p0) < B; p0++ {
		n, r0 := hi(p0), p0*B
		m.gateAddNormRows(post[r0*H:(r0+n)*H], w.hs[r0*H:(r0+n)*H], w.emb[r0*H:(r0+n)*H], n, l.postLSTMGLU, l.postLSTMLN, &w.rb)
		grnRows(&m.fold.enrich, en[r0*H:(r0+n)*H], post[r0*H:(r0+n)*H], n, w.ctxEnrich, B, &w.rb)
		m.linearRows(w.v[r0*dk:(r0+n)*dk], en[r0*H:(r0+n)*H], n, l.v)
		for b := n; b < B; b++ {
			r := r0 + b
			copy(post[r*H:(r+1)*H], post[r0*H:(r0+1)*H])
			copy(en[r*H:(r+1)*H], en[r0*H:(r0+1)*H])
			copy(w.v[r*dk:(r+1)*dk], w.v[r0*dk:(r0+1)*dk])
		}
	}
	if r0 := p0 * B; r0 < R {
		m.gateAddNormRows(post[r0*H:], w.hs[r0*H:R*H], w.emb[r0*H:R*H], R-r0, l.postLSTMGLU, l.postLSTMLN, &w.rb)
		grnRows(&m.fold.enrich, en[r0*H:], post[r0*H:], R-r0, w.ctxEnrich, B, &w.rb)
		m.linearRows(w.v[r0*dk:], en[r0*H:], R-r0, l.v)
	}

	// Attention from the decoder steps.
	m.linearRows(w.q, en[dec*H:], Rd, l.q)
	m.attend(w, B)

	// Decoder tail and head.
	a, x := w.x1[:Rd*H], w.x2[:Rd*H]
	m.linearRows(a, w.att, Rd, l.wh)
	m.gateAddNormRows(x, a, en[dec*H:], Rd, l.postAttnGLU, l.postAttnLN, &w.rb)
	grnRows(&m.fold.ff, a, x, Rd, nil, 1, &w.rb)
	m.gateAddNormRows(x, a, post[dec*H:], Rd, l.preOutGLU, l.preOutLN, &w.rb)
	no, nq := c.Outputs(), len(c.Quantiles)
	m.linearRows(w.pred, x, Rd, l.out)
	for r := range Rd {
		i, b := r/B, r%B
		pr := out[b].Quantiles[i*no : (i+1)*no]
		copy(pr, w.pred[r*no:(r+1)*no])
		for g := 0; g < no; g += nq {
			sortSmall(pr[g : g+nq])
		}
		copy(out[b].Attention[i*T:(i+1)*T], w.avg[r*T:(r+1)*T])
	}
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
