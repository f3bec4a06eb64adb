package sshserve

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeTimers stands in for time.AfterFunc: its timers fire when the test
// says so.
type fakeTimers struct {
	mu     sync.Mutex
	timers []*fakeTimer
}

type fakeTimer struct {
	f             func()
	stopped, done bool
}

func (ft *fakeTimers) afterFunc(_ time.Duration, f func()) func() bool {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	t := &fakeTimer{f: f}
	ft.timers = append(ft.timers, t)
	return func() bool {
		ft.mu.Lock()
		defer ft.mu.Unlock()
		was := !t.stopped && !t.done
		t.stopped = true
		return was
	}
}

// fire runs every timer neither stopped nor fired yet; it returns how many.
func (ft *fakeTimers) fire() int {
	ft.mu.Lock()
	var due []func()
	for _, t := range ft.timers {
		if !t.stopped && !t.done {
			t.done = true
			due = append(due, t.f)
		}
	}
	ft.mu.Unlock()
	for _, f := range due {
		f()
	}
	return len(due)
}

// stall opens a TCP connection that sends only its SSH version line and
// waits for the server's, as a client that never finishes the handshake.
func stall(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "SSH-2.0-stall\r\n"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(wait))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "SSH-2.0-chakra-tui") {
		t.Fatalf("server version %q, %v", line, err)
	}
	return c
}

// closedByServer reads c until the server closes it (the safety deadline is
// a failure, not a wait).
func closedByServer(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", wait)
	}
}

// TestHandshakeTimeout: a connection that has not authenticated when its
// handshake timer fires is closed; an authenticated session is not.
func TestHandshakeTimeout(t *testing.T) {
	sh := newShared(t, 4, 4)
	var ft fakeTimers
	var logs syncBuffer
	srv, addr := serve(t, sh.bf, withAfterFunc(ft.afterFunc), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	c := stall(t, addr)
	eventually(t, wait, "one connection in its handshake", func() bool { return srv.Handshakes() == 1 })
	tm := openTerm(t, addr, nil, 100, 30)
	tm.waitFor(testSource, wait)
	if n := srv.Handshakes(); n != 1 {
		t.Fatalf("%d connections in their handshake, want 1 (the authenticated one left the count)", n)
	}
	if n := ft.fire(); n != 1 {
		t.Fatalf("%d handshake timers fired, want 1 (the authenticated connection stopped its own)", n)
	}
	closedByServer(t, c)
	if n := srv.Handshakes(); n != 0 {
		t.Fatalf("%d connections in their handshake after the timeout", n)
	}
	if !logHas(logs.String(), `msg="ssh handshake timed out: connection closed"`, "remote=127.0.0.1:") {
		t.Errorf("no log line for the timeout; log:\n%s", logs.String())
	}
	m := tm.mark()
	tm.send("?")
	tm.waitForAfter(m, "motion artefact", wait) // the session lives on
}

// TestHandshakeCap: connections over the cap of unauthenticated ones are
// closed at once; a slot frees when one closes.
func TestHandshakeCap(t *testing.T) {
	sh := newShared(t, 4, 4)
	var ft fakeTimers
	var logs syncBuffer
	var clock atomic.Int64 // seconds; stands still unless the test moves it
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	srv, addr := serve(t, sh.bf, withAfterFunc(ft.afterFunc), withClock(now), WithMaxHandshakes(2),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	a, _ := stall(t, addr), stall(t, addr)
	if n := srv.Handshakes(); n != 2 {
		t.Fatalf("%d connections in their handshake, want 2", n)
	}
	for range 3 { // closed at once, before the server says anything
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(wait))
		n, err := c.Read(make([]byte, 64))
		if n != 0 || !errors.Is(err, io.EOF) {
			t.Fatalf("over the cap: read %d bytes, %v; want the connection closed", n, err)
		}
		c.Close()
	}
	if _, err := dial(t, addr, nil); err == nil {
		t.Fatal("an SSH client was served over the cap")
	}
	if !logHas(logs.String(), `level=WARN msg="ssh connections closed at once: too many unauthenticated connections"`, "max_handshakes=2", "refused=1") {
		t.Errorf("no log line for the refusals; log:\n%s", logs.String())
	}
	if strings.Count(logs.String(), "too many unauthenticated") != 1 {
		t.Errorf("the refusals were logged more than once within %v; log:\n%s", refusalLogEvery, logs.String())
	}
	if n := srv.Handshakes(); n != 2 {
		t.Fatalf("%d connections in their handshake after the refusals, want 2", n)
	}

	// The rest of the burst is logged when a handshake ends after the interval.
	clock.Add(int64(refusalLogEvery / time.Second))
	a.Close()
	eventually(t, wait, "a slot freed", func() bool { return srv.Handshakes() == 1 })
	if !logHas(logs.String(), "too many unauthenticated connections", "refused=3") {
		t.Errorf("the other 3 refusals were not logged; log:\n%s", logs.String())
	}
	tm := openTerm(t, addr, nil, 100, 30)
	tm.waitFor(testSource, wait)
	if n := srv.Handshakes(); n != 1 {
		t.Fatalf("%d connections in their handshake, want 1 (the stalled one)", n)
	}
}

// TestHandshakeCloseEndsPending: Close also closes connections still in
// their handshake (the SSH server tracks only authenticated ones).
func TestHandshakeCloseEndsPending(t *testing.T) {
	sh := newShared(t, 4, 4)
	var ft fakeTimers
	srv, addr, stop := serveNoCleanup(t, sh.bf, withAfterFunc(ft.afterFunc))
	c := stall(t, addr)
	stop()
	closedByServer(t, c)
	if n := srv.Handshakes(); n != 0 {
		t.Fatalf("%d connections in their handshake after shutdown", n)
	}
	if n := ft.fire(); n != 0 {
		t.Fatalf("%d handshake timers left running after shutdown", n)
	}
}

func TestHandshakeOptionErrors(t *testing.T) {
	key, err := NewHostKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Option{WithHandshakeTimeout(0), WithHandshakeTimeout(-time.Second), WithMaxHandshakes(0)} {
		if _, err := New(nil, WithHostKey(key), o); err == nil || !strings.Contains(err.Error(), "handshake") {
			t.Errorf("err = %v", err)
		}
	}
}
