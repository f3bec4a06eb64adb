package tft

// ForecastShared is ForecastBatch for windows that mostly repeat rows of
// in[0] or their own previous row, as the occlusions of an attribution do
// (a variable held at one value, a block of steps replaced by the row
// before). A window's encoder row is computed once: a row equal to the
// same window's previous row, or to in[0]'s row at the same position with
// the same static values, takes that row's variable selection instead of
// running it again, and within the rows that do run, a real variable's
// own GRN runs once per run of equal values. Every row-wise layer gives
// the same bits for a row whatever rows it runs with, so the forecasts
// equal ForecastBatch's bit for bit. Windows beyond the first chunk (24
// windows) run with in[0] again as their first window.
func (m *Model) ForecastShared(ws *Workspace, in []Input, out []Forecast) error {
	B := len(in)
	if err := m.checkBatch(in, out); err != nil {
		return err
	}
	if B == 0 {
		return nil
	}
	end := min(sharedChunkWindows, B)
	m.sharedChunk(ws, in[:end], out[:end])
	if end == B {
		return nil
	}
	if ws.spare == nil {
		ws.spare = m.NewForecast()
		ws.sin = make([]Input, 0, sharedChunkWindows)
		ws.sout = make([]Forecast, 0, sharedChunkWindows)
	}
	for start := end; start < B; start = end {
		end = min(start+sharedChunkWindows-1, B)
		sin := append(append(ws.sin[:0], in[0]), in[start:end]...)
		sout := append(append(ws.sout[:0], *ws.spare), out[start:end]...)
		m.sharedChunk(ws, sin, sout)
		clear(ws.sin[:cap(ws.sin)])
	}
	return nil
}

// sharedChunkWindows is ForecastShared's chunk: larger than
// chunkWindows, as most of its rows are copies, and enough for an
// attribution of the embedded model (1 + 11 + 10 windows) in one chunk.
const sharedChunkWindows = 24

// sharedChunk is forecastChunk computing each distinct encoder row once
// (see ForecastShared).
func (m *Model) sharedChunk(ws *Workspace, in []Input, out []Forecast) {
	c := &m.cfg
	B := len(in)
	ws.ensure(m, B)
	w := &ws.w
	H, Te, ne := c.Hidden, c.EncoderLen, len(c.Encoder)
	m.sharedStatic(w, in, out)
	R := Te * B
	if cap(w.src) < R {
		w.src, w.idx = make([]int, R), make([]int, R)
	}
	src, idx := w.src[:R], w.idx[:0]
	row := func(b, p int) []float64 { return in[b].Encoder[p*ne : (p+1)*ne] }
	for p := range Te {
		for b := range B {
			r := p*B + b
			switch {
			case p > 0 && equalRow(row(b, p), row(b, p-1)):
				src[r] = r - B
			case b > 0 && equalRow(row(b, p), row(0, p)) && equalRow(in[b].Static, in[0].Static):
				src[r] = p * B
			default:
				src[r] = -1
				idx = append(idx, r)
			}
		}
	}
	w.sc.dedupe = true
	for i0 := 0; i0 < len(idx); i0 += blockRows {
		n := min(blockRows, len(idx)-i0)
		for i := range n {
			r := idx[i0+i]
			p, b := r/B, r%B
			copy(w.sc.x[i*ne:(i+1)*ne], row(b, p))
		}
		m.selectRows(w, false, n, func(i int) int { return idx[i0+i] % B })
		for i := range n {
			r := idx[i0+i]
			p, b := r/B, r%B
			copy(w.emb[r*H:(r+1)*H], w.sc.emb[i*H:(i+1)*H])
			copy(w.gx[r*4*H:(r+1)*4*H], w.sc.gx[i*4*H:(i+1)*4*H])
			copy(out[b].EncoderWeights[p*ne:(p+1)*ne], w.sc.wts[i*ne:(i+1)*ne])
		}
	}
	w.sc.dedupe = false
	for r, s := range src {
		if s < 0 {
			continue
		}
		p, b := r/B, r%B
		sp, sb := s/B, s%B
		copy(w.emb[r*H:(r+1)*H], w.emb[s*H:(s+1)*H])
		copy(w.gx[r*4*H:(r+1)*4*H], w.gx[s*4*H:(s+1)*4*H])
		copy(out[b].EncoderWeights[p*ne:(p+1)*ne], out[sb].EncoderWeights[sp*ne:(sp+1)*ne])
	}
	// The first position where each window differs from window 0: before
	// it, the LSTM states and everything per position are window 0's.
	if len(w.hiBuf) < Te {
		w.hiBuf = make([]int, Te)
	}
	hi := w.hiBuf[:Te]
	for p := range hi {
		hi[p] = 1
	}
	for b := 1; b < B; b++ {
		start := 0
		if equalRow(in[b].Static, in[0].Static) {
			for start < Te && equalRow(row(b, start), row(0, start)) {
				start++
			}
		}
		for p := start; p < Te; p++ {
			hi[p] = b + 1
		}
	}
	m.decoderRows(w, B, func(b int) []float64 { return in[b].Decoder }, out)
	w.hi = hi
	m.core(w, B, out)
	w.hi = nil
}

// equalRow reports whether a and b hold the same values (NaN equals
// nothing, so a NaN row is always computed).
func equalRow(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i, x := range a {
		if x != b[i] {
			return false
		}
	}
	return true
}

// sharedStatic computes the static contexts of window 0 and of each window
// whose static values differ from it; the others take window 0's.
func (m *Model) sharedStatic(w *work, in []Input, out []Forecast) {
	H := m.cfg.Hidden
	hfE, hfD := max(m.fold.enc.hf, 1), max(m.fold.dec.hf, 1)
	for b := range in {
		if b > 0 && equalRow(in[b].Static, in[0].Static) {
			for _, x := range [...]struct {
				s []float64
				n int
			}{{w.cH, H}, {w.cC, H}, {w.cVS, H}, {w.cEnrich, H}, {w.ctxEnc, hfE}, {w.ctxDec, hfD}, {w.ctxEnrich, H}} {
				copy(x.s[b*x.n:(b+1)*x.n], x.s[:x.n])
			}
			copy(out[b].StaticWeights, out[0].StaticWeights)
			continue
		}
		m.staticContexts(w, b, 1,
			func(int) []float64 { return in[b].Static },
			func(int) []float64 { return out[b].StaticWeights })
	}
}
