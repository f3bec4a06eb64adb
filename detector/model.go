package detector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
)

// ModelFormat names the metadata layout of a detector model file.
const ModelFormat = "chakra-tui/detector-tft"

// Model is a trained TFT with everything the scorer needs beside the
// weights: the feature version, the calibrated open levels, and how it was
// trained and validated. A Model is read-only; many scorers may share one.
type Model struct {
	net  *tft.Model
	Meta ModelMeta
}

// ModelMeta is the metadata stored in a model file next to the weights.
type ModelMeta struct {
	Format         string           `json:"format"`
	FeatureVersion int              `json:"feature_version"`
	Training       TrainingInfo     `json:"training"`
	Calibration    Calibration      `json:"calibration"`
	Validation     ValidationReport `json:"validation"`
	// ZScore is the calibration of the rolling z-score baseline on the
	// same runs, so its default is comparable to the TFT's.
	ZScore Calibration `json:"zscore_calibration"`
	// Drift is the TFT scorer's drift check.
	Drift DriftCheck `json:"drift"`
}

// DriftCheck configures the TFT scorer's slow-drift check, which exists for
// heat strain: a core temperature creeping up 0.1–0.2 °C per minute faster
// than the work and the weather explain, too slowly for any one-tick band
// to see under 0.015 °C of sensor noise. Over the last Ticks ticks the
// reading's change beyond the sum of the forecast median changes
// (VitalVerdict.Drift, measured for every vital) is scored one-sided, for
// a rise: Out is the larger of the one-step score and (Drift − Half)/(2·Half)
// when Drift > Half. Half is measured at training on normal validation runs
// (the 0.96 quantile of |Drift|, so it holds as much of normal behaviour as
// the 0.02–0.98 band does) and set for core temperature and heart rate; a vital with
// Half 0 is measured but not scored. The check waits three horizons after
// any vital was held on the forecast (see driftOf). Falls (cooling after exertion or heat
// strain) are not scored: no anomaly of the simulation is a fall this slow.
//
// PhaseHalf holds the same quantile measured within each phase, where the
// validation runs had enough rows of it (minDriftRows): in contact the
// forecast lags a legitimately faster rise, so the half-band measured over
// all phases would flag firefights. A phase without its own half-band
// (zero) uses Half.
//
// VitalTicks overrides the horizon per vital (0: Ticks). Heart rate has
// a short one (DefaultHRDriftTicks) since issue 18: a tachycardia's onset
// ramps for seconds, and the one-step forecast follows the ramp (each
// tick only 0.1–0.6 band-widths out), so its one-step errors sum to far
// more over a dozen ticks than the sensor noise does; the same one-sided
// scoring turns a rise the forecast absorbed into an alert. Model files
// written before it have no VitalTicks and no heart-rate half-band.
type DriftCheck struct {
	Ticks      int                                         `json:"ticks"`
	VitalTicks [engine.NumVitals]int                       `json:"vital_ticks"`
	Half       [engine.NumVitals]float64                   `json:"half_band"`
	PhaseHalf  [engine.NumPhases][engine.NumVitals]float64 `json:"phase_half_band"`
}

// halfFor returns the half-band of vital v for a row in phase p: the
// phase's own if it has one, else Half.
func (d *DriftCheck) halfFor(p engine.Phase, v int) float64 {
	if int(p) < engine.NumPhases {
		if h := d.PhaseHalf[p][v]; h != 0 {
			return h
		}
	}
	return d.Half[v]
}

// ticksFor returns the drift horizon of vital v in ticks.
func (d *DriftCheck) ticksFor(v int) int {
	if t := d.VitalTicks[v]; t > 0 {
		return t
	}
	return d.Ticks
}

// DefaultDriftTicks is the drift check's horizon.
const DefaultDriftTicks = 60

// DefaultHRDriftTicks is the heart-rate drift check's horizon: a
// tachycardia's onset (τ = 3 s) is over in about ten ticks.
const DefaultHRDriftTicks = 12

// TrainingInfo records how a model was trained.
type TrainingInfo struct {
	Seed          uint64        `json:"seed"`
	TrainSeeds    []uint64      `json:"train_seeds"`
	ValSeeds      []uint64      `json:"val_seeds"`
	Soldiers      int           `json:"soldiers"`
	Duration      time.Duration `json:"duration_ns"`
	Stride        int           `json:"stride"`
	Artefacts     bool          `json:"artefacts"`
	AugmentProb   float64       `json:"augment_prob"`
	TrainExamples int           `json:"train_examples"`
	ValExamples   int           `json:"val_examples"`
	Epochs        int           `json:"epochs"`
	Steps         int           `json:"steps"`
	BestEpoch     int           `json:"best_epoch"`
	BestValLoss   float64       `json:"best_val_loss"`
	FinalLoss     float64       `json:"final_train_loss"`
	Workers       int           `json:"workers"`
	Params        int           `json:"params"`
	// World is the sensor world of the training, validation and
	// calibration runs (absent: the clean world of earlier models).
	World *engine.World `json:"world,omitempty"`
}

// ValidationReport measures the forecasts on the validation runs: how often
// the reading fell inside each band, per vital (a calibrated 0.02–0.98 band
// holds 96 % of readings, 0.1–0.9 holds 80 %), and the median absolute error
// of the median forecast in the vital's unit.
type ValidationReport struct {
	Examples   int                       `json:"examples"`
	Cover96    [engine.NumVitals]float64 `json:"cover_02_98"`
	Cover80    [engine.NumVitals]float64 `json:"cover_10_90"`
	MedianAbs  [engine.NumVitals]float64 `json:"median_abs_error"`
	Width96    [engine.NumVitals]float64 `json:"median_band_width"`
	PinballAvg float64                   `json:"pinball"`
}

// Model file errors: LoadModel and DecodeModel wrap ErrModel around these
// causes where the weights format says what went wrong.
var errMetaMissing = errors.New("no detector metadata")

// DecodeModel reads a model file held in memory.
func DecodeModel(b []byte) (*Model, error) {
	net, raw, err := tft.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	return newModel(net, raw)
}

// LoadModel reads a model file written by Model.WriteTo.
func LoadModel(r io.Reader) (*Model, error) {
	net, raw, err := tft.Load(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	return newModel(net, raw)
}

// LoadModelFile reads the model file at path.
func LoadModelFile(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model %q: %w", path, err)
	}
	m, err := DecodeModel(b)
	if err != nil {
		return nil, fmt.Errorf("load model %q: %w", path, err)
	}
	return m, nil
}

func newModel(net *tft.Model, raw json.RawMessage) (*Model, error) {
	if err := net.CheckConfig(NetConfig()); err != nil {
		return nil, fmt.Errorf("%w: the network does not fit this build's features: %w", ErrModel, err)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrModel, errMetaMissing)
	}
	var meta ModelMeta
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&meta); err != nil {
		return nil, fmt.Errorf("%w: metadata: %w", ErrModel, err)
	}
	if meta.Format != ModelFormat {
		return nil, fmt.Errorf("%w: metadata format %q, want %q", ErrModel, meta.Format, ModelFormat)
	}
	if meta.FeatureVersion != FeatureVersion {
		return nil, fmt.Errorf("%w: trained for feature version %d, this build has %d (retrain with `make model`)",
			ErrModel, meta.FeatureVersion, FeatureVersion)
	}
	if d := meta.Drift; d.Ticks < 0 || d.Ticks > histCap {
		return nil, fmt.Errorf("%w: drift horizon %d ticks (want 0 to %d)", ErrModel, d.Ticks, histCap)
	}
	for v, t := range meta.Drift.VitalTicks {
		if t < 0 || t > histCap {
			return nil, fmt.Errorf("%w: %s drift horizon %d ticks (want 0 to %d)", ErrModel, engine.Vital(v), t, histCap)
		}
	}
	cfg := meta.Calibration.Alerts
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: calibration: %w", ErrModel, err)
	}
	return &Model{net: net, Meta: meta}, nil
}

// WriteTo writes the model file: the weights in the tft format with the
// metadata as its JSON blob.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	raw, err := json.Marshal(m.Meta)
	if err != nil {
		return 0, fmt.Errorf("encode model metadata: %w", err)
	}
	cw := &countWriter{w: w}
	if err := tft.Save(cw, m.net, raw); err != nil {
		return cw.n, fmt.Errorf("write model: %w", err)
	}
	return cw.n, nil
}

// NewModel returns a model of the network net (of NetConfig's shape) with
// meta. Training builds models this way; the model is not checked until it
// is written and loaded back.
func NewModel(net *tft.Model, meta ModelMeta) *Model { return &Model{net: net, Meta: meta} }

// NumParams is the number of trained parameters.
func (m *Model) NumParams() int { return m.net.NumParams() }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
