package tft

import "github.com/chakra-tui/chakra-tui/detector/autodiff"

// The inference path runs every row-wise layer over blocks of rows (all
// positions of all windows in a chunk), so the matrix products take rows
// in pairs (autodiff.MatMulAcc) and the element-wise kernels run long
// loops. A row's result does not depend on which rows it is processed
// with, bit for bit, so a Stream (one new row) and a batch agree exactly.

// blockRows is the number of rows a variable selection network processes
// together.
const blockRows = 64

// blockScratch is the variable selection networks' scratch for one block.
type blockScratch struct {
	x, ctx, emb, wts, h1, gl, tmp, single, fs, gx []float64
	// dedupe makes singleRows run a real variable's GRN once per run of
	// equal values in consecutive rows (ForecastShared); xu and run are
	// its scratch.
	dedupe bool
	xu     []float64
	run    []int
	// win and pos are a stream block's rows: row i is ring position
	// pos[i] of the chunk's stream win[i] (streamSelect).
	win, pos []int
}

// winOf is the window of block row i of a stream block (selectRows's win).
func (sc *blockScratch) winOf(i int) int { return sc.win[i] }

func (sc *blockScratch) grow(m *Model) {
	if sc.x != nil {
		return
	}
	c := &m.cfg
	H, d := c.Hidden, c.InputSize
	nmax := max(len(c.Static), len(c.Encoder), len(c.Decoder), 1)
	hfmax := max(m.fold.static.hf, m.fold.enc.hf, m.fold.dec.hf, 1)
	f := func(w int) []float64 { return make([]float64, blockRows*w) }
	sc.x, sc.ctx, sc.emb, sc.wts = f(nmax), f(hfmax), f(H), f(nmax)
	sc.h1 = f(max(d, hfmax))
	sc.gl, sc.tmp = f(2*max(H, nmax)), f(H)
	sc.single, sc.fs, sc.gx = f(nmax*H), f(nmax), f(4*H)
	sc.xu, sc.run = f(1), make([]int, blockRows)
	sc.win, sc.pos = make([]int, blockRows), make([]int, blockRows)
}

// biasRows sets each of the n rows of y (width len(b)) to b: the first
// row, then the rows set so far copied after themselves, doubling, so that
// hundreds of rows take a few long copies instead of one short copy each.
// It serves the float64 and the float32 forward (one instance of each).
func biasRows[F float32 | float64](y, b []F, n int) {
	if n <= 0 {
		return
	}
	y = y[:n*len(b)]
	copy(y, b)
	for k := len(b); k < len(y); k *= 2 {
		copy(y[k:], y[:k])
	}
}

// rows runs the folded VSN on n ≤ blockRows rows of raw values x
// ([n × nv]), writing the combined embeddings emb [n × H] and the selection
// weights wts [n × nv]. ctx, for a VSN with a context, holds each row's
// projected static context [n × hf]; nil otherwise.
func (f *foldedVSN) rows(emb, wts, x, ctx []float64, n int, sc *blockScratch) {
	H, nv := f.h, f.n
	single := sc.single[:n*nv*H]
	for v := range f.vars {
		f.singleRows(single, x, v, n, sc)
	}
	if nv == 1 {
		copy(emb[:n*H], single)
		for r := range n {
			wts[r] = 1
		}
		return
	}
	w := wts[:n*nv]
	f.selection(w, x, ctx, n, sc)
	autodiff.WeightedSumForward(emb, w, single, n, nv, H)
}

// singleRows runs variable v's own GRN on n rows of x, writing its
// embedding of row r into single's [r × nv + v] block of H: a category's
// folded output, or for a real value x the folded first layer
// ELU(x·u1 + c1), the gate, the skip x·us + cs and the layer norm.
func (f *foldedVSN) singleRows(single, x []float64, v, n int, sc *blockScratch) {
	H, d, nv := f.h, f.d, f.n
	fv := &f.vars[v]
	if fv.cat {
		for r := range n {
			c := int(x[r*nv+v])
			copy(single[(r*nv+v)*H:(r*nv+v+1)*H], fv.out[c*H:(c+1)*H])
		}
		return
	}
	// The values this variable's GRN runs on: x's column v, or with
	// dedupe one value per run of equal values (run[r] is row r's).
	xs, stride, off, rows := x, nv, v, n
	if sc.dedupe {
		u := 0
		for r := range n {
			if xv := x[r*nv+v]; r == 0 || xv != x[(r-1)*nv+v] {
				sc.xu[u] = xv
				u++
			}
			sc.run[r] = u - 1
		}
		xs, stride, off, rows = sc.xu[:u], 1, 0, u
	}
	h1 := sc.h1[:rows*d]
	for r := range rows {
		xv := xs[r*stride+off]
		hr := h1[r*d : (r+1)*d]
		for j, u := range fv.u1[:len(hr)] {
			hr[j] = xv*u + fv.c1[j]
		}
	}
	autodiff.ELUForward(h1, h1)
	gl := sc.gl[:rows*2*H]
	biasRows(gl, fv.bg, rows)
	autodiff.MatMulAcc(gl, h1, fv.wg, rows, d, 2*H)
	t := sc.tmp[:rows*H]
	autodiff.GLUForward(t, gl, rows, H)
	us, cs := fv.us[:H], fv.cs[:H]
	for r := range rows {
		xv := xs[r*stride+off]
		tr := t[r*H : (r+1)*H]
		for j := range tr {
			tr[j] += xv*us[j] + cs[j]
		}
	}
	autodiff.LayerNormForward(t, nil, t, fv.gamma, fv.beta, rows, H, 1)
	for r := range n {
		k := r
		if sc.dedupe {
			k = sc.run[r]
		}
		copy(single[(r*nv+v)*H:(r*nv+v+1)*H], t[k*H:(k+1)*H])
	}
}

// selection writes the variable selection weights w [n × nv] of n rows of
// x (nv > 1): the flat GRN over all variables, its first layer and skip
// summed from each variable's folded block (plus ctx, if any), then the
// gate, layer norm and softmax over the variables.
func (f *foldedVSN) selection(w, x, ctx []float64, n int, sc *blockScratch) {
	nv, hf := f.n, f.hf
	f1 := sc.h1[:n*hf]
	fs := sc.fs[:n*nv]
	biasRows(f1, f.flatConst, n)
	biasRows(fs, f.skipConst, n)
	if ctx != nil {
		addVec(f1, ctx[:n*hf])
	}
	for v := range f.vars {
		fv := &f.vars[v]
		for r := range n {
			fr := f1[r*hf : (r+1)*hf]
			sr := fs[r*nv : (r+1)*nv]
			if fv.cat {
				c := int(x[r*nv+v])
				addVec(fr, fv.cf[c*hf:(c+1)*hf])
				addVec(sr, fv.csk[c*nv:(c+1)*nv])
				continue
			}
			xv := x[r*nv+v]
			for j, u := range fv.uf[:len(fr)] {
				fr[j] += xv * u
			}
			for j, u := range fv.usk[:len(sr)] {
				sr[j] += xv * u
			}
		}
	}
	autodiff.ELUForward(f1, f1)
	gl := sc.gl[:n*2*nv]
	biasRows(gl, f.bg, n)
	autodiff.MatMulAcc(gl, f1, f.wg, n, hf, 2*nv)
	autodiff.GLUForward(w, gl, n, nv)
	addVec(w, fs)
	autodiff.LayerNormForward(w, nil, w, f.gamma, f.beta, n, nv, 1)
	autodiff.SoftmaxForward(w, w, nil, n, nv)
}

// rowBufs is the scratch of grnRows and gateAddNormRows for one tile.
type rowBufs struct {
	a []float64 // [tileRows × hid]
	c []float64 // [tileRows × 2H]
}

// grow sizes rb for the GRNs and gate-add-norms of m.
func (rb *rowBufs) grow(m *Model) {
	fd := m.fold
	hid := max(fd.csVS.hid, fd.csEnrich.hid, fd.csH.hid, fd.csC.hid, fd.enrich.hid, fd.ff.hid)
	rb.a = make([]float64, tileRows*hid)
	rb.c = make([]float64, tileRows*2*m.cfg.Hidden)
}

// tileRows is how many rows grnRows, gateAddNormRows and linearRows take
// through all their steps at a time: a tile's intermediate rows (at most
// 32 × 4H values, 16 KB for H = 16) stay in the L1 cache between the
// bias, the product and the element-wise steps, where a whole chunk's
// (hundreds of rows) went out to L2 and back at each step. Each row's
// result does not depend on the rows it runs with, so tiles change no bit.
const tileRows = 32

// grnRows applies the folded GRN g (no skip projection: in = out) to n
// rows x, writing y. ctx, if not nil, holds projected context rows
// [ctxRows × hid]; row r adds ctx row r mod ctxRows.
func grnRows(g *foldedGRN, y, x []float64, n int, ctx []float64, ctxRows int, rb *rowBufs) {
	for r0 := 0; r0 < n; r0 += tileRows {
		k := min(tileRows, n-r0)
		grnTile(g, y[r0*g.out:], x[r0*g.in:], k, ctx, ctxRows, r0, rb)
	}
}

// grnTile is grnRows for the n rows from row first.
func grnTile(g *foldedGRN, y, x []float64, n int, ctx []float64, ctxRows, first int, rb *rowBufs) {
	in, hid, out := g.in, g.hid, g.out
	h1 := rb.a[:n*hid]
	biasRows(h1, g.b1, n)
	autodiff.MatMulAcc(h1, x, g.w1, n, in, hid)
	if ctx != nil {
		for r := range n {
			k := (first + r) % ctxRows
			addVec(h1[r*hid:(r+1)*hid], ctx[k*hid:(k+1)*hid])
		}
	}
	autodiff.ELUForward(h1, h1)
	gl := rb.c[:n*2*out]
	biasRows(gl, g.bg, n)
	autodiff.MatMulAcc(gl, h1, g.wg, n, hid, 2*out)
	autodiff.GLUForward(y, gl, n, out)
	addVec(y[:n*out], x[:n*out])
	autodiff.LayerNormForward(y, nil, y, g.gamma, g.beta, n, out, 1)
}

// gateAddNormRows sets y = LayerNorm(GLU(x·W + b) + skip) for n rows of
// width H.
func (m *Model) gateAddNormRows(y, x, skip []float64, n int, glu linearP, ln lnP, rb *rowBufs) {
	H := ln.width
	b, w := m.sl(glu.b, 2*H), m.sl(glu.w, glu.in*2*H)
	g, be := m.sl(ln.g, H), m.sl(ln.b, H)
	for r0 := 0; r0 < n; r0 += tileRows {
		k := min(tileRows, n-r0)
		yt, xt := y[r0*H:], x[r0*glu.in:]
		gl := rb.c[:k*2*H]
		biasRows(gl, b, k)
		autodiff.MatMulAcc(gl, xt, w, k, glu.in, 2*H)
		autodiff.GLUForward(yt, gl, k, H)
		addVec(yt[:k*H], skip[r0*H:(r0+k)*H])
		autodiff.LayerNormForward(yt, nil, yt, g, be, k, H, 1)
	}
}

// linearRows sets y = x·W + b for n rows (b may be absent).
func (m *Model) linearRows(y, x []float64, n int, p linearP) {
	w := m.sl(p.w, p.in*p.out)
	for r0 := 0; r0 < n; r0 += tileRows {
		k := min(tileRows, n-r0)
		yt := y[r0*p.out : (r0+k)*p.out]
		if p.b >= 0 {
			biasRows(yt, m.sl(p.b, p.out), k)
		} else {
			clear(yt)
		}
		autodiff.MatMulAcc(yt, x[r0*p.in:], w, k, p.in, p.out)
	}
}
