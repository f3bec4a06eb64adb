package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHeadlessTickLag: with --simulate at a speed, /metrics carries the
// built-in battlefield's tick and its lag; --cpuprofile and --memprofile
// leave profiles behind at exit, --tick-trace one JSON line per tick
// published, in order.
func TestHeadlessTickLag(t *testing.T) {
	dir := t.TempDir()
	cpu, mem, trace := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof"), filepath.Join(dir, "ticks.jsonl")
	url, stop := startHeadless(t, "--simulate", "--speed", "50", "--soldiers", "5", "--scorer", "threshold",
		"--workers", "2", "--cpuprofile", cpu, "--memprofile", mem, "--tick-trace", trace)
	tickRe := regexp.MustCompile(`(?m)^chakra_simulation_tick (\S+)$`)
	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if m := tickRe.FindStringSubmatch(body); m != nil {
			if tk, _ := strconv.ParseFloat(m[1], 64); tk >= 3 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no tick 3 on /metrics within 30 s:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, name := range []string{"chakra_tick_lag_seconds ", "chakra_tick_lag_max_seconds ",
		`chakra_tick_lag_distribution_seconds_bucket{le="1"} `, "chakra_tick_lag_distribution_seconds_count "} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cpu, mem, trace} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
			t.Errorf("profile %s: %v", p, err)
		}
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i, l := range lines {
		var tl tickLine
		if err := json.Unmarshal([]byte(l), &tl); err != nil || tl.T != int64(i) || tl.Rows < 2 || len(tl.Shards) != 1 {
			t.Fatalf("tick trace line %d: %v: %s", i, err, l)
		}
	}
	if len(lines) < 3 {
		t.Errorf("tick trace of %d lines, want one per tick (at least 3)", len(lines))
	}
}

// Bad scale flags are refused with a message naming the flag; a profile
// path that exists is refused.
func TestHeadlessScaleFlags(t *testing.T) {
	exists := filepath.Join(t.TempDir(), "exists")
	if err := os.WriteFile(exists, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--workers", "-1"}, "--workers"},
		{[]string{"--store-rows", "10"}, "--store-rows"},
		{[]string{"--cpuprofile", exists}, "exists"},
	} {
		args := append([]string{"headless", "--addr", "127.0.0.1:0", "--scorer", "threshold"}, c.args...)
		err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %s", c.args, err, c.want)
		}
	}
}

// TestCompactStateFlag: --compact-state auto keeps full precision up to
// compactSoldiers soldiers (the 100-soldier default among them) and turns
// the compact streams on above; on and off say so whatever the size.
func TestCompactStateFlag(t *testing.T) {
	for _, c := range []struct {
		flag     string
		soldiers int
		want     bool
	}{
		{"auto", 0, false},
		{"auto", 100, false},
		{"auto", compactSoldiers, false},
		{"auto", compactSoldiers + 1, true},
		{"off", 50_000, false},
		{"on", 100, true},
	} {
		if got := compactFor(c.flag, c.soldiers); got != c.want {
			t.Errorf("compactFor(%q, %d) = %v, want %v", c.flag, c.soldiers, got, c.want)
		}
	}
	if err := checkCompactFlag("yes"); err == nil {
		t.Error("--compact-state yes was accepted")
	}
	for args, want := range map[string]bool{
		"--simulate --soldiers 100":                       false,
		"--simulate --soldiers 50000":                     true,
		"--simulate --soldiers 50000 --compact-state off": false,
		"--compact-state on":                              true,
	} {
		c, sf, f := newHeadlessCommand(io.Discard)
		if err := c.parse(strings.Fields(args)); err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		cfg, err := f.config(sf, io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		if cfg.compact != want {
			t.Errorf("--headless %s: compact %v, want %v", args, cfg.compact, want)
		}
	}
	for args, want := range map[string]bool{
		"":                                     false,
		"--compact-state on":                   true,
		"--soldiers 50000":                     true,
		"--soldiers 50000 --compact-state off": false,
	} {
		c := newCommand("eval", "chakra-tui eval [flags]", "", io.Discard)
		f := addEvalFlags(c)
		if err := c.parse(strings.Fields(args)); err != nil {
			t.Fatalf("eval %s: %v", args, err)
		}
		o, err := f.options(context.Background())
		if err != nil {
			t.Fatalf("eval %s: %v", args, err)
		}
		if o.CompactState != want {
			t.Errorf("eval %s: compact %v, want %v", args, o.CompactState, want)
		}
	}
}

// TestScaleGC: a built-in simulation of more than scaleSoldiers soldiers
// runs with GOGC scaleGCPercent, unless the environment sets GOGC; a
// smaller one keeps the collector as it is.
func TestScaleGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	if scaleGC(100, "") || scaleGC(scaleSoldiers, "") || scaleGC(50_000, "100") {
		t.Error("GOGC set for 100 or scaleSoldiers soldiers, or over the environment's GOGC")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d after the runs that must leave it, want 100", got)
	}
	if !scaleGC(50_000, "") {
		t.Error("GOGC not set for 50 000 soldiers")
	}
	if got := debug.SetGCPercent(100); got != scaleGCPercent {
		t.Errorf("GOGC %d for 50 000 soldiers, want %d", got, scaleGCPercent)
	}
}
