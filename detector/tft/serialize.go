package tft

import (
	"encoding/json"
	"errors"
	"io"
)

// File format errors. Load wraps one of them with the details.
var (
	// ErrNotModel: the data does not start with the model file magic.
	ErrNotModel = errors.New("tft: not a model file")
	// ErrVersion: the file's format version is not supported.
	ErrVersion = errors.New("tft: unsupported model file version")
	// ErrCorrupt: the file is truncated, its checksum does not match, or
	// its sections are malformed.
	ErrCorrupt = errors.New("tft: corrupt model file")
	// ErrMismatch: the file's parameters do not fit its config, or its
	// config is not the one the caller expects.
	ErrMismatch = errors.New("tft: model file does not match")
)

// Save writes m and the caller's metadata (any JSON value, or nil) to w in
// the model file format; see format.go.
func Save(w io.Writer, m *Model, meta json.RawMessage) error {
	return save(w, m, meta)
}

// Load reads a model file written by Save and returns the model and its
// metadata. Corrupt, truncated or mismatched files are refused with an
// error wrapping ErrNotModel, ErrVersion, ErrCorrupt or ErrMismatch.
func Load(r io.Reader) (*Model, json.RawMessage, error) {
	return load(r)
}

// Decode is Load over a byte slice (as embedded with go:embed).
func Decode(b []byte) (*Model, json.RawMessage, error) {
	return decode(b)
}

// CheckConfig returns an error wrapping ErrMismatch unless m's config
// equals want.
func (m *Model) CheckConfig(want Config) error {
	return checkConfig(&m.cfg, &want)
}
