package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/chakra-tui/chakra-tui", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "2a36727abc"}, {Key: "vcs.time", Value: "2026-12-07T03:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionText(bi, "", "tft 0123456789ab (embedded)", "linux/amd64")
	want := "chakra-tui v0.3.0\ncommit   2a36727abc 2026-12-07T03:00:00Z (modified)\nmodel    tft 0123456789ab (embedded)\ngo       go1.26.0 linux/amd64\n"
	if got != want {
		t.Errorf("versionText:\n%s\nwant\n%s", got, want)
	}
	if got := versionText(&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "", "m", "p"); !strings.Contains(got, "commit   unknown") {
		t.Errorf("without VCS information:\n%s", got)
	}
	if got := versionText(&debug.BuildInfo{GoVersion: "go1.26.0"}, "feedbeef", "m", "p"); !strings.Contains(got, "commit   feedbeef\n") {
		t.Errorf("with the commit set at link time:\n%s", got)
	}
}

func TestVersionFlag(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--version"}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.HasPrefix(s, "chakra-tui ") || !strings.Contains(s, "\nmodel    ") || !strings.Contains(s, "\ngo       go1.") {
		t.Errorf("--version printed:\n%s", s)
	}
}
