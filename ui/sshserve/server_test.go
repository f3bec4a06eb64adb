package sshserve

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"
)

const wait = 20 * time.Second // generous: -race on two shared cores

func TestSessionRendersKeyQuit(t *testing.T) {
	sh := newShared(t, 12, 4)
	srv, addr := serve(t, sh.bf)
	tm := openTerm(t, addr, nil, 120, 40)
	tm.waitFor(testSource, wait)
	tm.waitFor("♥", wait) // a soldier card with its heart rate: the grid has data
	if n := srv.Sessions(); n != 1 {
		t.Fatalf("%d sessions, want 1", n)
	}
	m := tm.mark()
	tm.send("?")
	tm.waitForAfter(m, "motion artefact", wait) // the help's legend
	m = tm.mark()
	tm.send("+")
	tm.waitForAfter(m, "speed: set by the feed's owner", wait)
	tm.send("q")
	if err := tm.exit(wait); err != nil {
		t.Fatalf("quit: %v, want exit status 0", err)
	}
	eventually(t, wait, "the session and its subscription released", func() bool {
		return srv.Sessions() == 0 && sh.bf.Viewers() == 0
	})
}

func TestTwentySessionsShareOneBattlefield(t *testing.T) {
	sh := newShared(t, 8, 4)
	srv, addr := serve(t, sh.bf)
	const n = 20
	terms := make([]*term, n)
	var wg sync.WaitGroup
	for i := range terms {
		wg.Go(func() {
			c, err := dial(t, addr, nil)
			if err != nil {
				t.Error(err)
				return
			}
			tm, err := startTerm(t, c, 100+i, 30)
			if err != nil {
				t.Error(err)
				return
			}
			terms[i] = tm
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, tm := range terms {
		tm.waitFor(testSource, wait)
		tm.waitFor("♥", wait)
	}
	if s, v := srv.Sessions(), sh.bf.Viewers(); s != n || v != n {
		t.Fatalf("%d sessions and %d viewers, want %d", s, v, n)
	}
	// One pipeline: every published tick was scored once, not once per viewer.
	before := sh.bf.Published()
	eventually(t, wait, "three more ticks", func() bool { return sh.bf.Published() >= before+3 })
	if st, p := sh.mon.Stats(), sh.bf.Published(); st.Scored < uint64(8*p) || st.Scored > uint64(8*(p+1)) {
		t.Fatalf("scored %d verdicts for %d published ticks of 8 soldiers: the pipeline is not shared", st.Scored, p)
	}
	for _, tm := range terms {
		tm.send("q")
	}
	for _, tm := range terms {
		if err := tm.exit(wait); err != nil {
			t.Errorf("quit: %v", err)
		}
	}
	eventually(t, wait, "every session released", func() bool { return srv.Sessions() == 0 && sh.bf.Viewers() == 0 })
}

func TestSessionCap(t *testing.T) {
	sh := newShared(t, 4, 4)
	srv, addr := serve(t, sh.bf, WithMaxSessions(2))
	a := openTerm(t, addr, nil, 100, 30)
	b := openTerm(t, addr, nil, 100, 30)
	a.waitFor(testSource, wait)
	b.waitFor(testSource, wait)
	c := openTerm(t, addr, nil, 100, 30)
	c.waitFor("chakra-tui: the server is full (2 viewers); try again later", wait)
	var exit *gossh.ExitError
	if err := c.exit(wait); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("refused session ended with %v, want exit status 1", err)
	}
	if strings.Contains(c.text(), testSource) {
		t.Fatal("the refused session got a dashboard")
	}
	a.send("q")
	if err := a.exit(wait); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, "a slot freed", func() bool { return srv.Sessions() == 1 })
	d := openTerm(t, addr, nil, 100, 30)
	d.waitFor(testSource, wait)
}

func TestAuthorizedKeys(t *testing.T) {
	sh := newShared(t, 4, 4)
	good, bad := newSigner(t), newSigner(t)
	_, addr := serve(t, sh.bf, WithAuthorizedKeys([]AuthorizedKey{{Key: good.PublicKey()}}))
	if c, err := dial(t, addr, bad); err == nil {
		c.Close()
		t.Fatal("a key not in the authorized keys was accepted")
	} else if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("refusal: %v", err)
	}
	if c, err := dial(t, addr, nil); err == nil {
		c.Close()
		t.Fatal("a client without a key was accepted")
	}
	tm := openTerm(t, addr, good, 100, 30)
	tm.waitFor(testSource, wait)
}

// TestAuthorizedKeyOptions: from= and no-pty are honoured, and a line with
// an option the server does not implement admits nobody; each refusal is
// logged with the file's line number.
func TestAuthorizedKeyOptionsOverSSH(t *testing.T) {
	sh := newShared(t, 4, 4)
	elsewhere, nopty, command, local := newSigner(t), newSigner(t), newSigner(t), newSigner(t)
	line := func(opts string, k gossh.Signer) string {
		return opts + " " + string(gossh.MarshalAuthorizedKey(k.PublicKey()))
	}
	file := line(`from="10.9.9.9"`, elsewhere) + line(`no-pty`, nopty) + line(`command="x"`, command) +
		line(`from="10.*,127.0.0.0/8,!127.0.0.2"`, local)
	keys, err := ParseAuthorizedKeys([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		keys[i].File = "authorized_keys"
	}
	var logs syncBuffer
	_, addr := serve(t, sh.bf, WithAuthorizedKeys(keys), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if !logHas(logs.String(), `level=WARN msg="ssh authorized key never admitted"`, `where="authorized_keys line 3"`, `reason="option command= is not supported`) {
		t.Errorf("no start-up warning for line 3; log:\n%s", logs.String())
	}

	for _, c := range []struct {
		key gossh.Signer
		log []string
	}{
		{elsewhere, []string{`msg="ssh key refused from this address"`, `where="authorized_keys line 1"`, `from=10.9.9.9`, `remote=127.0.0.1:`}},
		{command, []string{`level=WARN msg="ssh key refused: its authorized_keys line has an option this server does not implement"`,
			`where="authorized_keys line 3"`, `reason="option command= is not supported`}},
	} {
		if cl, err := dial(t, addr, c.key); err == nil {
			cl.Close()
			t.Errorf("the key of %q was admitted", c.log)
		} else if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("refusal: %v", err)
		}
		if !logHas(logs.String(), c.log...) {
			t.Errorf("no log line %q; log:\n%s", c.log, logs.String())
		}
	}

	// no-pty: the key is admitted, but gets no terminal, so no dashboard.
	cl, err := dial(t, addr, nopty)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, nil); err == nil {
		t.Fatal("a no-pty key was given a terminal")
	}
	var out strings.Builder
	sess.Stdout, sess.Stderr = &out, &out
	err = sess.Run("")
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(out.String(), "this key may not open a terminal (no-pty") {
		t.Errorf("no-pty session: %v, output %q", err, out.String())
	}
	if !logHas(logs.String(), `its authorized_keys line has no-pty and the dashboard needs a terminal"`, `where="authorized_keys line 2"`) {
		t.Errorf("no log line for no-pty; log:\n%s", logs.String())
	}

	// Allowed by its from= list: the dashboard.
	tm := openTerm(t, addr, local, 100, 30)
	tm.waitFor(testSource, wait)
}

func TestNoPTYGetsAMessage(t *testing.T) {
	sh := newShared(t, 4, 4)
	srv, addr := serve(t, sh.bf)
	c, err := dial(t, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, cmd := range []string{"", "uptime"} {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		if cmd == "" {
			sess.Stdin = strings.NewReader("")
			var b strings.Builder
			sess.Stderr = &b
			err = sess.Run("")
			out = []byte(b.String())
		} else {
			out, err = sess.CombinedOutput(cmd)
		}
		var exit *gossh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
			t.Errorf("command %q: %v, want exit status 1", cmd, err)
		}
		if !strings.Contains(string(out), "the dashboard needs a terminal") {
			t.Errorf("command %q: output %q", cmd, out)
		}
	}
	if srv.Sessions() != 0 || sh.bf.Viewers() != 0 {
		t.Fatal("a refused session holds a slot or a subscription")
	}
}

func TestIdleTimeout(t *testing.T) {
	sh := newShared(t, 4, 4)
	_, addr := serve(t, sh.bf, WithIdleTimeout(1500*time.Millisecond))
	tm := openTerm(t, addr, nil, 100, 30)
	tm.waitFor(testSource, wait)
	tm.waitFor("chakra-tui: closed after 1.5s without input (idle timeout)", wait)
	if err := tm.exit(wait); err != nil {
		t.Fatal(err)
	}
}

// TestMaxSessionDuration: the duration limit closes a session however busy
// it is. The idle timeout is an hour, so on a loaded machine nothing but the
// limit can end the session (a 1 s idle timeout used to fire first when the
// typing goroutine was starved).
func TestMaxSessionDuration(t *testing.T) {
	sh := newShared(t, 4, 4)
	_, addr := serve(t, sh.bf, WithMaxSession(2*time.Second), WithIdleTimeout(time.Hour))
	tm := openTerm(t, addr, nil, 100, 30)
	tm.waitFor(testSource, wait)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // busy: the client keeps typing until the session ends
		for {
			select {
			case <-stop:
				return
			case <-tm.ended:
				return
			case <-time.After(200 * time.Millisecond):
				tm.stdin.Write([]byte("j"))
			}
		}
	}()
	tm.waitFor("chakra-tui: closed: sessions last at most 2s", wait)
	if err := tm.exit(wait); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tm.text(), "idle timeout") {
		t.Fatal("the session hit the idle timeout")
	}
}

func TestShutdownEndsSessions(t *testing.T) {
	sh := newShared(t, 4, 4)
	srv, addr := serve(t, sh.bf)
	a := openTerm(t, addr, nil, 100, 30)
	b := openTerm(t, addr, nil, 100, 30)
	a.waitFor(testSource, wait)
	b.waitFor(testSource, wait)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	for _, tm := range []*term{a, b} {
		tm.waitFor("chakra-tui: the server is shutting down", wait)
		if err := tm.exit(wait); err != nil {
			t.Fatal(err)
		}
		tm.client.Close()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestDisconnectLeavesNothing drops clients mid-stream and checks that no
// session, subscription or goroutine outlives them.
func TestDisconnectLeavesNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	func() {
		sh := newSharedNoCleanup(t, 8, 20)
		defer sh.close(t)
		srv, addr, stop := serveNoCleanup(t, sh.bf)
		defer stop()
		var terms []*term
		for range 5 {
			terms = append(terms, openTerm(t, addr, nil, 120, 40))
		}
		for _, tm := range terms {
			tm.waitFor(testSource, wait)
		}
		for _, tm := range terms {
			tm.client.Conn.Close() // mid-frame: frames arrive 20 times a second
		}
		eventually(t, wait, "every session released", func() bool { return srv.Sessions() == 0 && sh.bf.Viewers() == 0 })
	}()
}

// TestColourProfilePerSession: each viewer's styles follow its own
// terminal (the session's renderer), not the server's.
func TestColourProfilePerSession(t *testing.T) {
	sh := newShared(t, 6, 4)
	_, addr := serve(t, sh.bf)
	open := func(name string) *term {
		c, err := dial(t, addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		tm, err := startTermAs(t, c, name, 110, 30)
		if err != nil {
			t.Fatal(err)
		}
		tm.waitFor(testSource, wait)
		tm.waitFor("♥", wait)
		return tm
	}
	colour, plain := open("xterm-256color"), open("dumb")
	if !strings.Contains(colour.raw(), "\x1b[38;5;") {
		t.Error("the 256-colour terminal got no 256-colour styles")
	}
	if strings.Contains(plain.raw(), "\x1b[38;") {
		t.Error("the dumb terminal got colour escapes")
	}
}
