package detector

import (
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Option configures a scorer built by NewThreshold, NewZScore, NewTFT or
// Default. Options that do not apply to a scorer are ignored by it.
type Option func(*options)

type options struct {
	alerts    *AlertConfig
	open      *[engine.NumVitals]float64
	floor     *[engine.NumVitals]float64
	window    int
	model     *Model
	modelPath string
	impute    *bool
	explain   *bool
	adapt     *bool
	glitch    *GlitchConfig
	prior     *bool
	compact   bool
	personalK float64
	// phaseHold is the phase check's hold (nil: PhaseMismatchHold; 0:
	// no phase check).
	phaseHold *time.Duration
}

func buildOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithAlertConfig replaces the whole alert configuration (persistence,
// hysteresis, data-quality rules and open levels).
func WithAlertConfig(c AlertConfig) Option { return func(o *options) { o.alerts = &c } }

// WithOpenLevels sets the |Out| level per vital above which a tick is out of
// band, overriding the scorer's calibrated levels.
func WithOpenLevels(levels [engine.NumVitals]float64) Option {
	return func(o *options) { o.open = &levels }
}

// WithNoiseFloor sets the smallest band width per vital (sensor noise, in
// the vital's unit), so a very confident forecast does not turn sensor
// noise into many band-widths.
func WithNoiseFloor(floor [engine.NumVitals]float64) Option {
	return func(o *options) { o.floor = &floor }
}

// WithWindow sets the number of past rows the rolling z-score baseline
// averages over (2 to 128).
func WithWindow(n int) Option { return func(o *options) { o.window = n } }

// WithImputation turns imputation while an alert is open on or off (on by
// default for the forecasting scorers).
func WithImputation(on bool) Option { return func(o *options) { o.impute = &on } }

// WithExplanations turns the TFT's variable-selection and attention
// explanations on or off (on by default; off saves a little time).
func WithExplanations(on bool) Option { return func(o *options) { o.explain = &on } }

// WithAdaptiveBands turns the TFT's per-soldier band scale on or off (on by
// default): each soldier's bands widen, up to 3×, when its readings scatter
// more around the forecast than the training data did (see dispersion.go).
func WithAdaptiveBands(on bool) Option { return func(o *options) { o.adapt = &on } }

// WithGlitchConfig replaces the rules that tell a sensor glitch from
// physiology (DefaultGlitchConfig); a MaxStep of +Inf turns a vital's check
// off.
func WithGlitchConfig(g GlitchConfig) Option { return func(o *options) { o.glitch = &g } }

// WithPopulationPrior turns the population prior on or off (on by
// default): before a scorer can forecast a soldier, its readings are
// judged against what is plausible for its profile and phase (prior.go)
// instead of not at all (StateWarmingUp).
func WithPopulationPrior(on bool) Option { return func(o *options) { o.prior = &on } }

// WithCompactState keeps each soldier's TFT stream (its last encoder rows
// and their embeddings) and the core's history of its cleaned rows in
// float32 instead of float64 (off by default): 3.2 + 3.1 KB less per
// soldier, for fleets of tens of thousands of soldiers on one machine
// (docs/scale.md). Each stored value is rounded to float32 once, and the
// TFT's forward runs in float32 after the variable selection (the LSTMs
// to the head: about half the CPU a window with the AVX2 float32
// kernels). Forecasts move in their low bits (within 1e-6 relative on
// simulated windows) and a verdict near a threshold can differ from a
// full-precision one; the same seed still gives the same verdicts.
// Attributions stay float64. Baselines ignore it.
func WithCompactState(on bool) Option { return func(o *options) { o.compact = on } }

// DefaultNoiseFloor returns the smallest band width per vital: about twice
// the simulated sensor noise (heart rate in bpm, stamina in points, core
// temperature in °C, SpO2 in %).
func DefaultNoiseFloor() [engine.NumVitals]float64 { return [engine.NumVitals]float64{4, 2, 0.1, 2} }
