package tft

import (
	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// Inference folds consecutive linear maps. Inside every GRN, fc2 and the
// linear layer of the GLU that follows it (no nonlinearity between them)
// become one map: W = W₂·W_g, b = b₂·W_g + b_g. And the maps that follow an
// input embedding are folded into it:
// a real variable's prescaler (x·w + b) followed by its GRN's first layer
// W₁ is the affine map x·(w·W₁) + (b·W₁ + b₁), and likewise for its skip
// projection and its share of the flattened selection GRN's first layer
// and skip. A categorical variable's whole GRN output depends only on its
// category, so it is tabulated. This is exact algebra (only the rounding
// order changes) and removes most of the variable-selection work per row.

// foldedVar holds one variable's folded constants.
type foldedVar struct {
	cat  bool
	cats int
	// Real variables: fc1 = x·u1 + c1 [d]; skip = x·us + cs [H];
	// flat fc1 contribution x·uf [hf]; flat skip contribution x·usk [n].
	u1, c1, us, cs, uf, usk []float64
	// Categorical variables, per category: GRN output out [cats × H], flat
	// fc1 contribution cf [cats × hf], flat skip contribution csk
	// [cats × n].
	out, cf, csk []float64
	// The rest of the variable's GRN, fc2 folded into the GLU layer.
	wg, bg, gamma, beta []float64
}

// foldedVSN is a variable selection network prepared for inference.
type foldedVSN struct {
	n, d, h, hf int
	vars        []foldedVar
	// Flattened GRN (n > 1): constant parts of fc1 and skip, the rest
	// unfolded, and the context projection matrix.
	flatConst, skipConst []float64
	wc                   []float64 // [H × hf] or nil
	wg, bg, gamma, beta  []float64
}

// foldedGRN is a single-group GRN with no skip projection (H → H), fc2
// folded into the GLU layer.
type foldedGRN struct {
	in, hid, out        int
	w1, b1, wc          []float64 // wc is nil without a context
	wg, bg, gamma, beta []float64
}

// folded holds everything inference derives from the parameters.
type folded struct {
	static, enc, dec                     foldedVSN
	csVS, csEnrich, csH, csC, enrich, ff foldedGRN
	attn                                 foldedAttention
	w32                                  lazy32 // float32 copies for compact streams (infer32.go)
}

// foldLinear2 returns W = W₂·W_g ([hid × out2]) and b = b₂·W_g + b_g.
func foldLinear2(w2, b2, wg, bg []float64, hid, out2 int) (w, b []float64) {
	w = make([]float64, hid*out2)
	for i := range hid {
		autodiff.MatVecAcc(w[i*out2:(i+1)*out2], w2[i*hid:(i+1)*hid], wg)
	}
	return w, vecMat(b2, wg, out2, bg)
}

// foldGRN folds group v of GRN p.
func (m *Model) foldGRN(p *grnP, v int) (wg, bg []float64) {
	hid, out := p.hid, p.out
	return foldLinear2(m.sl(p.fc2.w+v*hid*hid, hid*hid), m.sl(p.fc2.b+v*hid, hid),
		m.sl(p.glu.w+v*hid*2*out, hid*2*out), m.sl(p.glu.b+v*2*out, 2*out), hid, 2*out)
}

func (m *Model) foldSingleGRN(p *grnP) foldedGRN {
	if p.hasSkip || p.groups != 1 {
		panic("tft: foldSingleGRN of a grouped GRN or one with a skip projection")
	}
	g := foldedGRN{in: p.in, hid: p.hid, out: p.out}
	g.w1, g.b1 = m.sl(p.fc1.w, p.in*p.hid), m.sl(p.fc1.b, p.hid)
	if p.hasCtx {
		g.wc = m.sl(p.ctx.w, m.cfg.Hidden*p.hid)
	}
	g.wg, g.bg = m.foldGRN(p, 0)
	g.gamma, g.beta = m.sl(p.ln.g, p.out), m.sl(p.ln.b, p.out)
	return g
}

func (m *Model) sl(off, n int) []float64 { return m.params[off : off+n] }

// vecMat returns x·W for W [len(x) × out] as a new slice, plus add (if not
// nil).
func vecMat(x, w []float64, out int, add []float64) []float64 {
	y := make([]float64, out)
	copy(y, add)
	autodiff.MatVecAcc(y, x, w)
	return y
}

func (m *Model) refresh() {
	m.gen++
	l := m.lay
	m.fold = &folded{
		static:   m.foldVSN(&l.staticVSN),
		enc:      m.foldVSN(&l.encVSN),
		dec:      m.foldVSN(&l.decVSN),
		csVS:     m.foldSingleGRN(&l.csVS),
		csEnrich: m.foldSingleGRN(&l.csEnrich),
		csH:      m.foldSingleGRN(&l.csH),
		csC:      m.foldSingleGRN(&l.csC),
		enrich:   m.foldSingleGRN(&l.enrich),
		ff:       m.foldSingleGRN(&l.ff),
	}
	m.fold.attn = m.foldAttention()
}

func (m *Model) foldVSN(p *vsnP) foldedVSN {
	n, d, H := p.n, p.d, m.cfg.Hidden
	f := foldedVSN{n: n, d: d, h: H}
	if n == 0 {
		return f
	}
	s := &p.single
	var fw flatWeights
	if n > 1 {
		fw = m.foldFlat(p, &f)
	}
	table := m.sl(p.table, p.rows*d)
	var sc rowScratch
	sc.grow(m)
	f.vars = make([]foldedVar, n)
	for v, ev := range p.vars {
		fv := &f.vars[v]
		fv.wg, fv.bg = m.foldGRN(s, v)
		fv.gamma, fv.beta = m.sl(s.ln.g+v*H, H), m.sl(s.ln.b+v*H, H)
		if ev.Cats > 0 {
			m.foldCategorical(p, v, ev, table, &fw, fv, &sc)
			continue
		}
		m.foldReal(p, v, ev, table, &fw, &f, fv)
	}
	return f
}

// flatWeights are the flat GRN's first-layer weights w1 [n·d × hf] and
// skip projection ws [n·d × n] (nil without one, d = 1), which the
// per-variable folds take a block of each; nil w1 when n = 1.
type flatWeights struct {
	w1, ws   []float64
	n, d, hf int
}

// skip returns e·Ws (block v) or, without a skip projection (d = 1), e
// placed at position v.
func (fw *flatWeights) skip(v int, e []float64) []float64 {
	n, d := fw.n, fw.d
	if fw.ws != nil {
		return vecMat(e, fw.ws[v*d*n:(v+1)*d*n], n, nil)
	}
	y := make([]float64, n)
	y[v] = e[0]
	return y
}

// foldFlat sets f's parts of the flat GRN (n > 1): its width, the constant
// terms its first layer and skip projection start from, its context
// weights, its folded gate and layer norm. It returns the weights the
// per-variable folds take blocks of.
func (m *Model) foldFlat(p *vsnP, f *foldedVSN) flatWeights {
	n, d, H := p.n, p.d, m.cfg.Hidden
	fl := &p.flat
	fw := flatWeights{n: n, d: d, hf: fl.hid}
	f.hf = fl.hid
	fw.w1 = m.sl(fl.fc1.w, n*d*fw.hf)
	f.flatConst = append([]float64(nil), m.sl(fl.fc1.b, fw.hf)...)
	f.skipConst = make([]float64, n)
	if fl.hasSkip {
		fw.ws = m.sl(fl.skip.w, n*d*n)
		copy(f.skipConst, m.sl(fl.skip.b, n))
	}
	if fl.hasCtx {
		f.wc = m.sl(fl.ctx.w, H*fw.hf)
	}
	f.wg, f.bg = m.foldGRN(fl, 0)
	f.gamma, f.beta = m.sl(fl.ln.g, n), m.sl(fl.ln.b, n)
	return fw
}

// foldCategorical folds categorical variable v (embedding rows ev) into
// fv: per category, the single GRN's whole output and, with n > 1, the
// category's terms of the flat GRN's first layer and skip.
func (m *Model) foldCategorical(p *vsnP, v int, ev autodiff.EmbedVar, table []float64, fw *flatWeights, fv *foldedVar, sc *rowScratch) {
	n, d, H, hf := p.n, p.d, m.cfg.Hidden, fw.hf
	fv.cat, fv.cats = true, ev.Cats
	fv.out = make([]float64, ev.Cats*H)
	if n > 1 {
		fv.cf = make([]float64, ev.Cats*hf)
		fv.csk = make([]float64, ev.Cats*n)
	}
	for c := range ev.Cats {
		e := table[(ev.Row+c)*d : (ev.Row+c+1)*d]
		m.grnGroupRow(&p.single, v, fv.out[c*H:(c+1)*H], e, nil, sc)
		if n > 1 {
			autodiff.MatVecAcc(fv.cf[c*hf:(c+1)*hf], e, fw.w1[v*d*hf:(v+1)*d*hf])
			copy(fv.csk[c*n:(c+1)*n], fw.skip(v, e))
		}
	}
}

// foldReal folds real variable v, embedded as x·w + b (rows ev.Row and
// ev.Row+1), into fv: the single GRN's first layer and skip as u·x + c,
// and, with n > 1, its block of the flat GRN's first layer and skip (the
// b terms added to f's constants).
func (m *Model) foldReal(p *vsnP, v int, ev autodiff.EmbedVar, table []float64, fw *flatWeights, f *foldedVSN, fv *foldedVar) {
	n, d, H, hf := p.n, p.d, m.cfg.Hidden, fw.hf
	s := &p.single
	w1 := m.sl(s.fc1.w+v*d*d, d*d)
	b1 := m.sl(s.fc1.b+v*d, d)
	w := table[ev.Row*d : (ev.Row+1)*d]
	b := table[(ev.Row+1)*d : (ev.Row+2)*d]
	fv.u1 = vecMat(w, w1, d, nil)
	fv.c1 = vecMat(b, w1, d, b1)
	if s.hasSkip {
		ws := m.sl(s.skip.w+v*d*H, d*H)
		fv.us = vecMat(w, ws, H, nil)
		fv.cs = vecMat(b, ws, H, m.sl(s.skip.b+v*H, H))
	} else {
		fv.us = append([]float64(nil), w...)
		fv.cs = append([]float64(nil), b...)
	}
	if n > 1 {
		blk := fw.w1[v*d*hf : (v+1)*d*hf]
		fv.uf = vecMat(w, blk, hf, nil)
		autodiff.MatVecAcc(f.flatConst, b, blk)
		fv.usk = fw.skip(v, w)
		for j, x := range fw.skip(v, b) {
			f.skipConst[j] += x
		}
	}
}

// rowScratch is the per-row scratch of the inference GRNs and VSNs.
type rowScratch struct {
	a, b, c, d []float64 // width ≥ max(2H, 2n, d, …)
	single     []float64 // [nmax × H]
	f1, fs     []float64
}

func (sc *rowScratch) grow(m *Model) {
	c := &m.cfg
	w := 2 * c.Hidden
	nmax := max(len(c.Static), len(c.Encoder), len(c.Decoder), 1)
	w = max(w, 2*nmax, c.InputSize)
	if len(sc.a) >= w && len(sc.single) >= nmax*c.Hidden {
		return
	}
	sc.a, sc.b, sc.c, sc.d = make([]float64, w), make([]float64, w), make([]float64, w), make([]float64, w)
	sc.f1, sc.fs = make([]float64, w), make([]float64, w)
	sc.single = make([]float64, nmax*c.Hidden)
}

// grnGroupRow applies group v of the (possibly grouped) GRN p to one input
// row x (width p.in), writing y (width p.out). ctxProj, if not nil, is the
// context already multiplied by the context weights (width p.hid).
func (m *Model) grnGroupRow(p *grnP, v int, y, x, ctxProj []float64, sc *rowScratch) {
	in, hid, out := p.in, p.hid, p.out
	h1 := sc.a[:hid]
	copy(h1, m.sl(p.fc1.b+v*hid, hid))
	autodiff.MatVecAcc(h1, x, m.sl(p.fc1.w+v*in*hid, in*hid))
	for j, c := range ctxProj {
		h1[j] += c
	}
	autodiff.ELUForward(h1, h1)
	h2 := sc.b[:hid]
	copy(h2, m.sl(p.fc2.b+v*hid, hid))
	autodiff.MatVecAcc(h2, h1, m.sl(p.fc2.w+v*hid*hid, hid*hid))
	gl := sc.c[:2*out]
	copy(gl, m.sl(p.glu.b+v*2*out, 2*out))
	autodiff.MatVecAcc(gl, h2, m.sl(p.glu.w+v*hid*2*out, hid*2*out))
	autodiff.GLUForward(y, gl, 1, out)
	if p.hasSkip {
		sk := sc.d[:out]
		copy(sk, m.sl(p.skip.b+v*out, out))
		autodiff.MatVecAcc(sk, x, m.sl(p.skip.w+v*in*out, in*out))
		addVec(y[:out], sk)
	} else {
		addVec(y[:out], x[:out])
	}
	autodiff.LayerNormForward(y, nil, y, m.sl(p.ln.g+v*out, out), m.sl(p.ln.b+v*out, out), 1, out, 1)
}

func addVec(y, x []float64) {
	if len(y) >= 16 { // long enough for the vector kernels to pay their call
		autodiff.AddTo(y, x)
		return
	}
	x = x[:len(y)]
	for i := range y {
		y[i] += x[i]
	}
}
