package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAttackArgs: the attack needs a loopback URL (or --soak, which takes
// none) and a known kind.
func TestAttackArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--attack", "declared-length", "http://192.0.2.1:80"}, "not a loopback address"},
		{[]string{"--attack", "declared-length"}, "needs the server's URL"},
		{[]string{"--attack", "declared-length", "--soak", "http://127.0.0.1:1"}, "give no URL"},
		{[]string{"--attack", "slowloris", "http://127.0.0.1:1"}, `the only attack is "declared-length"`},
		// A flag after the URL is parsed, not taken for a second URL.
		{[]string{"http://192.0.2.1:80", "--attack", "declared-length"}, "not a loopback address"},
	} {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}

// TestLoadArgs: the modes' argument rules.
func TestLoadArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "give the server's URL"},
		{[]string{"http://127.0.0.1:1", "http://127.0.0.1:2"}, "give the server's URL"},
		{[]string{"--compare", "http://127.0.0.1:1"}, "give no URL"},
		{[]string{"--compare", "--batch"}, "--batch needs a URL"},
		{[]string{"--compare", "--rounds", "0"}, "--rounds 0"},
		{[]string{"--conns", "x"}, "invalid value"},
		{[]string{"reference", "extra"}, `unexpected argument "extra"`},
		// No chakra-tui beside the test binary: --compare and --soak say how
		// to build it before starting anything.
		{[]string{"--compare", "--redis=false"}, "make build"},
		{[]string{"--attack", "declared-length", "--soak"}, "or pass --server-bin PATH"},
		{[]string{"--compare", "--server-bin", "/nonexistent/chakra-tui"}, "--server-bin: stat /nonexistent/chakra-tui"},
	} {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}

// TestHelp: --help prints the usage with the flags and is no failure.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"reference", "--help"}} {
		var out strings.Builder
		err := run(context.Background(), args, io.Discard, &out)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%q: %v, want flag.ErrHelp", args, err)
		}
		if !strings.Contains(out.String(), "Usage:") || !strings.Contains(out.String(), "Flags:\n  -") {
			t.Errorf("%q: usage without flags:\n%s", args, out.String())
		}
	}
}

// TestParseInterspersed: flags may follow positional arguments; "--" ends
// the flags.
func TestParseInterspersed(t *testing.T) {
	for _, c := range []struct {
		args  []string
		pos   []string
		conns int
	}{
		{[]string{"u"}, []string{"u"}, 0},
		{[]string{"--conns", "3", "u"}, []string{"u"}, 3},
		{[]string{"u", "--conns", "3"}, []string{"u"}, 3},
		{[]string{"u", "--conns=3", "v"}, []string{"u", "v"}, 3},
		{[]string{"u", "--", "--conns", "3"}, []string{"u", "--conns", "3"}, 0},
		{nil, nil, 0},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		conns := fs.Int("conns", 0, "")
		pos, err := parseInterspersed(fs, c.args)
		if err != nil || !slices.Equal(pos, c.pos) || *conns != c.conns {
			t.Errorf("%q: %q, --conns %d, %v; want %q, %d", c.args, pos, *conns, err, c.pos, c.conns)
		}
	}
}

// TestServerBinary: --compare and --soak find chakra-tui beside their own
// binary or at --server-bin, and a missing one is an error that says how
// to build it.
func TestServerBinary(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "chakra-bench")
	_, err := serverBinary("", self)
	if err == nil {
		t.Fatal("no chakra-tui beside chakra-bench: no error")
	}
	for _, want := range []string{filepath.Join(dir, "chakra-tui"), "make build", "go build -o", "--server-bin"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := serverBinary(filepath.Join(dir, "nope"), self); err == nil || !strings.Contains(err.Error(), "--server-bin") {
		t.Errorf("missing --server-bin: %v", err)
	}
	beside := filepath.Join(dir, "chakra-tui")
	if err := os.WriteFile(beside, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := serverBinary("", self); err == nil || !strings.Contains(err.Error(), "not executable") {
		t.Errorf("chakra-tui not executable: %v", err)
	}
	if err := os.Chmod(beside, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := serverBinary("", self); err != nil || got != beside {
		t.Errorf("serverBinary: %q, %v; want %q", got, err, beside)
	}
	if got, err := serverBinary(beside, "/elsewhere/chakra-bench"); err != nil || got != beside {
		t.Errorf("--server-bin: %q, %v; want %q", got, err, beside)
	}
}

// TestStartServerExitsAtStart: a server that exits before its listening
// line is an error carrying its stderr.
func TestStartServerExitsAtStart(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "chakra-tui")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho 'headless: --store \"x\": want memory' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := startServer(bin, []string{"--headless"})
	if err == nil || !strings.Contains(err.Error(), "exited at start") || !strings.Contains(err.Error(), "want memory") {
		t.Errorf("startServer: %v, want the server's own message", err)
	}
}

// TestReferenceArgs: the reference takes the timeouts among the real
// servers' extra flags, in either form, and nothing else.
func TestReferenceArgs(t *testing.T) {
	extra := []string{"--scorer=zscore", "--read-timeout", "2s", "--simulate", "-write-timeout=3s", "--store", "redis://x", "--heartbeat", "1s"}
	want := []string{"--read-timeout", "2s", "-write-timeout=3s"}
	if got := referenceArgs(extra); !slices.Equal(got, want) {
		t.Errorf("referenceArgs(%q) = %q, want %q", extra, got, want)
	}
}

// TestJudgeSoak: the soak fails on RSS at the limit, on a failed /health
// and without a sample after the attack.
func TestJudgeSoak(t *testing.T) {
	ok := []soakSample{{rss: 30, hwm: 31, health: 200, phase: "attack"}, {rss: 32, hwm: 40, health: 200, phase: "after"}}
	for _, c := range []struct {
		name    string
		samples []soakSample
		hwm     float64
		want    string // "" for a pass
	}{
		{"pass", ok, 41, ""},
		{"rss", ok, 150, "peak RSS 150.0 MB reached the 150 MB limit"},
		{"health", append(slices.Clone(ok), soakSample{at: time.Second, health: 0, healthErr: "timeout", phase: "after"}), 41, "did not answer 200 within 2 s 1 time(s)"},
		{"no after", ok[:1], 41, "no /health sample after the attack"},
	} {
		var out strings.Builder
		err := judgeSoak(&out, c.samples, c.hwm, 150)
		switch {
		case c.want == "" && (err != nil || !strings.Contains(out.String(), "soak passed")):
			t.Errorf("%s: %v\n%s", c.name, err, out.String())
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
