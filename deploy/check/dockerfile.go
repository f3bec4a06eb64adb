package check

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Instruction is one Dockerfile instruction: its keyword (upper case), its
// arguments as written (continuation lines joined) and its first line.
type Instruction struct {
	Cmd  string
	Args string
	Line int
}

// ParseDockerfile splits a Dockerfile into instructions: comments and
// blank lines dropped, lines ending in a backslash joined to the next.
// Parser directives and heredocs are not supported (the linted Dockerfile
// uses neither; a heredoc is reported as an error rather than misread).
func ParseDockerfile(src string) ([]Instruction, error) {
	var out []Instruction
	var cur strings.Builder
	start := 0
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i, raw := range lines {
		l := strings.TrimSpace(raw)
		if cur.Len() == 0 && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(l, "#") {
			continue // a comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\"))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(l)
		ins, err := splitInstruction(cur.String(), start)
		if err != nil {
			return nil, err
		}
		out = append(out, ins)
		cur.Reset()
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("line %d: the file ends inside a continued instruction", start)
	}
	return out, nil
}

func splitInstruction(s string, line int) (Instruction, error) {
	s = strings.TrimSpace(s)
	cmd, args, _ := strings.Cut(s, " ")
	if cmd == "" {
		return Instruction{}, fmt.Errorf("line %d: empty instruction", line)
	}
	for _, r := range cmd {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return Instruction{}, fmt.Errorf("line %d: %q is not an instruction", line, cmd)
		}
	}
	args = strings.TrimSpace(args)
	if strings.Contains(args, "<<") && (strings.EqualFold(cmd, "RUN") || strings.EqualFold(cmd, "COPY")) {
		return Instruction{}, fmt.Errorf("line %d: heredocs are not supported by this linter", line)
	}
	return Instruction{Cmd: strings.ToUpper(cmd), Args: args, Line: line}, nil
}

// Stage is one FROM … and the instructions up to the next FROM.
type Stage struct {
	Image, Name string
	Line        int
	Body        []Instruction
}

// Stages groups instructions by FROM. Instructions before the first FROM
// (ARG only, by Docker's rules) are returned as an error otherwise.
func Stages(ins []Instruction) ([]Stage, error) {
	var st []Stage
	for _, in := range ins {
		if in.Cmd == "FROM" {
			f := strings.Fields(in.Args)
			var opts []string
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				opts = append(opts, f[0])
				f = f[1:]
			}
			if len(f) != 1 && !(len(f) == 3 && strings.EqualFold(f[1], "AS")) {
				return nil, fmt.Errorf("line %d: FROM %s: want IMAGE [AS NAME]", in.Line, in.Args)
			}
			s := Stage{Image: f[0], Line: in.Line}
			if len(f) == 3 {
				s.Name = f[2]
			}
			st = append(st, s)
			continue
		}
		if len(st) == 0 {
			if in.Cmd != "ARG" {
				return nil, fmt.Errorf("line %d: %s before the first FROM", in.Line, in.Cmd)
			}
			continue
		}
		st[len(st)-1].Body = append(st[len(st)-1].Body, in)
	}
	if len(st) == 0 {
		return nil, fmt.Errorf("no FROM")
	}
	return st, nil
}

// versionTag is a tag that names a version: it starts with a digit
// (1.26.8-bookworm, 7.4.2-alpine).
var versionTag = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)+([-_.][A-Za-z0-9.]+)*$`)

// digest is a pinned content digest.
var digest = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

// shellless are the final-stage bases that have no shell.
var shellless = []string{"scratch", "gcr.io/distroless/static", "gcr.io/distroless/static-debian12", "gcr.io/distroless/static-debian13", "gcr.io/distroless/base-nossl-debian12"}

// LintDockerfile checks the rules deploy/Dockerfile claims:
//   - multi-stage: at least two FROM, the last copying from an earlier one;
//   - every base pinned: a version tag (not "latest", not a bare name) or
//     a sha256 digest; the final base is scratch or distroless static (no
//     shell), and the final stage has no RUN (nothing could run it);
//   - the binary is built with CGO_ENABLED=0;
//   - the final stage runs as a numeric, non-zero USER (uid or uid:gid);
//   - ENTRYPOINT in exec (JSON) form.
//
// It returns every violation, not only the first.
func LintDockerfile(src string) []error {
	ins, err := ParseDockerfile(src)
	if err != nil {
		return []error{err}
	}
	st, err := Stages(ins)
	if err != nil {
		return []error{err}
	}
	var errs []error
	bad := func(line int, format string, a ...any) {
		errs = append(errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, a...)))
	}
	names := map[string]bool{}
	for i, s := range st {
		if s.Name != "" {
			names[strings.ToLower(s.Name)] = true
		}
		if s.Image == "scratch" {
			continue
		}
		if names[strings.ToLower(s.Image)] && i > 0 {
			continue // FROM an earlier stage
		}
		if strings.Contains(s.Image, "$") {
			bad(s.Line, "FROM %s: a base named through a variable cannot be checked; write it out", s.Image)
			continue
		}
		if digest.MatchString(s.Image) {
			continue
		}
		repo, tag := splitImage(s.Image)
		switch {
		case tag == "":
			bad(s.Line, "FROM %s: no tag means latest; pin a version tag or a digest", s.Image)
		case tag == "latest":
			bad(s.Line, "FROM %s: latest is not a pinned version", s.Image)
		case !versionTag.MatchString(tag):
			bad(s.Line, "FROM %s: tag %q names no version (want e.g. %s:1.2.3 or @sha256:…)", s.Image, tag, repo)
		}
	}
	if len(st) < 2 {
		bad(st[0].Line, "one stage: build in one stage and copy the binary into a minimal final stage")
	}
	final := st[len(st)-1]
	base, _ := splitImage(strings.SplitN(final.Image, "@", 2)[0])
	okBase := false
	for _, b := range shellless {
		if base == b {
			okBase = true
		}
	}
	if !okBase {
		bad(final.Line, "final stage FROM %s: want scratch or a distroless static image (no shell)", final.Image)
	}
	cgo, copied := false, false
	for _, s := range st {
		for _, in := range s.Body {
			if in.Cmd == "RUN" && strings.Contains(in.Args, "go build") && regexp.MustCompile(`\bCGO_ENABLED=0\b`).MatchString(in.Args) {
				cgo = true
			}
			if in.Cmd == "ENV" && regexp.MustCompile(`\bCGO_ENABLED[= ]0\b`).MatchString(in.Args) {
				cgo = true
			}
		}
	}
	if !cgo {
		bad(st[0].Line, "no go build with CGO_ENABLED=0: the binary must be static")
	}
	var user, entry *Instruction
	for i := range final.Body {
		in := &final.Body[i]
		switch in.Cmd {
		case "RUN":
			bad(in.Line, "RUN in the final stage: it has no shell to run it")
		case "USER":
			user = in
		case "ENTRYPOINT":
			entry = in
		case "COPY":
			if strings.Contains(in.Args, "--from=") {
				copied = true
			}
		}
	}
	if !copied && len(st) > 1 {
		bad(final.Line, "the final stage copies nothing from an earlier stage")
	}
	if user == nil {
		bad(final.Line, "the final stage has no USER: it would run as root")
	} else if err := numericNonRoot(user.Args); err != nil {
		bad(user.Line, "USER %s: %v", user.Args, err)
	}
	if entry == nil {
		bad(final.Line, "the final stage has no ENTRYPOINT")
	} else {
		var argv []string
		if err := json.Unmarshal([]byte(entry.Args), &argv); err != nil || len(argv) == 0 {
			bad(entry.Line, "ENTRYPOINT %s: want exec form [\"/path\", …] (the shell form needs a shell)", entry.Args)
		}
	}
	return errs
}

// splitImage splits repo[:tag] (a registry port is not a tag).
func splitImage(img string) (repo, tag string) {
	img = strings.SplitN(img, "@", 2)[0]
	i := strings.LastIndex(img, ":")
	if i < 0 || strings.Contains(img[i:], "/") {
		return img, ""
	}
	return img[:i], img[i+1:]
}

// numericNonRoot accepts UID or UID:GID, numbers, UID not 0.
func numericNonRoot(s string) error {
	uid, gid, hasGID := strings.Cut(strings.TrimSpace(s), ":")
	u, err := strconv.ParseUint(uid, 10, 32)
	if err != nil {
		return fmt.Errorf("want a numeric uid (runAsNonRoot cannot verify a name)")
	}
	if u == 0 {
		return fmt.Errorf("uid 0 is root")
	}
	if hasGID {
		if _, err := strconv.ParseUint(gid, 10, 32); err != nil {
			return fmt.Errorf("want a numeric gid")
		}
	}
	return nil
}

// IgnoredBy reports whether a .dockerignore's patterns exclude file (a
// slash-separated path from the context's root). Patterns follow Docker's
// rules as far as this check needs: root-anchored path.Match patterns,
// "**" matching any number of directories, a pattern matching a directory
// excluding what is under it, "!" re-including; the last match wins.
func IgnoredBy(patterns, file string) bool {
	ignored := false
	for _, l := range strings.Split(patterns, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		neg := strings.HasPrefix(l, "!")
		p := path.Clean(strings.TrimPrefix(strings.TrimPrefix(l, "!"), "/"))
		if matchIgnore(p, file) {
			ignored = !neg
		}
	}
	return ignored
}

func matchIgnore(pattern, file string) bool {
	parts := strings.Split(file, "/")
	for i := 1; i <= len(parts); i++ { // the file or one of its directories
		if globMatch(strings.Split(pattern, "/"), parts[:i]) {
			return true
		}
	}
	return false
}

func globMatch(p, f []string) bool {
	for len(p) > 0 {
		if p[0] == "**" {
			for k := 0; k <= len(f); k++ {
				if globMatch(p[1:], f[k:]) {
					return true
				}
			}
			return false
		}
		if len(f) == 0 {
			return false
		}
		if ok, err := path.Match(p[0], f[0]); err != nil || !ok {
			return false
		}
		p, f = p[1:], f[1:]
	}
	return len(f) == 0
}
