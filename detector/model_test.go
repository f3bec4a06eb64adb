package detector

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/tft"
	"github.com/chakra-tui/chakra-tui/engine"
)

func modelBytes(t *testing.T, m *Model) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestModelFileRoundTrip(t *testing.T) {
	m := untrainedModel(t)
	m.Meta.Training.Seed = 42
	m.Meta.Calibration.Alerts.Open = [4]float64{1.5, 2, 0.7, 3}
	b := modelBytes(t, m)
	got, err := DecodeModel(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.Training.Seed != 42 || got.Meta.Calibration.Alerts.Open != m.Meta.Calibration.Alerts.Open {
		t.Errorf("metadata did not survive: %+v", got.Meta)
	}
	// Same bytes in, same bytes out.
	if !bytes.Equal(modelBytes(t, got), b) {
		t.Error("re-encoding a decoded model changes the file")
	}
	// Both score the same.
	s := steadySeries(60, 9)
	a, _ := NewTFT(WithModel(m))
	c, _ := NewTFT(WithModel(got))
	va, vc := feed(t, a, s, 32), feed(t, c, s, 32)
	if va[59].Vitals[0].Forecast != vc[59].Vitals[0].Forecast {
		t.Errorf("forecasts differ: %v vs %v", va[59].Vitals[0].Forecast, vc[59].Vitals[0].Forecast)
	}
	// The file on disk loads through WithModelFile.
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTFT(WithModelFile(path)); err != nil {
		t.Errorf("WithModelFile: %v", err)
	}
}

func TestModelFileRefused(t *testing.T) {
	m := untrainedModel(t)
	good := modelBytes(t, m)
	check := func(name string, b []byte) {
		t.Helper()
		_, err := DecodeModel(b)
		if !errors.Is(err, ErrModel) {
			t.Errorf("%s: error %v, want ErrModel", name, err)
		}
	}
	check("empty", nil)
	check("not a model", []byte("hello, this is not a model file at all"))
	check("truncated", good[:len(good)/2])
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	check("flipped byte", flipped)

	// A network of another shape than this build's features.
	cfg := NetConfig()
	cfg.Hidden = 8
	cfg.Heads = 2
	net, err := tft.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	check("other shape", modelBytes(t, &Model{net: net, Meta: m.Meta}))

	// Metadata that is missing, of another format or feature version.
	meta := func(f func(*ModelMeta)) []byte {
		mm := m.Meta
		f(&mm)
		return modelBytes(t, &Model{net: m.net, Meta: mm})
	}
	check("other feature version", meta(func(mm *ModelMeta) { mm.FeatureVersion = FeatureVersion + 1 }))
	check("other format", meta(func(mm *ModelMeta) { mm.Format = "something else" }))
	check("bad calibration", meta(func(mm *ModelMeta) { mm.Calibration.Alerts.K = 0 }))
	var nb bytes.Buffer
	if err := tft.Save(&nb, m.net, nil); err != nil {
		t.Fatal(err)
	}
	check("no metadata", nb.Bytes())
	var jb bytes.Buffer
	if err := tft.Save(&jb, m.net, json.RawMessage(`[1,2,3]`)); err != nil {
		t.Fatal(err)
	}
	check("metadata not an object", jb.Bytes())

	if _, err := NewTFT(WithModelFile(filepath.Join(t.TempDir(), "missing.bin"))); err == nil {
		t.Error("missing model file: no error")
	}
}

func TestEmbeddedModel(t *testing.T) {
	m, err := EmbeddedModel()
	if err != nil {
		t.Fatalf("the embedded model does not load: %v", err)
	}
	if m.Meta.Format != ModelFormat || m.Meta.FeatureVersion != FeatureVersion {
		t.Errorf("embedded model metadata %q v%d", m.Meta.Format, m.Meta.FeatureVersion)
	}
	for v, l := range m.Meta.Calibration.Alerts.Open {
		if !(l > 0) || l >= 1e6 {
			t.Errorf("vital %d: calibrated open level %v", v, l)
		}
	}
	if m.Meta.Drift.Ticks == 0 || !(m.Meta.Drift.Half[2] > 0) {
		t.Errorf("embedded model has no drift check: %+v", m.Meta.Drift)
	}
	// The default evaluation seeds were never used to train or calibrate it.
	used := append(append(append([]uint64(nil), m.Meta.Training.TrainSeeds...), m.Meta.Training.ValSeeds...), m.Meta.Calibration.Seeds...)
	for _, s := range used {
		if s >= 9001 && s <= 9004 {
			t.Errorf("seed %d used for the model is a default evaluation seed", s)
		}
	}
	sc, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	vs := feed(t, sc, steadySeries(40, 8), 32)
	if vs[39].State == StateWarmingUp || vs[39].Explanation.NumVars == 0 {
		t.Errorf("Default scorer: state %v, %d explained variables", vs[39].State, vs[39].Explanation.NumVars)
	}
}

func TestDriftHalfPerPhase(t *testing.T) {
	var d DriftCheck
	d.Half[engine.CoreTemp] = 0.07
	d.PhaseHalf[engine.PhaseContact][engine.CoreTemp] = 0.12
	if h := d.halfFor(engine.PhaseContact, int(engine.CoreTemp)); h != 0.12 {
		t.Errorf("contact half-band %v, want its own 0.12", h)
	}
	if h := d.halfFor(engine.PhaseRest, int(engine.CoreTemp)); h != 0.07 {
		t.Errorf("rest half-band %v, want the overall 0.07 (no half-band of its own)", h)
	}
	m, err := EmbeddedModel()
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.Drift.PhaseHalf[engine.PhaseContact][engine.CoreTemp] <= 0 {
		t.Error("the shipped model has no contact half-band for core temperature")
	}
}
