package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/chakra-tui/chakra-tui/detector"
)

// commit is the VCS commit when the build sets it (make build: -ldflags
// -X main.commit=…), for builds without Go's VCS stamping (-buildvcs=false,
// a worktree Go does not recognise).
var commit string

// versionRequested reports whether args ask for the version (--version or
// -version as the first argument).
func versionRequested(args []string) bool {
	return len(args) > 0 && (args[0] == "--version" || args[0] == "-version")
}

// printVersion writes what this binary is: the module version and the VCS
// commit it was built from (debug.ReadBuildInfo), the embedded model's hash
// (as /health reports it) and the Go toolchain.
func printVersion(w io.Writer) error {
	bi, _ := debug.ReadBuildInfo()
	model := "none embedded (threshold baseline; run make model)"
	if m, err := detector.EmbeddedModel(); err == nil {
		model = "tft " + modelVersion(m) + " (embedded)"
	}
	_, err := io.WriteString(w, versionText(bi, commit, model, runtime.GOOS+"/"+runtime.GOARCH))
	return err
}

// versionText formats the version lines from bi (nil when the binary carries
// no build information); linked is the commit set at link time, used when bi
// has none.
func versionText(bi *debug.BuildInfo, linked, model, platform string) string {
	version, goVersion := "(unknown)", runtime.Version()
	commit, when, dirty := linked, "", false
	if bi != nil {
		version, goVersion = bi.Main.Version, bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "chakra-tui %s\n", version)
	switch {
	case commit == "":
		b.WriteString("commit   unknown (built without VCS information)\n")
	default:
		fmt.Fprintf(&b, "commit   %s", commit)
		if when != "" {
			fmt.Fprintf(&b, " %s", when)
		}
		if dirty {
			b.WriteString(" (modified)")
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "model    %s\n", model)
	fmt.Fprintf(&b, "go       %s %s\n", goVersion, platform)
	return b.String()
}
