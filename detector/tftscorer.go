package detector

import (
	"fmt"
	"sync"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// WithModel makes NewTFT use m instead of the embedded model.
func WithModel(m *Model) Option { return func(o *options) { o.model = m } }

// WithModelFile makes NewTFT load its model from the file at path.
func WithModelFile(path string) Option { return func(o *options) { o.modelPath = path } }

// NewTFT returns the TFT scorer ("tft"): per soldier a stream over the
// cleaned rows forecasts each vital's quantiles for the tick being scored;
// Out is the distance outside the 0.02–0.98 band in band-widths (the band
// widened to the sensor-noise floor); the shared alert state machine runs
// with the model's calibrated open levels. Without WithModel or
// WithModelFile it uses the embedded model (see Default).
func NewTFT(opts ...Option) (Scorer, error) {
	o := buildOptions(opts)
	m := o.model
	if m == nil && o.modelPath != "" {
		var err error
		if m, err = LoadModelFile(o.modelPath); err != nil {
			return nil, err
		}
	}
	if m == nil {
		var err error
		if m, err = EmbeddedModel(); err != nil {
			return nil, err
		}
	}
	return newTFTScorer(m, o)
}

// Default returns the TFT scorer on the embedded model with its calibrated
// thresholds: what the dashboard and the HTTP API use.
func Default(opts ...Option) (Scorer, error) { return NewTFT(opts...) }

func newTFTScorer(m *Model, o options) (*core, error) {
	cfg := m.Meta.Calibration.Alerts
	if o.alerts != nil {
		cfg = *o.alerts
	}
	if o.open != nil {
		cfg.Open = *o.open
	}
	f := &tftForecaster{m: m, net: m.net, floor: DefaultNoiseFloor(), explain: true, impute: true, adapt: true}
	for v := range engine.NumVitals {
		ft := featurestore.VitalFeature(engine.Vital(v))
		f.lo[v], f.hi[v] = ft.Min, ft.Max
	}
	if o.floor != nil {
		f.floor = *o.floor
	}
	if o.explain != nil {
		f.explain = *o.explain
	}
	if o.impute != nil {
		f.impute = *o.impute
	}
	if o.adapt != nil {
		f.adapt = *o.adapt
	}
	f.compact = o.compact
	c := m.net.Config()
	f.te = c.EncoderLen
	for _, v := range c.Encoder {
		f.varNames = append(f.varNames, v.Name)
	}
	if len(f.varNames) > MaxVars || f.te+1 > MaxEncoder {
		return nil, fmt.Errorf("%w: model has %d encoder variables and %d steps; explanations hold %d and %d",
			ErrModel, len(f.varNames), f.te, MaxVars, MaxEncoder-1)
	}
	f.work.New = func() any {
		return &tftWork{ws: m.net.NewWorkspace()}
	}
	return newCore("tft", f, cfg, f.floor, o.glitch, &o)
}

// tftForecaster forecasts with a TFT, one stream per soldier.
type tftForecaster struct {
	m        *Model
	net      *tft.Model
	floor    [engine.NumVitals]float64
	lo, hi   [engine.NumVitals]float64 // each vital's physical range (featurestore)
	explain  bool
	impute   bool
	adapt    bool // stretch bands per soldier (dispersion)
	compact  bool // float32 streams and forward (WithCompactState)
	te       int
	varNames []string
	work     sync.Pool // *tftWork
	attr     sync.Pool // *attrWork (see attribute)
}

// tftSeries is one soldier's stream and normalisation.
type tftSeries struct {
	st     *tft.Stream
	n      norm
	static [numStatic]float64
	enc    [numEncoder]float64
	dec    [numDecoder]float64
}

// tftWork is the per-call workspace of a batch forecast.
type tftWork struct {
	ws      *tft.Workspace
	streams []*tft.Stream
	decs    [][]float64
	out     []tft.Forecast
}

func (f *tftForecaster) warmup() int { return f.te }

func (f *tftForecaster) drift(p engine.Phase, v int) (int, float64) {
	d := &f.m.Meta.Drift
	return d.ticksFor(v), d.halfFor(p, v)
}
func (f *tftForecaster) imputes() bool { return f.impute }

// historyRows is the longest drift horizon (the drift check reads that
// many rows back), at least the warm-up (the core counts it in rows of
// history) and one more (the attribution rebuilds the encoder window, whose
// oldest row needs the row before it), and the two rows the encoder row
// and the robust reading need.
func (f *tftForecaster) historyRows() int {
	n := max(2, f.te+1)
	for v := range engine.NumVitals {
		n = max(n, f.m.Meta.Drift.ticksFor(v))
	}
	return n
}
func (f *tftForecaster) adaptsBand() bool { return f.adapt }

// compactHistory keeps the core's histories in float32 with the streams
// (WithCompactState): 3.1 KB less per soldier on the embedded model.
func (f *tftForecaster) compactHistory() bool { return f.compact }

func (f *tftForecaster) newSeries(p *engine.Profile) any {
	s := &tftSeries{n: normFor(p)}
	staticRow(p, s.static[:])
	// The explanation reads the selection weights of the newest encoder
	// step alone: a lean stream keeps only those.
	newStream := f.net.NewLeanStream
	if f.compact {
		newStream = f.net.NewCompactStream
	}
	st, err := newStream(s.static[:])
	if err != nil {
		// The static row is built by staticRow and always fits the model's
		// configuration (checked when the model was loaded).
		panic(fmt.Sprintf("detector: new TFT stream: %v", err))
	}
	s.st = st
	return s
}

func (f *tftForecaster) resetSeries(state any) {
	s := state.(*tftSeries)
	if err := s.st.Reset(s.static[:]); err != nil {
		panic(fmt.Sprintf("detector: reset TFT stream: %v", err))
	}
}

func (f *tftForecaster) push(sd *soldier, r *row) {
	s := sd.series.(*tftSeries)
	var prev *row
	var p row // the previous row's values, from a compact history
	switch {
	case sd.hist.n <= 1:
	case sd.hist.small == nil:
		prev = sd.hist.at(1)
	default:
		p.values = sd.hist.values(1)
		prev = &p
	}
	s.n.encoderRow(r, prev, s.enc[:])
	if err := s.st.Push(s.enc[:]); err != nil {
		panic(fmt.Sprintf("detector: push TFT row: %v", err))
	}
}

// prepare selects the rows of the warming series as they come
// (tft.Model.SettleStreams), so that a battlefield that starts at once does
// not select every soldier's whole window on its first forecast's tick.
func (f *tftForecaster) prepare(jobs []*job) {
	if len(jobs) == 0 {
		return
	}
	w := f.work.Get().(*tftWork)
	defer f.work.Put(w)
	w.streams = w.streams[:0]
	for _, j := range jobs {
		if s, ok := j.s.series.(*tftSeries); ok && s.st.Len() > 0 {
			w.streams = append(w.streams, s.st)
		}
	}
	f.net.SettleStreams(w.ws, w.streams)
	clear(w.streams)
}

// forecastChunk is the most jobs one network call forecasts: a chunk's
// forecasts (≈ 3 KB each) are the scratch of a call, and 50 000 soldiers
// at once would hold 150 MB of it. Chunks do not change the bits (the
// network forecasts each window on its own).
const forecastChunk = 256

func (f *tftForecaster) forecast(jobs []*job) {
	for len(jobs) > forecastChunk {
		f.forecastSome(jobs[:forecastChunk])
		jobs = jobs[forecastChunk:]
	}
	f.forecastSome(jobs)
}

// forecastSome forecasts up to forecastChunk jobs.
func (f *tftForecaster) forecastSome(jobs []*job) {
	w := f.work.Get().(*tftWork)
	defer f.work.Put(w)
	if cap(w.out) < len(jobs) {
		w.out = f.net.NewForecasts(len(jobs))
		w.streams = make([]*tft.Stream, len(jobs))
		w.decs = make([][]float64, len(jobs))
	}
	w.streams, w.decs = w.streams[:len(jobs)], w.decs[:len(jobs)]
	for i, j := range jobs {
		s := j.s.series.(*tftSeries)
		decoderRow(j.obs, s.dec[:])
		w.streams[i], w.decs[i] = s.st, s.dec[:]
	}
	if err := f.net.ForecastStreams(w.ws, w.streams, w.decs, w.out); err != nil {
		// Streams and decoder rows are built here to fit the model; an
		// error is a bug in this package.
		panic(fmt.Sprintf("detector: TFT forecast: %v", err))
	}
	for i, j := range jobs {
		s := j.s.series.(*tftSeries)
		fc := &w.out[i]
		last := j.s.hist.values(0)
		for v := range engine.NumVitals {
			band := fc.Band(0, v)
			vf := vitalForecast{ok: true}
			for q := range vf.q {
				// A forecast cannot leave the vital's physical range
				// (SpO2 above 100 %, stamina below 0).
				vf.q[q] = min(max(last[v]+band[q]/s.n.scale[v], f.lo[v]), f.hi[v])
			}
			vf.setBand(f.floor[v])
			j.width0[v] = vf.width
			if k := j.s.disp.scale(v); f.adapt && k > 1 {
				m := vf.q[2]
				for q := range vf.q {
					vf.q[q] = min(max(m+(vf.q[q]-m)*k, f.lo[v]), f.hi[v])
				}
				vf.setBand(f.floor[v])
			}
			j.fc[v] = vf
		}
		if f.explain && j.ex != nil {
			ew := fc.EncoderWeights[(f.te-1)*numEncoder : f.te*numEncoder]
			j.ex.NumVars = copy(j.ex.VarWeights[:], ew)
			j.ex.VarNames = f.varNames
			j.ex.AttentionLen = copy(j.ex.Attention[:], fc.AttentionRow(0))
		}
		w.streams[i], w.decs[i] = nil, nil
	}
}
