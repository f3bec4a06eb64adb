package tft

import (
	"fmt"
	"math/rand/v2"
)

// Model is a Temporal Fusion Transformer: its configuration and its
// parameters. A Model is not modified by forecasting, so many goroutines
// may forecast with one Model, each with its own Workspace (or Stream).
// Train and Refresh modify the Model: do not forecast with it while they
// run.
type Model struct {
	cfg    Config
	lay    *layout
	params []float64
	fold   *folded // inference constants derived from params; see fold.go
	gen    uint64  // bumped by every refresh, so Streams notice new parameters
}

// New returns a model for cfg with freshly initialised parameters drawn
// from a PCG source seeded with seed: the same config and seed give the
// same parameters, bit for bit.
func New(cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new model: %w", err)
	}
	m := newEmpty(cfg)
	m.lay.initParams(m.params, rand.New(rand.NewPCG(seed, 0x7466742d696e6974))) // "tft-init"
	m.refresh()
	return m, nil
}

// newEmpty returns a model for a valid cfg with zero parameters.
func newEmpty(cfg Config) *Model {
	cfg = cfg.clone()
	m := &Model{cfg: cfg}
	m.lay = newLayout(&m.cfg)
	m.params = make([]float64, m.lay.size)
	return m
}

// Config returns a copy of the model's configuration.
func (m *Model) Config() Config { return m.cfg.clone() }

// NumParams is the number of scalar parameters.
func (m *Model) NumParams() int { return len(m.params) }

// NumParams is the number of scalar parameters of a model with this
// config; it panics if c is not valid.
func (c Config) NumParams() int {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return newLayout(&c).size
}

// Params returns the model's parameters in file order. The slice aliases
// the model: call Refresh after changing it.
func (m *Model) Params() []float64 { return m.params }

// Refresh recomputes the inference constants after the parameters returned
// by Params were changed in place.
func (m *Model) Refresh() { m.refresh() }

// ParamBlock names one parameter tensor of the model, for inspection.
type ParamBlock struct {
	Name       string
	Offset     int
	Rows, Cols int
}

// ParamBlocks lists the model's parameter tensors in file order.
func (m *Model) ParamBlocks() []ParamBlock {
	out := make([]ParamBlock, len(m.lay.blocks))
	for i, b := range m.lay.blocks {
		out[i] = ParamBlock{Name: b.Name, Offset: b.Off, Rows: b.Rows, Cols: b.Cols}
	}
	return out
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := newEmpty(m.cfg)
	copy(c.params, m.params)
	c.refresh()
	return c
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// blockName names the parameter block holding index i (for messages).
func (m *Model) blockName(i int) string {
	for _, b := range m.lay.blocks {
		if i >= b.Off && i < b.Off+b.Size() {
			return fmt.Sprintf("%s[%d]", b.Name, i-b.Off)
		}
	}
	return "?"
}
