package tft

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
