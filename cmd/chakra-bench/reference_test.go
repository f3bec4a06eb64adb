package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestReference serves the reference handler on a free loopback port,
// answers a prototype /predict with a verdict naming the scorer, refuses
// other paths, and stops cleanly when the context ends.
func TestReference(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"reference", "--addr", "127.0.0.1:0", "--explain", "--scorer", "tft"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v (run: %v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		t.Fatalf("first line %q", line)
	}

	resp, err := http.Post(url+"/predict", "application/json",
		strings.NewReader(`{"soldier_id": 1, "heart_rate": 190, "stamina": 100, "timestamp": 1234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /predict: %s, %v", resp.Status, err)
	}
	if v["scorer"] != "tft" {
		t.Errorf("verdict's scorer %v, want tft (--scorer)", v["scorer"])
	}
	if ex, _ := v["model_weights"].(map[string]any); len(ex) == 0 {
		t.Errorf("verdict without an explanation despite --explain: %v", v["model_weights"])
	}
	resp, err = http.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /health: %s, want 404", resp.Status)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after cancel: %v", err)
	}
}
