package tft

import (
	"math"
	"math/rand/v2"

	"github.com/chakra-tui/chakra-tui/detector/autodiff"
)

// The parameters of a model live in one flat []float64. The structs below
// hold offsets into it; layout builds them in a fixed order, so the same
// Config always gives the same layout (which the file format relies on).

// initKind says how a parameter block is initialised.
type initKind uint8

const (
	initZero       initKind = iota // biases, LayerNorm β
	initOne                        // LayerNorm γ
	initXavier                     // U(±√(6/(fanIn+fanOut)))
	initKaiming                    // N(0, 2/fanIn)
	initUnit                       // U(±1): prescalers (PyTorch's Linear(1, d) default)
	initNormal                     // N(0, 1): embedding tables
	initLSTM                       // U(±1/√H)
	initForgetBias                 // LSTM bias: 1 on the forget gate, 0 elsewhere
)

// block is one named parameter tensor.
type block struct {
	Name       string
	Off        int
	Rows, Cols int
	init       initKind
	fanIn      int
	fanOut     int
}

// Size is Rows·Cols.
func (b block) Size() int { return b.Rows * b.Cols }

// linearP is y = x·W + b with W stored [groups·in × out] (row k of group
// v at row v·in+k) and b [groups × out]; b = −1 when there is no bias.
type linearP struct {
	w, b            int
	in, out, groups int
}

// lnP is a LayerNorm over rows of width `width`, with γ and β of shape
// [groups × width] (row r of the normalised tensor uses row r mod groups).
type lnP struct {
	g, b          int
	width, groups int
}

// grnP is a gated residual network in → hid → out, optionally with a
// context input (of width H) and, when in ≠ out, a linear skip.
type grnP struct {
	fc1, ctx, fc2, glu, skip linearP
	ln                       lnP
	in, hid, out, groups     int
	hasCtx, hasSkip          bool
}

// vsnP is a variable selection network over n variables of width d.
type vsnP struct {
	n, d  int
	table int // offset of the embedding table [rows × d]
	rows  int
	vars  []autodiff.EmbedVar // a real variable owns two rows (prescaler weight, bias), a categorical one Categories rows
	// Row blocks for folding linear layers into the table (one block per
	// variable), into the single GRNs' fc2 (d rows per variable) and into
	// their fc2 biases (one row per variable).
	tableBlocks, dBlocks, oneBlocks []autodiff.RowBlock
	single                          grnP // grouped over the n variables: d → d → H
	flat                            grnP // n·d → min(H, n) → n, only when n > 1
	hasCtx                          bool
}

// lstmP holds one LSTM layer: gates = x·Wih + b + h·Whh, gate order
// input, forget, cell, output.
type lstmP struct {
	ih  linearP // H → 4H
	whh int     // [H × 4H]
}

// layout is the full parameter layout of a model.
type layout struct {
	blocks []block
	size   int

	staticVSN, encVSN, decVSN vsnP
	csVS, csEnrich, csH, csC  grnP
	lstmEnc, lstmDec          lstmP
	postLSTMGLU               linearP
	postLSTMLN                lnP
	enrich                    grnP
	q, k, v, wh               linearP
	postAttnGLU               linearP
	postAttnLN                lnP
	ff                        grnP
	preOutGLU                 linearP
	preOutLN                  lnP
	out                       linearP
}

type layoutBuilder struct{ l *layout }

func (b layoutBuilder) add(name string, rows, cols int, init initKind, fanIn, fanOut int) int {
	off := b.l.size
	b.l.blocks = append(b.l.blocks, block{Name: name, Off: off, Rows: rows, Cols: cols, init: init, fanIn: fanIn, fanOut: fanOut})
	b.l.size += rows * cols
	return off
}

func (b layoutBuilder) linear(name string, in, out, groups int, bias bool, init initKind) linearP {
	p := linearP{in: in, out: out, groups: groups, b: -1}
	p.w = b.add(name+".w", groups*in, out, init, in, out)
	if bias {
		p.b = b.add(name+".b", groups, out, initZero, in, out)
	}
	return p
}

func (b layoutBuilder) layerNorm(name string, width, groups int) lnP {
	return lnP{
		g:     b.add(name+".gamma", groups, width, initOne, width, width),
		b:     b.add(name+".beta", groups, width, initZero, width, width),
		width: width, groups: groups,
	}
}

func (b layoutBuilder) grn(name string, in, hid, out, groups, hidden int, ctx bool) grnP {
	p := grnP{in: in, hid: hid, out: out, groups: groups, hasCtx: ctx, hasSkip: in != out}
	p.fc1 = b.linear(name+".fc1", in, hid, groups, true, initKaiming)
	if ctx {
		p.ctx = b.linear(name+".ctx", hidden, hid, 1, false, initXavier)
	}
	p.fc2 = b.linear(name+".fc2", hid, hid, groups, true, initKaiming)
	p.glu = b.linear(name+".glu", hid, 2*out, groups, true, initXavier)
	if p.hasSkip {
		p.skip = b.linear(name+".skip", in, out, groups, true, initXavier)
	}
	p.ln = b.layerNorm(name+".ln", out, groups)
	return p
}

func (b layoutBuilder) vsn(name string, vars []Variable, d, hidden int, ctx bool) vsnP {
	p := vsnP{n: len(vars), d: d, hasCtx: ctx}
	if p.n == 0 {
		return p
	}
	p.vars = make([]autodiff.EmbedVar, len(vars))
	for i, v := range vars {
		p.vars[i] = autodiff.EmbedVar{Row: p.rows, Cats: v.Categories}
		n := 2
		if v.Categories > 0 {
			n = v.Categories
		}
		p.tableBlocks = append(p.tableBlocks, autodiff.RowBlock{Row: p.rows, N: n})
		p.dBlocks = append(p.dBlocks, autodiff.RowBlock{Row: i * d, N: d})
		p.oneBlocks = append(p.oneBlocks, autodiff.RowBlock{Row: i, N: 1})
		p.rows += n
	}
	// The table mixes prescalers (U(±1)) and embeddings (N(0,1)); init
	// handles it per variable through the vars list (see initParams).
	p.table = b.add(name+".embed", p.rows, d, initUnit, 1, d)
	p.single = b.grn(name+".var", d, d, hidden, p.n, hidden, false)
	if p.n > 1 {
		p.flat = b.grn(name+".flat", p.n*d, min(hidden, p.n), p.n, 1, hidden, ctx)
	}
	return p
}

func (b layoutBuilder) lstm(name string, h int) lstmP {
	return lstmP{
		ih:  b.linear(name+".ih", h, 4*h, 1, true, initLSTM),
		whh: b.add(name+".hh", h, 4*h, initLSTM, h, 4*h),
	}
}

// newLayout lays out the parameters of a valid config.
func newLayout(c *Config) *layout {
	l := &layout{}
	b := layoutBuilder{l}
	h, d := c.Hidden, c.InputSize
	l.staticVSN = b.vsn("static_vsn", c.Static, d, h, false)
	l.encVSN = b.vsn("encoder_vsn", c.Encoder, d, h, true)
	l.decVSN = b.vsn("decoder_vsn", c.Decoder, d, h, true)
	l.csVS = b.grn("static_context_vs", h, h, h, 1, h, false)
	l.csEnrich = b.grn("static_context_enrichment", h, h, h, 1, h, false)
	l.csH = b.grn("static_context_h", h, h, h, 1, h, false)
	l.csC = b.grn("static_context_c", h, h, h, 1, h, false)
	l.lstmEnc = b.lstm("lstm_encoder", h)
	l.lstmDec = b.lstm("lstm_decoder", h)
	l.postLSTMGLU = b.linear("post_lstm.glu", h, 2*h, 1, true, initXavier)
	l.postLSTMLN = b.layerNorm("post_lstm.ln", h, 1)
	l.enrich = b.grn("static_enrichment", h, h, h, 1, h, true)
	dk := h / c.Heads
	l.q = b.linear("attention.q", h, c.Heads*dk, 1, true, initXavier)
	l.k = b.linear("attention.k", h, c.Heads*dk, 1, true, initXavier)
	l.v = b.linear("attention.v", h, dk, 1, true, initXavier)
	l.wh = b.linear("attention.out", dk, h, 1, false, initXavier)
	l.postAttnGLU = b.linear("post_attention.glu", h, 2*h, 1, true, initXavier)
	l.postAttnLN = b.layerNorm("post_attention.ln", h, 1)
	l.ff = b.grn("positionwise", h, h, h, 1, h, false)
	l.preOutGLU = b.linear("pre_output.glu", h, 2*h, 1, true, initXavier)
	l.preOutLN = b.layerNorm("pre_output.ln", h, 1)
	l.out = b.linear("output", h, c.Outputs(), 1, true, initXavier)
	// The LSTM biases start with the forget gate open.
	for i := range l.blocks {
		if l.blocks[i].Off == l.lstmEnc.ih.b || l.blocks[i].Off == l.lstmDec.ih.b {
			l.blocks[i].init = initForgetBias
		}
	}
	return l
}

// initParams fills p (of length l.size) from rng.
func (l *layout) initParams(p []float64, rng *rand.Rand) {
	for _, bl := range l.blocks {
		x := p[bl.Off : bl.Off+bl.Size()]
		switch bl.init {
		case initZero:
			clear(x)
		case initOne:
			for i := range x {
				x[i] = 1
			}
		case initXavier:
			a := math.Sqrt(6 / float64(bl.fanIn+bl.fanOut))
			for i := range x {
				x[i] = a * (2*rng.Float64() - 1)
			}
		case initKaiming:
			s := math.Sqrt(2 / float64(bl.fanIn))
			for i := range x {
				x[i] = s * rng.NormFloat64()
			}
		case initUnit:
			for i := range x {
				x[i] = 2*rng.Float64() - 1
			}
		case initNormal:
			for i := range x {
				x[i] = rng.NormFloat64()
			}
		case initLSTM:
			a := 1 / math.Sqrt(float64(bl.Cols/4))
			for i := range x {
				x[i] = a * (2*rng.Float64() - 1)
			}
		case initForgetBias:
			clear(x)
			h := bl.Cols / 4
			for i := h; i < 2*h; i++ {
				x[i] = 1
			}
		}
	}
	// Embedding rows of categorical variables: N(0, 1) as in PyTorch.
	for _, v := range []*vsnP{&l.staticVSN, &l.encVSN, &l.decVSN} {
		for _, ev := range v.vars {
			if ev.Cats == 0 {
				continue
			}
			x := p[v.table+ev.Row*v.d : v.table+(ev.Row+ev.Cats)*v.d]
			for i := range x {
				x[i] = rng.NormFloat64()
			}
		}
	}
}
