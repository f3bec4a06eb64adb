package tft

// Stream forecasts a sliding window of one series incrementally. It keeps
// the last EncoderLen encoder rows and, for each, the per-step outputs of
// the encoder variable selection (which depend only on that step's inputs
// and the static context), so that each forecast computes the variable
// selection of the newest rows only; the LSTMs, enrichment and attention
// still run over the whole window (the window's first step is its LSTM
// start). A Stream is not safe for concurrent use; a Model may serve many
// Streams at once.
type Stream struct {
	m  *Model
	st streamState
}

// NewStream returns an empty stream for a series with the given static
// covariates (one value per Config.Static variable).
func (m *Model) NewStream(static []float64) (*Stream, error) {
	s := &Stream{m: m}
	if err := s.Reset(static); err != nil {
		return nil, err
	}
	return s, nil
}

// Reset empties the stream and sets its static covariates.
func (s *Stream) Reset(static []float64) error { return s.reset(static) }

// Push appends one encoder row (one value per Config.Encoder variable) as
// the newest step, dropping the oldest once EncoderLen rows are held.
func (s *Stream) Push(row []float64) error { return s.push(row) }

// Len is the number of rows held, at most EncoderLen.
func (s *Stream) Len() int { return s.st.n }

// Ready reports whether the stream holds a full window.
func (s *Stream) Ready() bool { return s.st.n == s.m.cfg.EncoderLen }

// Forecast forecasts the decoder steps after the newest row, given their
// known inputs ([DecoderLen][len(Config.Decoder)]). The stream must be
// Ready. The result equals Model.Forecast on the same window up to
// rounding.
func (s *Stream) Forecast(ws *Workspace, decoder []float64, out *Forecast) error {
	return s.m.ForecastStreams(ws, []*Stream{s}, [][]float64{decoder}, out1(out))
}
