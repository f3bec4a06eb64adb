package check

import (
	"os"
	"strings"
	"testing"
)

// TestDockerfileLint: deploy/Dockerfile keeps the rules it claims.
func TestDockerfileLint(t *testing.T) {
	src, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range LintDockerfile(string(src)) {
		t.Error("deploy/Dockerfile: ", e)
	}
}

// TestDockerfileGoVersion: the build stage's Go is the one go.mod asks
// for (major.minor) — an older one would not build the module.
func TestDockerfileGoVersion(t *testing.T) {
	src, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, l := range strings.Split(string(mod), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			parts := strings.SplitN(strings.TrimSpace(v), ".", 3)
			want = parts[0] + "." + parts[1]
		}
	}
	ins, err := ParseDockerfile(string(src))
	if err != nil {
		t.Fatal(err)
	}
	st, err := Stages(ins)
	if err != nil {
		t.Fatal(err)
	}
	_, tag := splitImage(st[0].Image)
	if !strings.HasPrefix(st[0].Image, "golang:") || !strings.HasPrefix(tag, want+".") {
		t.Errorf("build stage FROM %s: want golang:%s.x (go.mod says go %s)", st[0].Image, want, want)
	}
}

// TestDockerignoreKeepsSources: the ignore file beside the Dockerfile does
// not drop what the build needs (the embedded model, go.mod, the sources),
// and does drop what it must not ship.
func TestDockerignoreKeepsSources(t *testing.T) {
	src, err := os.ReadFile("../Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"detector/model/tft.bin", "detector/model/README.md", "detector/embed.go", "go.mod", "go.sum", "cmd/chakra-tui/main.go", "ui/httpapi/server.go"} {
		if IgnoredBy(string(src), f) {
			t.Errorf("%s is excluded from the build context", f)
		}
	}
	for _, f := range []string{".git/HEAD", "bin/chakra-tui", "chakra-tui", "ui/testdata/x.golden", "cmd/chakra-tui/main_test.go", "deploy/Dockerfile", "README.md"} {
		if !IgnoredBy(string(src), f) {
			t.Errorf("%s is sent in the build context", f)
		}
	}
}

// TestLintDockerfileRejects: each rule fails on a Dockerfile that breaks
// it (the lint can fail).
func TestLintDockerfileRejects(t *testing.T) {
	good := `FROM golang:1.26.8-bookworm AS build
RUN CGO_ENABLED=0 go build -o /out/app .
FROM scratch
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
`
	if errs := LintDockerfile(good); len(errs) != 0 {
		t.Fatalf("the good Dockerfile: %v", errs)
	}
	for name, c := range map[string]struct{ old, new, want string }{
		"latest":        {"golang:1.26.8-bookworm", "golang:latest", "latest is not a pinned version"},
		"no tag":        {"golang:1.26.8-bookworm", "golang", "no tag means latest"},
		"named tag":     {"golang:1.26.8-bookworm", "golang:bookworm", "names no version"},
		"variable base": {"golang:1.26.8-bookworm", "golang:${GO}", "through a variable"},
		"root user":     {"USER 65532:65532", "USER 0", "uid 0 is root"},
		"named user":    {"USER 65532:65532", "USER nonroot", "numeric uid"},
		"no user":       {"USER 65532:65532\n", "", "no USER"},
		"shell base":    {"FROM scratch", "FROM debian:12.8", "want scratch or a distroless"},
		"run in final":  {"USER 65532", "RUN echo hi\nUSER 65532", "RUN in the final stage"},
		"cgo":           {"CGO_ENABLED=0 go build", "go build", "CGO_ENABLED=0"},
		"shell form":    {`ENTRYPOINT ["/app"]`, "ENTRYPOINT /app", "exec form"},
		"one stage":     {"FROM scratch\nCOPY --from=build /out/app /app\n", "", "one stage"},
	} {
		bad := strings.Replace(good, c.old, c.new, 1)
		if bad == good {
			t.Fatalf("%s: the replacement changed nothing", name)
		}
		errs := LintDockerfile(bad)
		found := false
		for _, e := range errs {
			if strings.Contains(e.Error(), c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: errors %v, want one containing %q", name, errs, c.want)
		}
	}
	if errs := LintDockerfile("FROM golang:1.26.8 AS b\nRUN CGO_ENABLED=0 go build \\\n  -o /a .\nFROM gcr.io/distroless/static-debian12@sha256:" + strings.Repeat("a", 64) + "\nCOPY --from=b /a /a\nUSER 65532\nENTRYPOINT [\"/a\"]\n"); len(errs) != 0 {
		t.Errorf("a digest-pinned distroless base with a continued RUN: %v", errs)
	}
}

// FuzzParseDockerfile: the parser and the lint never panic, and every
// instruction keeps its line inside the file.
func FuzzParseDockerfile(f *testing.F) {
	f.Add("FROM a:1.2 AS b\nRUN x \\\n y\nFROM scratch\nUSER 1\n")
	f.Add("# c\n\nARG X\nFROM $X\n")
	f.Add("RUN <<EOF\nx\nEOF\n")
	f.Add("FROM\n\\")
	f.Fuzz(func(t *testing.T, src string) {
		ins, err := ParseDockerfile(src)
		lines := strings.Count(src, "\n") + 1
		if err == nil {
			for _, in := range ins {
				if in.Line < 1 || in.Line > lines || in.Cmd == "" {
					t.Fatalf("instruction %+v in a file of %d lines", in, lines)
				}
			}
		}
		_ = LintDockerfile(src)
		_ = IgnoredBy(src, "a/b/c")
	})
}
