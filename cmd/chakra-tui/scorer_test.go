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
