package tft

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Variable describes one input variable of the model.
type Variable struct {
	// Name identifies the variable in explanations and files.
	Name string `json:"name"`
	// Categories is 0 for a real-valued variable, which goes through a
	// learned prescaler (Linear 1→InputSize). A categorical variable has
	// Categories > 0 and takes the integer values 0…Categories−1 (stored as
	// float64 in the input rows); it goes through an embedding table.
	Categories int `json:"categories,omitempty"`
}

// Real returns a real-valued variable.
func Real(name string) Variable { return Variable{Name: name} }

// Categorical returns a categorical variable with n categories.
func Categorical(name string, n int) Variable { return Variable{Name: name, Categories: n} }

// IsCategorical reports whether v is categorical.
func (v Variable) IsCategorical() bool { return v.Categories > 0 }

// Config fixes the shape of a model. The zero value is not valid; start
// from DefaultConfig and set the variables.
type Config struct {
	// Hidden is the model width H (state size of every GRN, LSTM and the
	// attention). Must be a multiple of Heads.
	Hidden int `json:"hidden"`
	// Heads is the number of attention heads; each head has Hidden/Heads
	// query/key dimensions and all share one value projection.
	Heads int `json:"heads"`
	// InputSize is the width of each variable's embedding (the prescaler
	// output for reals, the embedding width for categoricals), 1…Hidden.
	// pytorch-forecasting calls it hidden_continuous_size.
	InputSize int `json:"input_size"`
	// EncoderLen is the number of past steps in a window.
	EncoderLen int `json:"encoder_len"`
	// DecoderLen is the forecast horizon in steps (≥ 1).
	DecoderLen int `json:"decoder_len"`
	// Static are the per-series covariates (one value each per window).
	Static []Variable `json:"static"`
	// Encoder are the time-varying inputs of the past steps: the observed
	// targets and any inputs known at those steps. At least one.
	Encoder []Variable `json:"encoder"`
	// Decoder are the known future inputs of the decoder steps (may be
	// empty: the decoder LSTM then runs on zero inputs).
	Decoder []Variable `json:"decoder"`
	// Targets names the forecast targets (at least one).
	Targets []string `json:"targets"`
	// Quantiles are the forecast quantile levels, strictly increasing in
	// (0, 1).
	Quantiles []float64 `json:"quantiles"`
}

// DefaultQuantiles are the quantile levels of DefaultConfig.
var DefaultQuantiles = []float64{0.02, 0.1, 0.5, 0.9, 0.98}

// DefaultConfig returns the suggested size (H = 16, 4 heads, input size 8,
// encoder 30, decoder 1, quantiles 0.02…0.98) without any variables.
func DefaultConfig() Config {
	return Config{
		Hidden:     16,
		Heads:      4,
		InputSize:  8,
		EncoderLen: 30,
		DecoderLen: 1,
		Quantiles:  append([]float64(nil), DefaultQuantiles...),
	}
}

// Limits on configuration sizes, generous but finite so a corrupt file
// cannot ask for absurd allocations.
const (
	MaxHidden     = 1024
	MaxSteps      = 4096
	MaxVariables  = 256
	MaxCategories = 1 << 16
	MaxTargets    = 64
	MaxQuantiles  = 64
)

// ErrBadConfig is returned for an invalid Config.
var ErrBadConfig = errors.New("tft: invalid config")

func badConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadConfig, fmt.Sprintf(format, args...))
}

// Validate reports whether c describes a model that can be built.
func (c Config) Validate() error {
	switch {
	case c.Hidden < 1 || c.Hidden > MaxHidden:
		return badConfig("hidden %d not in 1…%d", c.Hidden, MaxHidden)
	case c.Heads < 1 || c.Hidden%c.Heads != 0:
		return badConfig("heads %d must be ≥ 1 and divide hidden %d", c.Heads, c.Hidden)
	case c.InputSize < 1 || c.InputSize > c.Hidden:
		return badConfig("input size %d not in 1…hidden (%d)", c.InputSize, c.Hidden)
	case c.EncoderLen < 1 || c.EncoderLen > MaxSteps:
		return badConfig("encoder length %d not in 1…%d", c.EncoderLen, MaxSteps)
	case c.DecoderLen < 1 || c.DecoderLen > MaxSteps:
		return badConfig("decoder length %d not in 1…%d", c.DecoderLen, MaxSteps)
	case len(c.Encoder) == 0:
		return badConfig("no encoder variables")
	case len(c.Targets) == 0 || len(c.Targets) > MaxTargets:
		return badConfig("%d targets, want 1…%d", len(c.Targets), MaxTargets)
	case len(c.Quantiles) == 0 || len(c.Quantiles) > MaxQuantiles:
		return badConfig("%d quantiles, want 1…%d", len(c.Quantiles), MaxQuantiles)
	}
	for _, g := range []struct {
		name string
		vars []Variable
	}{{"static", c.Static}, {"encoder", c.Encoder}, {"decoder", c.Decoder}} {
		if len(g.vars) > MaxVariables {
			return badConfig("%d %s variables, want at most %d", len(g.vars), g.name, MaxVariables)
		}
		for i, v := range g.vars {
			if v.Categories < 0 || v.Categories > MaxCategories {
				return badConfig("%s variable %d (%q): %d categories not in 0…%d", g.name, i, v.Name, v.Categories, MaxCategories)
			}
		}
	}
	if !sort.Float64sAreSorted(c.Quantiles) {
		return badConfig("quantiles %v not increasing", c.Quantiles)
	}
	for i, q := range c.Quantiles {
		if !(q > 0 && q < 1) || (i > 0 && q == c.Quantiles[i-1]) || math.IsNaN(q) {
			return badConfig("quantile %v not in (0, 1) or repeated", q)
		}
	}
	return nil
}

// Equal reports whether c and o describe the same model shape, variables
// and quantiles.
func (c Config) Equal(o Config) bool {
	if c.Hidden != o.Hidden || c.Heads != o.Heads || c.InputSize != o.InputSize ||
		c.EncoderLen != o.EncoderLen || c.DecoderLen != o.DecoderLen ||
		len(c.Static) != len(o.Static) || len(c.Encoder) != len(o.Encoder) || len(c.Decoder) != len(o.Decoder) ||
		len(c.Targets) != len(o.Targets) || len(c.Quantiles) != len(o.Quantiles) {
		return false
	}
	for i := range c.Static {
		if c.Static[i] != o.Static[i] {
			return false
		}
	}
	for i := range c.Encoder {
		if c.Encoder[i] != o.Encoder[i] {
			return false
		}
	}
	for i := range c.Decoder {
		if c.Decoder[i] != o.Decoder[i] {
			return false
		}
	}
	for i := range c.Targets {
		if c.Targets[i] != o.Targets[i] {
			return false
		}
	}
	for i := range c.Quantiles {
		if c.Quantiles[i] != o.Quantiles[i] {
			return false
		}
	}
	return true
}

// clone returns a deep copy of c.
func (c Config) clone() Config {
	c.Static = append([]Variable(nil), c.Static...)
	c.Encoder = append([]Variable(nil), c.Encoder...)
	c.Decoder = append([]Variable(nil), c.Decoder...)
	c.Targets = append([]string(nil), c.Targets...)
	c.Quantiles = append([]float64(nil), c.Quantiles...)
	return c
}

// Steps is EncoderLen + DecoderLen.
func (c Config) Steps() int { return c.EncoderLen + c.DecoderLen }

// Outputs is the width of the quantile head: len(Targets)·len(Quantiles).
func (c Config) Outputs() int { return len(c.Targets) * len(c.Quantiles) }
