package tft

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"runtime"
)

var errNotYet = errors.New("tft: not implemented yet")

func defaultWorkers() int { return runtime.NumCPU() }
func train_(ctx context.Context, m *Model, train, val Dataset, cfg TrainConfig, progress func(Progress)) (Result, error) {
	return Result{}, errNotYet
}
func save(w io.Writer, m *Model, meta json.RawMessage) error { return errNotYet }
func load(r io.Reader) (*Model, json.RawMessage, error)      { return nil, nil, errNotYet }
func decode(b []byte) (*Model, json.RawMessage, error)       { return nil, nil, errNotYet }
func checkConfig(have, want *Config) error                   { return errNotYet }
