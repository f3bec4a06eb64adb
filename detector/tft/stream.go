package tft

import (
	"fmt"
	"slices"
)

// Stream forecasts a sliding window of one series incrementally. It keeps
// the last EncoderLen encoder rows and, for each, the per-step outputs of
// the encoder variable selection (which depend only on that step's inputs
// and the static context), so that each forecast computes the variable
// selection of the newest rows only; the LSTM input projection, the LSTMs,
// enrichment and attention still run over the whole window (the window's
// first step is its LSTM start). The projection is recomputed rather than
// kept: it would be four times the embedding's size, most of a stream's
// memory, and it costs less to compute than to copy back in from memory. A Stream is not safe for
// concurrent use; a Model may serve many Streams at once.
type Stream struct {
	m  *Model
	st streamState
}

// NewLeanStream is NewStream for a stream whose forecasts carry the encoder
// variable-selection weights of the newest row only (Forecast.
// EncoderWeights is zero for the older rows; every other output is the
// same to the last bit): it keeps one row of weights instead of
// EncoderLen, 2.6 KB less per stream of the embedded model, for callers
// that explain the newest step alone (the detector, at 50 000 soldiers).
func (m *Model) NewLeanStream(static []float64) (*Stream, error) {
	s, err := m.newStream(static, 1, false)
	if err != nil {
		return nil, err
	}
	s.st.lean = true
	return s, nil
}

// NewCompactStream is NewLeanStream for a stream that keeps its ring, the
// encoder rows and their embeddings, in float32 instead of float64: 3.2 KB
// instead of 6.5 KB per stream of the embedded model, for fleets of tens of
// thousands of soldiers. Every stored value is rounded to float32 once,
// when it is stored. Its forecasts run in float32 after the variable
// selection (see infer32.go): the selection, the static contexts and the
// decoder row are computed in float64 and rounded once, everything from
// the LSTMs to the head in float32. A forecast therefore differs from a
// float64 stream's in its low bits (within 1e-6 relative on the embedded
// model's simulated windows); it is the same for the same rows on every
// run, whatever streams it is forecast with.
func (m *Model) NewCompactStream(static []float64) (*Stream, error) {
	s, err := m.newStream(static, 1, true)
	if err != nil {
		return nil, err
	}
	s.st.lean = true
	return s, nil
}

// streamState is a Stream's ring of cached steps.
type streamState struct {
	n       int // rows held, ≤ EncoderLen
	head    int // ring slot of the oldest row
	pending int // newest rows whose per-step outputs are not computed yet
	gen     uint64
	ready   bool      // ctx and staticW are computed for gen
	static  []float64 // raw static values
	staticW []float64
	ctx     []float64 // cH, cC, cVS, cEnrich, ctxEnc, ctxDec, ctxEnrich
	raw     []float64 // [Te × ne]
	emb     []float64 // [Te × H]: the embedding of ring slot s at row s
	// raw32 and emb32 replace raw and emb in a compact stream.
	raw32 []float32
	emb32 []float32
	w     []float64 // [Te × ne], or [ne] for the newest row of a lean stream
	lean  bool
}

// loadSlot copies the k values of ring slot slot into dst, from the float64
// ring or, when it is nil, the float32 one.
func loadSlot(dst []float64, f64 []float64, f32 []float32, slot, k int) {
	if f64 != nil {
		copy(dst[:k], f64[slot*k:(slot+1)*k])
		return
	}
	for i, x := range f32[slot*k : (slot+1)*k] {
		dst[i] = float64(x)
	}
}

// keepSlot stores src as ring slot slot of the float64 ring or, when it is
// nil, the float32 one (rounded to nearest).
func keepSlot(f64 []float64, f32 []float32, slot int, src []float64) {
	k := len(src)
	if f64 != nil {
		copy(f64[slot*k:(slot+1)*k], src)
		return
	}
	for i, x := range src {
		f32[slot*k+i] = float32(x)
	}
}

// NewStream returns an empty stream for a series with the given static
// covariates (one value per Config.Static variable).
func (m *Model) NewStream(static []float64) (*Stream, error) {
	return m.newStream(static, m.cfg.EncoderLen, false)
}

// newStream returns an empty stream keeping the selection weights of
// wRows rows, its ring in float32 when compact.
func (m *Model) newStream(static []float64, wRows int, compact bool) (*Stream, error) {
	c := &m.cfg
	H, Te, ne := c.Hidden, c.EncoderLen, len(c.Encoder)
	s := &Stream{m: m}
	st := &s.st
	st.static = make([]float64, len(c.Static))
	st.staticW = make([]float64, len(c.Static))
	st.ctx = make([]float64, 5*H+max(m.fold.enc.hf, 1)+max(m.fold.dec.hf, 1))
	if compact {
		st.raw32 = make([]float32, Te*ne)
		st.emb32 = make([]float32, Te*H)
	} else {
		st.raw = make([]float64, Te*ne)
		st.emb = make([]float64, Te*H)
	}
	st.w = make([]float64, wRows*ne)
	if err := s.Reset(static); err != nil {
		return nil, err
	}
	return s, nil
}

// Reset empties the stream and sets its static covariates.
func (s *Stream) Reset(static []float64) error {
	c := &s.m.cfg
	if err := checkValues("static", static, c.Static, 1); err != nil {
		return fmt.Errorf("reset stream: %w", err)
	}
	st := &s.st
	copy(st.static, static)
	st.n, st.head, st.pending, st.ready = 0, 0, 0, false
	return nil
}

// Push appends one encoder row (one value per Config.Encoder variable) as
// the newest step, dropping the oldest once EncoderLen rows are held. It
// only validates and stores the row; its variable selection runs in the
// next Forecast.
func (s *Stream) Push(row []float64) error {
	c := &s.m.cfg
	if err := checkValues("encoder row", row, c.Encoder, 1); err != nil {
		return fmt.Errorf("push: %w", err)
	}
	st := &s.st
	Te, ne := c.EncoderLen, len(c.Encoder)
	var slot int
	if st.n < Te {
		slot = (st.head + st.n) % Te
		st.n++
	} else {
		slot = st.head
		st.head = (st.head + 1) % Te
	}
	keepSlot(st.raw, st.raw32, slot, row[:ne])
	st.pending = min(st.pending+1, st.n)
	return nil
}

// ReplaceLast overwrites the newest row, e.g. to substitute the forecast
// for a reading judged anomalous so that it does not shape later
// forecasts. The stream must hold at least one row.
func (s *Stream) ReplaceLast(row []float64) error {
	c := &s.m.cfg
	if err := checkValues("encoder row", row, c.Encoder, 1); err != nil {
		return fmt.Errorf("replace last row: %w", err)
	}
	st := &s.st
	if st.n == 0 {
		return fmt.Errorf("replace last row: %w: the stream is empty", ErrBadInput)
	}
	ne := len(c.Encoder)
	slot := (st.head + st.n - 1) % c.EncoderLen
	keepSlot(st.raw, st.raw32, slot, row[:ne])
	st.pending = max(st.pending, 1)
	return nil
}

// Window copies the encoder rows the stream holds into dst, oldest row
// first ([Len][len(Config.Encoder)], reusing dst's capacity), and returns
// it: the window its next Forecast reads, for callers that forecast
// variations of it (attribution by occlusion).
func (s *Stream) Window(dst []float64) []float64 {
	st := &s.st
	Te, ne := s.m.cfg.EncoderLen, len(s.m.cfg.Encoder)
	dst = slices.Grow(dst[:0], st.n*ne)[:st.n*ne]
	for i := range st.n {
		loadSlot(dst[i*ne:], st.raw, st.raw32, (st.head+i)%Te, ne)
	}
	return dst
}

// Len is the number of rows held, at most EncoderLen.
func (s *Stream) Len() int { return s.st.n }

// Ready reports whether the stream holds a full window.
func (s *Stream) Ready() bool { return s.st.n == s.m.cfg.EncoderLen }

// Forecast forecasts the decoder steps after the newest row, given their
// known inputs ([DecoderLen][len(Config.Decoder)]). The stream must be
// Ready. The result equals Model.Forecast on the same window (up to the
// last bit).
func (s *Stream) Forecast(ws *Workspace, decoder []float64, out *Forecast) error {
	w := &ws.w
	w.ss1[0], w.dec1[0] = s, decoder
	err := s.m.ForecastStreams(ws, w.ss1[:], w.dec1[:], out1(out))
	w.ss1[0], w.dec1[0] = nil, nil
	return err
}

// SettleStreams does now, for each stream, the part of its next Forecast
// that does not need a full window: the static context (once) and the
// variable selection of the rows pushed since its last forecast (or
// settle). The forecast later computes only what is pending then, and
// its bits do not change: each row's selection is its own. A scorer
// that settles its streams every tick of their warm-up spreads that work
// over the warm-up instead of the first forecast (3.5 times a later
// tick's cost for a whole battlefield that starts at once). It panics if a
// stream belongs to another model (a programmer error).
func (m *Model) SettleStreams(ws *Workspace, ss []*Stream) {
	for _, s := range ss {
		if s.m != m {
			panic("tft: SettleStreams with a stream of another model")
		}
	}
	for start := 0; start < len(ss); start += chunkWindows {
		cs := ss[start:min(start+chunkWindows, len(ss))]
		ws.ensureSelect(m, len(cs))
		for b, s := range cs {
			m.streamStatic(&ws.w, b, &s.st)
		}
		m.streamSelect(&ws.w, cs)
	}
}

// ErrNotReady is returned when forecasting from a Stream that holds fewer
// than EncoderLen rows.
var ErrNotReady = fmt.Errorf("%w: stream holds less than a full window", ErrBadInput)

func (m *Model) forecastStreams(ws *Workspace, ss []*Stream, decoders [][]float64, out []Forecast) error {
	c := &m.cfg
	if len(decoders) != len(ss) || len(out) < len(ss) {
		return fmt.Errorf("%w: %d streams, %d decoder rows, %d forecasts", ErrBadInput, len(ss), len(decoders), len(out))
	}
	for i, s := range ss {
		if s == nil || s.m != m {
			return fmt.Errorf("%w: stream %d belongs to another model", ErrBadInput, i)
		}
		if !s.Ready() {
			return fmt.Errorf("stream %d: %w", i, ErrNotReady)
		}
		if err := checkValues("decoder", decoders[i], c.Decoder, c.DecoderLen); err != nil {
			return fmt.Errorf("stream %d: %w", i, err)
		}
		if !out[i].fits(c) {
			return fmt.Errorf("%w: forecast %d not sized for this model (use NewForecast)", ErrBadInput, i)
		}
	}
	compact := 0
	for _, s := range ss {
		if s.st.compact() {
			compact++
		}
	}
	if compact == 0 || compact == len(ss) {
		m.streamChunks(ws, ss, decoders, out, compact > 0)
		return nil
	}
	// A mixed call: the full streams, then the compact ones, each kind
	// gathered and run as a call of its own would run it (a Forecast is
	// slice headers, so a gathered copy writes into the caller's).
	for _, f32 := range [...]bool{false, true} {
		gs, gd, gout := ws.mss[:0], ws.mdec[:0], ws.mout[:0]
		for i, s := range ss {
			if s.st.compact() == f32 {
				gs, gd, gout = append(gs, s), append(gd, decoders[i]), append(gout, out[i])
			}
		}
		m.streamChunks(ws, gs, gd, gout, f32)
		clear(gs)
		clear(gd)
		clear(gout)
		ws.mss, ws.mdec, ws.mout = gs, gd, gout
	}
	return nil
}

// streamChunks forecasts validated streams in chunks of chunkWindows, in
// float32 after the selection when f32 (all of them compact).
func (m *Model) streamChunks(ws *Workspace, ss []*Stream, decoders [][]float64, out []Forecast, f32 bool) {
	for start := 0; start < len(ss); start += chunkWindows {
		end := min(start+chunkWindows, len(ss))
		m.streamChunk(ws, ss[start:end], decoders[start:end], out[start:end], f32)
	}
}

// compact reports whether the stream keeps its ring in float32 (and
// forecasts in float32 after the selection).
func (st *streamState) compact() bool { return st.emb32 != nil }

// streamChunk forecasts up to chunkWindows validated streams, all compact
// when f32 (their forward then runs in float32 after the selection).
func (m *Model) streamChunk(ws *Workspace, ss []*Stream, decoders [][]float64, out []Forecast, f32 bool) {
	c := &m.cfg
	B := len(ss)
	if f32 {
		ws.ensureSelect(m, B)
	} else {
		ws.ensure(m, B)
	}
	w := &ws.w
	H, Te, ne := c.Hidden, c.EncoderLen, len(c.Encoder)
	for b, s := range ss {
		st := &s.st
		m.streamStatic(w, b, st)
		copy(out[b].StaticWeights, st.staticW)
	}
	m.streamSelect(w, ss)
	for b, s := range ss {
		st := &s.st
		for p := range Te {
			r, slot := p*B+b, (st.head+p)%Te
			if !f32 {
				loadSlot(w.emb[r*H:], st.emb, st.emb32, slot, H)
			}
			if !st.lean {
				copy(out[b].EncoderWeights[p*ne:(p+1)*ne], st.w[slot*ne:(slot+1)*ne])
			}
		}
		if st.lean {
			clear(out[b].EncoderWeights[:(Te-1)*ne])
			copy(out[b].EncoderWeights[(Te-1)*ne:], st.w)
		}
	}
	if f32 {
		m.chunk32(ws, ss, decoders, out)
		return
	}
	// The LSTM input projection of every encoder row, as selectRows
	// computes it (row by row, so the same bits).
	m.linearRows(w.gx[:Te*B*4*H], w.emb[:Te*B*H], Te*B, m.lay.lstmEnc.ih)
	m.decoderRows(w, B, func(b int) []float64 { return decoders[b] }, out)
	m.core(w, B, out)
}

// streamStatic puts stream st's static context into batch slot b of w:
// from its cache, or computed and cached when the stream has none for the
// current parameters (a parameter change also marks every row pending).
func (m *Model) streamStatic(w *work, b int, st *streamState) {
	H := m.cfg.Hidden
	hfE, hfD := max(m.fold.enc.hf, 1), max(m.fold.dec.hf, 1)
	// Each cached piece of the static context and its slot in w.
	parts := [...][]float64{
		w.cH[b*H : (b+1)*H], w.cC[b*H : (b+1)*H], w.cVS[b*H : (b+1)*H], w.cEnrich[b*H : (b+1)*H],
		w.ctxEnc[b*hfE : (b+1)*hfE], w.ctxDec[b*hfD : (b+1)*hfD], w.ctxEnrich[b*H : (b+1)*H],
	}
	if st.ready && st.gen == m.gen {
		off := 0
		for _, p := range parts {
			copy(p, st.ctx[off:off+len(p)])
			off += len(p)
		}
		return
	}
	if st.gen != m.gen { // parameters changed: recompute every row
		st.pending = st.n
		st.gen = m.gen
	}
	m.staticContexts(w, b, 1,
		func(int) []float64 { return st.static },
		func(int) []float64 { return st.staticW })
	off := 0
	for _, p := range parts {
		copy(st.ctx[off:], p)
		off += len(p)
	}
	st.ready = true
}

// streamSelect runs the variable selection on the rows pushed to the
// streams ss since their last forecast, stream b's static context being in
// w's batch slot b, in blocks of up to blockRows rows of any streams (a
// row's selection does not depend on the rows it runs with, bit for bit),
// and caches each row's selection weights and embedding in its slot of its
// stream's ring.
func (m *Model) streamSelect(w *work, ss []*Stream) {
	ne := len(m.cfg.Encoder)
	sc := &w.sc
	k := 0 // rows gathered
	for b, s := range ss {
		st := &s.st
		for i := st.n - st.pending; i < st.n; i++ {
			slot := (st.head + i) % m.cfg.EncoderLen
			loadSlot(sc.x[k*ne:], st.raw, st.raw32, slot, ne)
			sc.win[k], sc.pos[k] = b, i
			if k++; k == blockRows {
				m.selectKeep(w, ss, k)
				k = 0
			}
		}
	}
	if k > 0 {
		m.selectKeep(w, ss, k)
	}
	for _, s := range ss {
		s.st.pending = 0
	}
}

// selectKeep selects the k rows gathered in w.sc (row i: ring position
// sc.pos[i] of stream sc.win[i] of ss) and keeps each one's weights and
// embedding in its stream.
func (m *Model) selectKeep(w *work, ss []*Stream, k int) {
	H, Te, ne := m.cfg.Hidden, m.cfg.EncoderLen, len(m.cfg.Encoder)
	sc := &w.sc
	m.selectRows(w, false, k, sc.winOf)
	for i := range k {
		st := &ss[sc.win[i]].st
		slot := (st.head + sc.pos[i]) % Te
		switch {
		case !st.lean:
			copy(st.w[slot*ne:(slot+1)*ne], sc.wts[i*ne:(i+1)*ne])
		case sc.pos[i] == st.n-1: // the newest row
			copy(st.w, sc.wts[i*ne:(i+1)*ne])
		}
		keepSlot(st.emb, st.emb32, slot, sc.emb[i*H:(i+1)*H])
	}
}
