package featurestore

import (
	"errors"
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Sentinel errors. Match them with errors.Is; the HTTP layer maps them to
// status codes.
var (
	// ErrOutOfOrder means a row's tick is not after its soldier's latest
	// stored row. The write that hit it stored nothing. *OutOfOrderError
	// carries the details.
	ErrOutOfOrder = errors.New("row out of order")
	// ErrUnavailable means the backing service (Redis) could not be reached
	// or did not answer in time. The error also wraps the cause. The store
	// recovers by itself once the service is back.
	ErrUnavailable = errors.New("feature store unavailable")
	// ErrClosed means the store was used after Close.
	ErrClosed = errors.New("feature store closed")
	// ErrCorrupt means stored data could not be decoded (a foreign value
	// under our keys, a truncated or malformed file).
	ErrCorrupt = errors.New("corrupt feature data")
	// ErrInvalid means an argument or input row is malformed (a tick beyond
	// ±2^53, a frame whose rows disagree on the tick, a bad option).
	ErrInvalid = errors.New("invalid feature input")
	// ErrOutOfRange means a value lies outside its feature's valid range.
	// *RangeError carries the details.
	ErrOutOfRange = errors.New("value out of range")
)

// OutOfOrderError reports a row whose tick is not after the soldier's latest
// stored row. It matches ErrOutOfOrder.
type OutOfOrderError struct {
	Soldier engine.SoldierID
	T       int64 // the refused row's tick
	Latest  int64 // the tick the soldier already has (or an earlier row of the same write)
	// Conflict is set by LateWriter.WriteLate when a row with other
	// readings is stored at T.
	Conflict bool
}

// Error implements error.
func (e *OutOfOrderError) Error() string {
	if e.Conflict {
		return fmt.Sprintf("soldier %d: another reading is stored at tick %d: %v", e.Soldier, e.T, ErrOutOfOrder)
	}
	return fmt.Sprintf("soldier %d: row at tick %d is not after tick %d: %v", e.Soldier, e.T, e.Latest, ErrOutOfOrder)
}

// Unwrap lets errors.Is match ErrOutOfOrder.
func (e *OutOfOrderError) Unwrap() error { return ErrOutOfOrder }

// RangeError reports a value outside its feature's valid range. It matches
// ErrOutOfRange.
type RangeError struct {
	Feature  string  // feature name, e.g. "heart_rate"
	Value    float64 // the offending value
	Min, Max float64 // the valid range, inclusive
	Unit     string
}

// Error implements error.
func (e *RangeError) Error() string {
	if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
		return fmt.Sprintf("%s %g is not a finite number (valid %g–%g %s): %v", e.Feature, e.Value, e.Min, e.Max, e.Unit, ErrOutOfRange)
	}
	return fmt.Sprintf("%s %g %s outside the valid range %g–%g %s: %v", e.Feature, e.Value, e.Unit, e.Min, e.Max, e.Unit, ErrOutOfRange)
}

// Unwrap lets errors.Is match ErrOutOfRange.
func (e *RangeError) Unwrap() error { return ErrOutOfRange }
