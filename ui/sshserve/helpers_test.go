package sshserve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui"
)

// testSource names the test battlefield in every viewer's header.
const testSource = "ssh test battlefield"

// shared is a running battlefield for tests: a small paced simulation
// scored once by the threshold baseline.
type shared struct {
	bf    *live.Runtime
	mon   *monitor.Monitor
	store featurestore.Online
	stop  context.CancelFunc
	done  chan error
}

func newShared(t testing.TB, soldiers int, speed float64) *shared {
	t.Helper()
	s := newSharedNoCleanup(t, soldiers, speed)
	t.Cleanup(func() { s.close(t) })
	return s
}

func newSharedNoCleanup(t testing.TB, soldiers int, speed float64) *shared {
	t.Helper()
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Seed = soldiers, 4, 5
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	mon, err := monitor.New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := mon.SetProfiles(ctx, sim.Profiles()); err != nil {
		t.Fatal(err)
	}
	rt, err := live.Open(ctx, live.Config{Source: sim, Pipeline: mon, Speed: speed, Backlog: 20})
	if err != nil {
		t.Fatal(err)
	}
	s := &shared{bf: rt, mon: mon, store: store, stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- s.bf.Run(ctx) }()
	return s
}

func (s *shared) close(t testing.TB) {
	s.stop()
	if err := <-s.done; err != nil {
		t.Errorf("battlefield: %v", err)
	}
	s.mon.Close()
	s.store.Close()
}

// serve starts a server for bf on 127.0.0.1:0 and returns its address.
func serve(t testing.TB, bf *live.Runtime, opts ...Option) (*Server, string) {
	t.Helper()
	srv, addr, stop := serveNoCleanup(t, bf, opts...)
	t.Cleanup(stop)
	return srv, addr
}

func serveNoCleanup(t testing.TB, bf *live.Runtime, opts ...Option) (*Server, string, func()) {
	t.Helper()
	key, err := NewHostKey()
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]Option{WithHostKey(key), WithDashboard(ui.WithSource(testSource), ui.WithDetector("threshold", ""))}, opts...)
	srv, err := New(bf, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ssh.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}
	return srv, ln.Addr().String(), stop
}

// dial connects as user "viewer" with the given key (nil: no
// authentication at all).
func dial(t testing.TB, addr string, key gossh.Signer) (*gossh.Client, error) {
	t.Helper()
	cfg := &gossh.ClientConfig{User: "viewer", HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	if key != nil {
		cfg.Auth = []gossh.AuthMethod{gossh.PublicKeys(key)}
	}
	return gossh.Dial("tcp", addr, cfg)
}

func newSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// term is an interactive SSH session with a PTY. It answers the terminal
// queries the server's renderer sends (OSC 11 background colour and DA1),
// as a real terminal does.
type term struct {
	t      testing.TB
	client *gossh.Client
	sess   *gossh.Session
	stdin  io.WriteCloser

	mu     sync.Mutex
	out    bytes.Buffer
	ended  chan struct{} // the output stream ended
	waited chan error    // the session's exit
}

// openTerm dials addr and starts a shell session with a w×h PTY.
func openTerm(t testing.TB, addr string, key gossh.Signer, w, h int) *term {
	t.Helper()
	c, err := dial(t, addr, key)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := startTerm(t, c, w, h)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	return tm
}

func startTerm(t testing.TB, c *gossh.Client, w, h int) (*term, error) {
	return startTermAs(t, c, "xterm-256color", w, h)
}

// startTermAs starts a shell session with a w×h PTY of terminal type name.
func startTermAs(t testing.TB, c *gossh.Client, name string, w, h int) (*term, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	if err := sess.RequestPty(name, h, w, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		return nil, err
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := sess.StderrPipe()
	if err != nil {
		return nil, err
	}
	tm := &term{t: t, client: c, sess: sess, stdin: stdin, ended: make(chan struct{}), waited: make(chan error, 1)}
	if err := sess.Shell(); err != nil {
		return nil, err
	}
	go tm.read(stdout, true)
	go tm.read(stderr, false)
	go func() { tm.waited <- sess.Wait() }()
	t.Cleanup(func() { c.Close() })
	return tm, nil
}

func (tm *term) read(r io.Reader, answer bool) {
	if answer {
		defer close(tm.ended)
	}
	var osc, da bool
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		tm.mu.Lock()
		tm.out.Write(buf[:n])
		all := tm.out.Bytes()
		tm.mu.Unlock()
		if answer && !osc && bytes.Contains(all, []byte("\x1b]11;?")) {
			osc = true
			io.WriteString(tm.stdin, "\x1b]11;rgb:0000/0000/0000\x07")
		}
		if answer && !da && bytes.Contains(all, []byte("\x1b[c")) {
			da = true
			io.WriteString(tm.stdin, "\x1b[?62;c")
		}
		if err != nil {
			return
		}
	}
}

// raw returns everything received so far.
func (tm *term) raw() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// text returns everything received so far without escape sequences.
func (tm *term) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return ansi.Strip(tm.out.String())
}

// waitFor waits until the received text contains s.
func (tm *term) waitFor(s string, d time.Duration) {
	tm.t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(tm.text(), s) {
		if time.Now().After(deadline) {
			tail := tm.text()
			if len(tail) > 2000 {
				tail = tail[len(tail)-2000:]
			}
			tm.t.Fatalf("no %q on the screen after %v; the end of the output:\n%s", s, d, tail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mark returns the length of the text so far, for since.
func (tm *term) mark() int { return len(tm.text()) }

// waitForAfter waits until the text after mark contains s.
func (tm *term) waitForAfter(mark int, s string, d time.Duration) {
	tm.t.Helper()
	deadline := time.Now().Add(d)
	for {
		txt := tm.text()
		if len(txt) > mark && strings.Contains(txt[mark:], s) {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("no %q on the screen after %v", s, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// send types keys.
func (tm *term) send(keys string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.stdin, keys); err != nil {
		tm.t.Fatalf("send %q: %v", keys, err)
	}
}

// exit waits for the session to end and returns its exit status error
// (nil for status 0).
func (tm *term) exit(d time.Duration) error {
	tm.t.Helper()
	select {
	case err := <-tm.waited:
		return err
	case <-time.After(d):
		tm.t.Fatalf("the session did not end within %v", d)
		return nil
	}
}

// eventually polls cond until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger writing while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logHas reports whether a line of log holds every part.
func logHas(log string, parts ...string) bool {
	for line := range strings.SplitSeq(log, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}
