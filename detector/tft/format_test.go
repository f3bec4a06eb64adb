package tft

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"
)

func saved(t testing.TB, m *Model, meta json.RawMessage) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Save(&buf, m, meta); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// reseal recomputes the checksum of a hand-edited file.
func reseal(b []byte) []byte {
	body := b[:len(b)-sumSize]
	sum := sha256.Sum256(body)
	return append(append([]byte(nil), body...), sum[:]...)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m, _ := New(tinyConfig(), 4)
	meta := json.RawMessage(`{"seed":4,"norm":{"hr":[80,20]}}`)
	data := saved(t, m, meta)
	got, gotMeta, err := Load(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Config().Equal(m.Config()) {
		t.Errorf("config %+v, want %+v", got.Config(), m.Config())
	}
	if !slices.Equal(got.Params(), m.Params()) {
		t.Error("parameters differ after the round trip")
	}
	if string(gotMeta) != string(meta) {
		t.Errorf("metadata %s, want %s", gotMeta, meta)
	}
	if err := got.CheckConfig(tinyConfig()); err != nil {
		t.Errorf("CheckConfig: %v", err)
	}
	// The loaded model forecasts exactly like the original.
	ex := randomExamples(&m.cfg, 1, 1)[0]
	a, b := m.NewForecast(), got.NewForecast()
	if err := m.Forecast(m.NewWorkspace(), &ex.Input, a); err != nil {
		t.Fatal(err)
	}
	if err := got.Forecast(got.NewWorkspace(), &ex.Input, b); err != nil {
		t.Fatal(err)
	}
	compareForecasts(t, "loaded", b, a, 0)
	// Saving the loaded model gives the same bytes; no metadata loads as nil.
	if again := saved(t, got, meta); !bytes.Equal(again, data) {
		t.Error("re-saving a loaded model changed the bytes")
	}
	_, none, err := Decode(saved(t, m, nil))
	if err != nil || none != nil {
		t.Errorf("no metadata: %q, %v", none, err)
	}
}

func TestSameSeedSameFile(t *testing.T) {
	rt := newRegimeTask()
	train, _ := rt.examples(64, 1)
	file := func() []byte {
		m, _ := New(rt.cfg, 42)
		if _, err := Train(context.Background(), m, train, nil, TrainConfig{Epochs: 2, BatchSize: 16, Workers: 2, Seed: 42}, nil); err != nil {
			t.Fatal(err)
		}
		return saved(t, m, json.RawMessage(`{"seed":42}`))
	}
	if !bytes.Equal(file(), file()) {
		t.Error("same seed gave different model files")
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	m, _ := New(tinyConfig(), 4)
	good := saved(t, m, json.RawMessage(`{"a":1}`))
	nc := int(binary.LittleEndian.Uint32(good[12:]))
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotModel},
		{"not a model", []byte("hello, this is not a model file at all"), ErrNotModel},
		{"header only", good[:20], ErrCorrupt},
		{"version 2", mutate(func(b []byte) []byte { b[8] = 2; return reseal(b) }), ErrVersion},
		{"flags", mutate(func(b []byte) []byte { b[10] = 1; return reseal(b) }), ErrCorrupt},
		{"truncated", good[:len(good)-1], ErrCorrupt},
		{"truncated in params", good[:len(good)-100], ErrCorrupt},
		{"trailing data", append(append([]byte(nil), good...), 0), ErrCorrupt},
		{"flipped parameter bit", mutate(func(b []byte) []byte { b[len(b)-sumSize-3] ^= 0x10; return b }), ErrCorrupt},
		{"flipped checksum bit", mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrCorrupt},
		{"huge section", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint64(b[20:], 1<<40); return b }), ErrCorrupt},
		{"NaN parameter", mutate(func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[len(b)-sumSize-8:], math.Float64bits(math.NaN()))
			return reseal(b)
		}), ErrCorrupt},
		{"config not JSON", mutate(func(b []byte) []byte { b[headerSize] = '!'; return reseal(b) }), ErrCorrupt},
		{"metadata not JSON", mutate(func(b []byte) []byte { b[headerSize+nc] = '!'; return reseal(b) }), ErrCorrupt},
		{"config/parameter mismatch", mutate(func(b []byte) []byte {
			// Same-length edit of the config: hidden 4 → 6 (heads 2 still divide it).
			cfg := b[headerSize : headerSize+nc]
			i := bytes.Index(cfg, []byte(`"hidden":4`))
			cfg[i+len(`"hidden":`)] = '6'
			return reseal(b)
		}), ErrMismatch},
		{"invalid config", mutate(func(b []byte) []byte {
			cfg := b[headerSize : headerSize+nc]
			i := bytes.Index(cfg, []byte(`"heads":2`))
			cfg[i+len(`"heads":`)] = '3'
			return reseal(b)
		}), ErrMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(tc.data)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	other := tinyConfig()
	other.EncoderLen = 6
	if err := m.CheckConfig(other); !errors.Is(err, ErrMismatch) {
		t.Errorf("CheckConfig of another encoder length: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	m, _ := New(tinyConfig(), 4)
	good := saved(f, m, json.RawMessage(`{"k":[1,2]}`))
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte(fileMagic))
	small := tinyConfig()
	small.Static, small.Decoder = nil, nil
	sm, _ := New(small, 1)
	f.Add(saved(f, sm, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, meta, err := Decode(data)
		if err != nil {
			if got != nil || meta != nil {
				t.Fatal("error with a non-nil result")
			}
			return
		}
		// Whatever loads must save back to the same bytes and forecast.
		var buf bytes.Buffer
		if err := Save(&buf, got, meta); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatal("loaded file does not re-save identically")
		}
		ex := randomExamples(&got.cfg, 1, 1)[0]
		if err := got.Forecast(got.NewWorkspace(), &ex.Input, got.NewForecast()); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDecodeSealed fuzzes the parser behind the checksum: it appends a
// valid checksum to the fuzzed body, so header, config, metadata and
// parameter checks all see arbitrary input.
func FuzzDecodeSealed(f *testing.F) {
	m, _ := New(tinyConfig(), 4)
	good := saved(f, m, json.RawMessage(`{"k":[1,2]}`))
	f.Add(good[:len(good)-sumSize])
	small := tinyConfig()
	small.Static, small.Decoder, small.EncoderLen = nil, nil, 2
	sm, _ := New(small, 1)
	sg := saved(f, sm, nil)
	f.Add(sg[:len(sg)-sumSize])
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) >= headerSize && binary.LittleEndian.Uint64(body[20:]) > 1<<16 {
			return // large models are legal but slow to fold; keep the fuzzer fast
		}
		sum := sha256.Sum256(body)
		data := append(append([]byte(nil), body...), sum[:]...)
		got, meta, err := Decode(data)
		if err != nil {
			return
		}
		if err := got.cfg.Validate(); err != nil {
			t.Fatalf("loaded an invalid config: %v", err)
		}
		if len(got.params) != got.cfg.NumParams() {
			t.Fatal("parameter count does not match the config")
		}
		var buf bytes.Buffer
		if err := Save(&buf, got, meta); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Decode(buf.Bytes()); err != nil {
			t.Fatalf("re-saved model does not load: %v", err)
		}
	})
}
