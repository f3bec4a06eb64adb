package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
)

const sshWait = 20 * time.Second

func TestSSHArgs(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"--ssh", "127.0.0.1:1"}, true},
		{[]string{"--soldiers", "3", "--ssh=127.0.0.1:1"}, true},
		{[]string{"-ssh", ":1"}, true},
		{[]string{"--ssh-host-key", "k"}, false},
		{[]string{"--", "--ssh", "x"}, false},
		{nil, false},
	} {
		if got := sshArgs(c.args, none); got != c.want {
			t.Errorf("%q: %v, want %v", c.args, got, c.want)
		}
	}
	env := func(k string) (string, bool) { return "127.0.0.1:9", k == "CHAKRA_SSH" }
	if !sshArgs(nil, env) {
		t.Error("CHAKRA_SSH ignored")
	}
}

func TestSSHFlagErrors(t *testing.T) {
	dir := t.TempDir()
	emptyKeys := filepath.Join(dir, "keys")
	os.WriteFile(emptyKeys, []byte("# nobody\n"), 0o600)
	key := filepath.Join(dir, "host")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ssh-max-sessions", "0"}, "--ssh-max-sessions must be ≥ 1"},
		{[]string{"--ssh-handshake-timeout", "0s"}, "--ssh-handshake-timeout must be > 0"},
		{[]string{"--ssh-max-handshakes", "0"}, "--ssh-max-handshakes must be ≥ 1"},
		{[]string{"--speed", "0"}, "--speed must be > 0"},
		{[]string{"--record", "a", "--replay", "b"}, "--record and --replay together"},
		{[]string{"--rescore"}, "--rescore needs --replay"},
		{[]string{"--ssh-authorized-keys", emptyKeys}, "no keys in it"},
		{[]string{"--ssh-authorized-keys", filepath.Join(dir, "missing")}, "unusable authorized-keys file"},
		{[]string{"--replay", filepath.Join(dir, "missing.gz")}, "--replay: open recording"},
		{[]string{"--scorer", "magic"}, "unknown --scorer"},
	} {
		args := append([]string{"--ssh", "127.0.0.1:0", "--ssh-host-key", key}, c.args...)
		err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.args, err, c.want)
		}
	}
}

func TestSSHWarnsOnExposedAddress(t *testing.T) {
	var errb bytes.Buffer
	// The flag error stops it after the warning.
	run(context.Background(), []string{"--ssh", "0.0.0.0:0", "--ssh-host-key", filepath.Join(t.TempDir(), "k"), "--scorer", "magic"},
		strings.NewReader(""), io.Discard, &errb)
	if !strings.Contains(errb.String(), "WARNING: serving SSH on 0.0.0.0:0 without --ssh-authorized-keys") {
		t.Fatalf("stderr: %q", errb.String())
	}
}

// startSSH runs the --ssh mode with args on 127.0.0.1:0 and returns its
// address and a function that stops it and returns its error.
func startSSH(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	return startMode(t, append([]string{"--ssh", "127.0.0.1:0"}, args...), "listening ssh://", sshWait)
}

// sshScreen is a PTY session that answers the renderer's terminal queries
// (OSC 11 background colour, DA1) and collects the screen's text.
type sshScreen struct {
	t     *testing.T
	c     *gossh.Client
	stdin io.Writer
	mu    sync.Mutex
	out   bytes.Buffer
	done  chan error
}

func openScreen(t *testing.T, addr string) *sshScreen {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "t", HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: sshWait})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 40, 140, nil); err != nil {
		t.Fatal(err)
	}
	stdin, _ := sess.StdinPipe()
	stdout, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	s := &sshScreen{t: t, c: c, stdin: stdin, done: make(chan error, 1)}
	go func() {
		var osc, da bool
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			all := s.out.Bytes()
			s.mu.Unlock()
			if !osc && bytes.Contains(all, []byte("\x1b]11;?")) {
				osc = true
				io.WriteString(stdin, "\x1b]11;rgb:0000/0000/0000\x07")
			}
			if !da && bytes.Contains(all, []byte("\x1b[c")) {
				da = true
				io.WriteString(stdin, "\x1b[?62;c")
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { s.done <- sess.Wait() }()
	return s
}

func (s *sshScreen) waitFor(want string) {
	s.t.Helper()
	deadline := time.Now().Add(sshWait)
	for {
		s.mu.Lock()
		txt := ansi.Strip(s.out.String())
		s.mu.Unlock()
		if strings.Contains(txt, want) {
			return
		}
		if time.Now().After(deadline) {
			if len(txt) > 1500 {
				txt = txt[len(txt)-1500:]
			}
			s.t.Fatalf("no %q on the screen; the end of the output:\n%s", want, txt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *sshScreen) quit() {
	s.t.Helper()
	io.WriteString(s.stdin, "q")
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("session ended with %v", err)
		}
		s.c.Close() // as ssh does when its session ends
	case <-time.After(sshWait):
		s.t.Fatal("the session did not end after q")
	}
}

// TestSSHRecordThenReplay records a shared SSH session (a viewer watching),
// checks the file against the simulation and the detector, then serves the
// recording over SSH again.
func TestSSHRecordThenReplay(t *testing.T) {
	dir := t.TempDir()
	key, rec := filepath.Join(dir, "host"), filepath.Join(dir, "ssh.chakra.gz")
	addr, stop := startSSH(t, "--ssh-host-key", key, "--soldiers", "6", "--squad-size", "3", "--seed", "4",
		"--poison-rate", "0.3", "--duration", "90s", "--speed", "60", "--scorer", "threshold", "--record", rec)
	scr := openScreen(t, addr)
	scr.waitFor("simulation · seed 4 · 6 soldiers · shared over SSH · recording")
	scr.waitFor("■ ended") // 90 s at ×60: the battlefield ends, the viewer keeps its screen
	scr.quit()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v", fi, err)
	}

	// The recording holds exactly the simulation's frames and the verdicts the
	// one shared pipeline produced (the threshold baseline is deterministic,
	// so scoring the frames again gives the same verdicts).
	got, err := session.Open(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if !got.HasVerdicts() || got.Meta().Detector != "threshold" || got.Len() != 90 {
		t.Fatalf("recording: verdicts %v, meta %+v, %d ticks", got.HasVerdicts(), got.Meta(), got.Len())
	}
	again, err := session.Open(rec, session.WithRescore(func() (detector.Scorer, error) { return detector.NewThreshold() }))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	cfg := *got.Header().Config
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 90 {
		a, err := got.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := again.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := sim.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a.Frame.T != want.T || len(a.Frame.Obs) != len(want.Obs) || len(a.Frame.Truth) != len(want.Truth) {
			t.Fatalf("tick %d: frame %d differs from the simulation's", i, a.Frame.T)
		}
		for j := range a.Frame.Obs {
			for v := range engine.NumVitals {
				x, y := a.Frame.Obs[j].Values[v], want.Obs[j].Values[v]
				if x != y && !(x != x && y != y) {
					t.Fatalf("tick %d soldier %d: %v vs %v", i, a.Frame.Obs[j].Soldier, x, y)
				}
			}
		}
		for j := range a.Verdicts {
			w := session.Rounded(b.Verdicts[j], false)
			x := a.Verdicts[j]
			if x.State != w.State || x.Kind != w.Kind || x.Channels != w.Channels || x.Score != w.Score {
				t.Fatalf("tick %d soldier %d: recorded %+v, re-scored %+v", i, x.Soldier, x, w)
			}
		}
	}

	// Serve the recording: the shared battlefield is the replay.
	addr, stop = startSSH(t, "--ssh-host-key", key, "--replay", rec, "--speed", "60")
	scr = openScreen(t, addr)
	scr.waitFor("replay ssh.chakra.gz · recorded verdicts · shared over SSH")
	scr.waitFor("the feed ended")
	scr.quit()
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// A damaged recording is refused with a clear error before serving.
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.chakra.gz")
	os.WriteFile(bad, data[:100], 0o600) // cut inside the first gzip member: nothing to play
	err = run(context.Background(), []string{"--ssh", "127.0.0.1:0", "--ssh-host-key", key, "--replay", bad},
		strings.NewReader(""), io.Discard, io.Discard)
	if !errors.Is(err, engine.ErrTruncatedRecording) || !strings.Contains(err.Error(), "bad.chakra.gz") {
		t.Fatalf("truncated recording: %v", err)
	}
}
