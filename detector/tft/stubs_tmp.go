package tft

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"unsafe"
)

var errNotYet = errors.New("tft: not implemented yet")

type folded struct{}
type work struct{}
type streamState struct{ n int }

func (m *Model) refresh()                                                      {}
func (s *Stream) reset(static []float64) error                                 { return errNotYet }
func (s *Stream) push(row []float64) error                                     { return errNotYet }
func out1(f *Forecast) []Forecast                                              { return unsafe.Slice(f, 1) }
func inputs1(in *Input) []Input                                                { return unsafe.Slice(in, 1) }
func (m *Model) forecastBatch(ws *Workspace, in []Input, out []Forecast) error { return errNotYet }
func (m *Model) forecastStreams(ws *Workspace, ss []*Stream, d [][]float64, out []Forecast) error {
	return errNotYet
}
func defaultWorkers() int { return runtime.NumCPU() }
func train_(ctx context.Context, m *Model, train, val Dataset, cfg TrainConfig, progress func(Progress)) (Result, error) {
	return Result{}, errNotYet
}
func save(w io.Writer, m *Model, meta json.RawMessage) error { return errNotYet }
func load(r io.Reader) (*Model, json.RawMessage, error)      { return nil, nil, errNotYet }
func decode(b []byte) (*Model, json.RawMessage, error)       { return nil, nil, errNotYet }
func checkConfig(have, want *Config) error                   { return errNotYet }
