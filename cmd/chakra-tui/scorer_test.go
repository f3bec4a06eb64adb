package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every mode reads --scorer and --model through loadScorer.
func TestLoadScorer(t *testing.T) {
	for _, name := range []string{"tft", "zscore", "threshold"} {
		s, err := loadScorer(name, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s.name != name || s.note != "" || s.model == nil {
			t.Fatalf("%s with the embedded model: %+v", name, s)
		}
		sc, err := s.build()
		if err != nil || sc.Name() != name {
			t.Fatalf("%s: built %v, %v", name, sc, err)
		}
	}
	if _, err := loadScorer("lstm", ""); err == nil || !strings.Contains(err.Error(), `unknown --scorer "lstm"`) {
		t.Fatalf("unknown scorer: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.bin")
	if err := os.WriteFile(bad, []byte("not a model"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadScorer("tft", bad); err == nil || !strings.HasPrefix(err.Error(), "--model: ") {
		t.Fatalf("corrupt --model: %v", err)
	}
}

// --scorer phasez fits and calibrates the phase-aware z-score on the
// model's calibration runs (200 soldier-hours: seconds, not milliseconds).
func TestLoadScorerPhaseZ(t *testing.T) {
	if testing.Short() {
		t.Skip("fits on 200 simulated soldier-hours")
	}
	s, err := loadScorer("phasez", "")
	if err != nil {
		t.Fatal(err)
	}
	if s.name != "phasez" || s.phasez == nil || len(s.phasezCal.Seeds) == 0 {
		t.Fatalf("phasez with the embedded model: name %q, table %v, calibration seeds %v", s.name, s.phasez != nil, s.phasezCal.Seeds)
	}
	sc, err := s.build()
	if err != nil || sc.Name() != "phasez" {
		t.Fatalf("phasez: built %v, %v", sc, err)
	}
}
