package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestTrainDefaultOut: without --out, train writes under the XDG data
// directory ($XDG_DATA_HOME, else ~/.local/share), never the checkout.
func TestTrainDefaultOut(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("XDG layout is the Unix default")
	}
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	got, err := modelOutPath("", false)
	if want := filepath.Join(data, "chakra-tui", "tft.bin"); err != nil || got != want {
		t.Errorf("with XDG_DATA_HOME: %q, %v; want %q", got, err, want)
	}
	home := t.TempDir()
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", home)
	got, err = modelOutPath("", false)
	if want := filepath.Join(home, ".local", "share", "chakra-tui", "tft.bin"); err != nil || got != want {
		t.Errorf("without XDG_DATA_HOME: %q, %v; want %q", got, err, want)
	}
	got, err = modelOutPath("m.bin", false)
	if err != nil || got != "m.bin" {
		t.Errorf("--out m.bin: %q, %v", got, err)
	}
}

// TestTrainRefusesExisting: an existing model file (the default path here)
// is refused before training starts, naming the path and --force; with
// --force training starts (and stops at once on a cancelled context) and
// the file is untouched until a model is written.
func TestTrainRefusesExisting(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("XDG layout is the Unix default")
	}
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	path := filepath.Join(data, "chakra-tui", "tft.bin")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a training that starts stops at once
	var out, errOut bytes.Buffer
	e := env{stdout: &out, stderr: &errOut}
	err := runTrain(ctx, nil, e)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("existing default path: %v; want a refusal naming %s and --force", err, path)
	}
	if errOut.Len() > 0 {
		t.Errorf("refused, yet training printed: %q", errOut.String())
	}
	err = runTrain(ctx, []string{"--force"}, e)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("--force: %v; want training to start (and stop: context canceled)", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the file changed without a model: %q", b)
	}
	dir := filepath.Join(t.TempDir(), "adir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := modelOutPath(dir, true); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("--out a directory: %v", err)
	}
}
