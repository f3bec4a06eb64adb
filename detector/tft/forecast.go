package tft

// Forecast is the output of the model for one window: quantiles and the
// interpretation outputs. Allocate it with Model.NewForecast and reuse it.
type Forecast struct {
	// Quantiles holds [DecoderLen][Targets][Quantiles] values. They are
	// made monotone in the quantile level by sorting each (step, target)
	// group in ascending order (the raw head is trained with the pinball
	// loss and is almost always ordered already; sorting only swaps values
	// where two quantiles cross, and keeps every value one the head
	// produced).
	Quantiles []float64
	// StaticWeights are the static variable-selection weights, one per
	// Config.Static variable (1 for a single variable).
	StaticWeights []float64
	// EncoderWeights are the encoder variable-selection weights,
	// [EncoderLen][len(Config.Encoder)], oldest step first.
	EncoderWeights []float64
	// DecoderWeights are the decoder variable-selection weights,
	// [DecoderLen][len(Config.Decoder)].
	DecoderWeights []float64
	// Attention is where each decoder step looked, averaged over heads:
	// [DecoderLen][EncoderLen+DecoderLen], positions oldest first; each row
	// sums to 1 and is 0 beyond the step itself (causal mask).
	Attention []float64

	steps, targets, quantiles, positions int
}

// NewForecast returns a Forecast sized for m.
func (m *Model) NewForecast() *Forecast {
	c := &m.cfg
	f := &Forecast{
		steps: c.DecoderLen, targets: len(c.Targets), quantiles: len(c.Quantiles), positions: c.Steps(),
	}
	f.Quantiles = make([]float64, c.DecoderLen*c.Outputs())
	f.StaticWeights = make([]float64, len(c.Static))
	f.EncoderWeights = make([]float64, c.EncoderLen*len(c.Encoder))
	f.DecoderWeights = make([]float64, c.DecoderLen*len(c.Decoder))
	f.Attention = make([]float64, c.DecoderLen*c.Steps())
	return f
}

// NewForecasts returns n Forecasts sized for m.
func (m *Model) NewForecasts(n int) []Forecast {
	out := make([]Forecast, n)
	for i := range out {
		out[i] = *m.NewForecast()
	}
	return out
}

// At returns the forecast of quantile index q for target t at decoder step
// s. It panics if an index is out of range.
func (f *Forecast) At(s, t, q int) float64 {
	if s < 0 || s >= f.steps || t < 0 || t >= f.targets || q < 0 || q >= f.quantiles {
		panic("tft: Forecast.At index out of range")
	}
	return f.Quantiles[(s*f.targets+t)*f.quantiles+q]
}

// Band returns the quantiles of target t at decoder step s (a sub-slice of
// Quantiles, ascending).
func (f *Forecast) Band(s, t int) []float64 {
	i := (s*f.targets + t) * f.quantiles
	return f.Quantiles[i : i+f.quantiles]
}

// AttentionRow returns the attention of decoder step s over all positions
// (a sub-slice of Attention).
func (f *Forecast) AttentionRow(s int) []float64 {
	return f.Attention[s*f.positions : (s+1)*f.positions]
}

// fits reports whether f was sized for c.
func (f *Forecast) fits(c *Config) bool {
	return f.steps == c.DecoderLen && f.targets == len(c.Targets) && f.quantiles == len(c.Quantiles) &&
		f.positions == c.Steps() && len(f.Quantiles) == c.DecoderLen*c.Outputs() &&
		len(f.StaticWeights) == len(c.Static) && len(f.EncoderWeights) == c.EncoderLen*len(c.Encoder) &&
		len(f.DecoderWeights) == c.DecoderLen*len(c.Decoder) && len(f.Attention) == c.DecoderLen*c.Steps()
}
