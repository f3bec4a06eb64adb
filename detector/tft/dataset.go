package tft

import (
	"errors"
	"fmt"
	"math"
)

// ErrBadInput is returned for inputs that do not fit the model: wrong
// lengths, non-finite values, categories out of range.
var ErrBadInput = errors.New("tft: bad input")

// Input is one window's inputs, as flat row-major slices.
type Input struct {
	// Static holds one value per Config.Static variable.
	Static []float64
	// Encoder holds EncoderLen rows of len(Config.Encoder) values, oldest
	// row first.
	Encoder []float64
	// Decoder holds DecoderLen rows of len(Config.Decoder) known future
	// values, the first forecast step first.
	Decoder []float64
}

// Example is one training window: inputs plus the targets of the decoder
// steps.
type Example struct {
	Input
	// Target holds DecoderLen rows of len(Config.Targets) values.
	Target []float64
	// TargetMask parallels Target: 1 where the target was observed, 0
	// where it is missing (it then contributes nothing to the loss and may
	// be NaN). A nil mask means every target is observed.
	TargetMask []float64
}

// Dataset gives training or validation examples by index. Implementations
// fill dst, reusing its slices where they have the capacity, and must be
// safe for concurrent calls with different dst.
type Dataset interface {
	// Len is the number of examples.
	Len() int
	// Example fills dst with example i, 0 ≤ i < Len().
	Example(i int, dst *Example) error
}

// Examples is an in-memory Dataset.
type Examples []Example

// Len returns len(e).
func (e Examples) Len() int { return len(e) }

// Example copies example i into dst.
func (e Examples) Example(i int, dst *Example) error {
	if i < 0 || i >= len(e) {
		return fmt.Errorf("example %d of %d: %w", i, len(e), ErrBadInput)
	}
	src := &e[i]
	dst.Static = append(dst.Static[:0], src.Static...)
	dst.Encoder = append(dst.Encoder[:0], src.Encoder...)
	dst.Decoder = append(dst.Decoder[:0], src.Decoder...)
	dst.Target = append(dst.Target[:0], src.Target...)
	if src.TargetMask == nil {
		dst.TargetMask = dst.TargetMask[:0]
	} else {
		dst.TargetMask = append(dst.TargetMask[:0], src.TargetMask...)
	}
	return nil
}

// checkRow validates n values of the variables vars.
func checkValues(what string, x []float64, vars []Variable, rows int) error {
	nv := len(vars)
	if len(x) != rows*nv {
		return fmt.Errorf("%w: %s has %d values, want %d rows × %d variables", ErrBadInput, what, len(x), rows, nv)
	}
	for i, v := range x {
		va := vars[i%nv]
		if va.Categories > 0 {
			if v < 0 || v >= float64(va.Categories) || v != math.Trunc(v) {
				return fmt.Errorf("%w: %s row %d variable %q: category %v not in 0…%d", ErrBadInput, what, i/nv, va.Name, v, va.Categories-1)
			}
		} else if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s row %d variable %q: %v is not finite", ErrBadInput, what, i/nv, va.Name, v)
		}
	}
	return nil
}

// CheckInput reports whether in fits the model's configuration.
func (c *Config) CheckInput(in *Input) error {
	if err := checkValues("static", in.Static, c.Static, 1); err != nil {
		return err
	}
	if err := checkValues("encoder", in.Encoder, c.Encoder, c.EncoderLen); err != nil {
		return err
	}
	return checkValues("decoder", in.Decoder, c.Decoder, c.DecoderLen)
}

// CheckExample reports whether ex fits the model's configuration.
func (c *Config) CheckExample(ex *Example) error {
	if err := c.CheckInput(&ex.Input); err != nil {
		return err
	}
	n := c.DecoderLen * len(c.Targets)
	if len(ex.Target) != n {
		return fmt.Errorf("%w: target has %d values, want %d", ErrBadInput, len(ex.Target), n)
	}
	if len(ex.TargetMask) != 0 && len(ex.TargetMask) != n {
		return fmt.Errorf("%w: target mask has %d values, want %d or none", ErrBadInput, len(ex.TargetMask), n)
	}
	for i, y := range ex.Target {
		if len(ex.TargetMask) != 0 {
			m := ex.TargetMask[i]
			if m != 0 && m != 1 {
				return fmt.Errorf("%w: target mask value %v, want 0 or 1", ErrBadInput, m)
			}
			if m == 0 {
				continue
			}
		}
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return fmt.Errorf("%w: observed target %d is %v", ErrBadInput, i, y)
		}
	}
	return nil
}
