package tft

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// The model file format, version 1. All integers little-endian.
//
//	offset  size  field
//	0       8     magic "TFTMODEL"
//	8       2     format version (1)
//	10      2     flags (0)
//	12      4     length C of the config JSON
//	16      4     length M of the metadata JSON (0: none)
//	20      8     number P of parameters
//	28      C     config JSON (Config, as encoding/json writes it)
//	28+C    M     metadata JSON (the caller's, opaque here)
//	28+C+M  8·P   parameters, float64, in layout order (see ParamBlocks)
//	…       32    SHA-256 of every byte before it
//
// The parameter count must equal what the config implies, and every
// parameter must be finite.
const (
	fileMagic     = "TFTMODEL"
	fileVersion   = 1
	headerSize    = 28
	sumSize       = sha256.Size
	maxConfigJSON = 1 << 20
	maxMetaJSON   = 64 << 20
	maxParams     = 1 << 22
	maxFileSize   = headerSize + maxConfigJSON + maxMetaJSON + 8*maxParams + sumSize
)

func save(w io.Writer, m *Model, meta json.RawMessage) error {
	cfg, err := json.Marshal(&m.cfg)
	if err != nil {
		return fmt.Errorf("save model: encode config: %w", err)
	}
	if len(meta) > 0 && !json.Valid(meta) {
		return fmt.Errorf("save model: metadata is not valid JSON")
	}
	if len(meta) > maxMetaJSON {
		return fmt.Errorf("save model: metadata is %d bytes, limit %d", len(meta), maxMetaJSON)
	}
	var buf bytes.Buffer
	buf.Grow(headerSize + len(cfg) + len(meta) + 8*len(m.params) + sumSize)
	var hdr [headerSize]byte
	copy(hdr[:8], fileMagic)
	binary.LittleEndian.PutUint16(hdr[8:], fileVersion)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(cfg)))
	binary.LittleEndian.PutUint32(hdr[16:], uint32(len(meta)))
	binary.LittleEndian.PutUint64(hdr[20:], uint64(len(m.params)))
	buf.Write(hdr[:])
	buf.Write(cfg)
	buf.Write(meta)
	var b [8]byte
	for _, p := range m.params {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(p))
		buf.Write(b[:])
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}

func load(r io.Reader) (*Model, json.RawMessage, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("load model: %w", err)
	}
	return decode(data)
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("load model: %w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

func decode(data []byte) (*Model, json.RawMessage, error) {
	if len(data) < 8 || string(data[:8]) != fileMagic {
		return nil, nil, fmt.Errorf("load model: %w (bad magic)", ErrNotModel)
	}
	if len(data) < headerSize {
		return nil, nil, corrupt("truncated header (%d bytes)", len(data))
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != fileVersion {
		return nil, nil, fmt.Errorf("load model: %w: version %d, this build reads %d", ErrVersion, v, fileVersion)
	}
	if f := binary.LittleEndian.Uint16(data[10:]); f != 0 {
		return nil, nil, corrupt("unknown flags %#x", f)
	}
	nc := uint64(binary.LittleEndian.Uint32(data[12:]))
	nm := uint64(binary.LittleEndian.Uint32(data[16:]))
	np := binary.LittleEndian.Uint64(data[20:])
	if nc > maxConfigJSON || nm > maxMetaJSON || np > maxParams {
		return nil, nil, corrupt("section sizes %d/%d/%d out of range", nc, nm, np)
	}
	want := headerSize + nc + nm + 8*np + sumSize
	if uint64(len(data)) != want {
		if uint64(len(data)) < want {
			return nil, nil, corrupt("truncated: %d bytes, header promises %d", len(data), want)
		}
		return nil, nil, corrupt("%d bytes of trailing data", uint64(len(data))-want)
	}
	body := data[:len(data)-sumSize]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(body):]) {
		return nil, nil, corrupt("checksum mismatch")
	}
	cfgJSON := body[headerSize : headerSize+nc]
	metaJSON := body[headerSize+nc : headerSize+nc+nm]
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(cfgJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, nil, corrupt("config: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("load model: %w: %w", ErrMismatch, err)
	}
	if len(metaJSON) > 0 && !json.Valid(metaJSON) {
		return nil, nil, corrupt("metadata is not valid JSON")
	}
	if need := newLayout(&cfg).size; uint64(need) != np {
		return nil, nil, fmt.Errorf("load model: %w: file has %d parameters, its config needs %d", ErrMismatch, np, need)
	}
	m := newEmpty(cfg)
	raw := body[headerSize+nc+nm:]
	for i := range m.params {
		p := math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		if math.IsNaN(p) || math.IsInf(p, 0) {
			return nil, nil, corrupt("parameter %d (%s) is %v", i, m.blockName(i), p)
		}
		m.params[i] = p
	}
	m.refresh()
	var meta json.RawMessage
	if len(metaJSON) > 0 {
		meta = append(json.RawMessage(nil), metaJSON...)
	}
	return m, meta, nil
}

func checkConfig(have, want *Config) error {
	if have.Equal(*want) {
		return nil
	}
	h, _ := json.Marshal(have)
	w, _ := json.Marshal(want)
	return fmt.Errorf("%w: model config %s, want %s", ErrMismatch, h, w)
}
