package httpapi

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/featurestore"
)

// hangBound bounds waits that succeed at once unless the code under test
// is broken; it is not a timing assertion.
const hangBound = 10 * time.Second

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(hangBound))
	t.Cleanup(func() { c.Close() })
	return c
}

func acceptOne(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := l.Accept(); ch <- res{c, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.c
	case <-time.After(hangBound):
		t.Fatal("Accept hangs")
	}
	return nil
}

// TestLimitListener: with a cap of 2, a third connection is answered 503
// at once and closed, a health check beyond the cap is let in on a
// reserved slot with its bytes intact, and closing a connection frees its
// slot.
func TestLimitListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(ln, 2)
	defer func() { l.Close(); l.wait() }()
	addr := ln.Addr().String()

	dial(t, addr)
	a := acceptOne(t, l)
	dial(t, addr)
	acceptOne(t, l)
	if got := len(l.slots); got != 2 {
		t.Fatalf("%d slots taken, want 2", got)
	}

	// Over the cap: an ordinary request is refused with 503 JSON.
	c := dial(t, addr)
	if _, err := io.WriteString(c, "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read the refusal: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(body), `"code":"over_capacity"`) {
		t.Fatalf("over the cap: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("refused connection not closed: %v", err)
	}
	if n := l.refused.Load(); n != 1 {
		t.Fatalf("refused %d, want 1", n)
	}

	// Over the cap: a health check is let in on a reserved slot, and the
	// server reads the whole request.
	const probe = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
	h := dial(t, addr)
	if _, err := io.WriteString(h, probe); err != nil {
		t.Fatal(err)
	}
	p := acceptOne(t, l)
	if lc, ok := p.(*limitConn); !ok || !lc.probe {
		t.Fatalf("health check accepted as %T %+v, want a probe connection", p, p)
	}
	_ = p.SetDeadline(time.Now().Add(hangBound))
	got := make([]byte, len(probe))
	if _, err := io.ReadFull(p, got); err != nil || string(got) != probe {
		t.Fatalf("probe connection reads %q, %v; want %q", got, err, probe)
	}
	if len(l.probes) != 1 || len(l.slots) != 2 {
		t.Fatalf("probes %d slots %d, want 1 and 2", len(l.probes), len(l.slots))
	}
	p.Close()
	p.Close() // twice: frees one slot
	if len(l.probes) != 0 {
		t.Fatalf("probe slot not freed")
	}

	// Closing an ordinary connection frees its slot for the next.
	a.Close()
	if len(l.slots) != 1 {
		t.Fatalf("slots %d after a close, want 1", len(l.slots))
	}
	dial(t, addr)
	if c := acceptOne(t, l); c.(*limitConn).probe {
		t.Fatal("ordinary connection taken as a probe")
	}
}

// TestServerAtConnLimit: with every connection slot busy, /health answers
// 200 and closes its connection, /predict gets 503 over_capacity, and the
// request holding the slot completes.
func TestServerAtConnLimit(t *testing.T) {
	mem, _ := featurestore.NewMemory()
	gate := &gateStore{Online: mem, entered: make(chan struct{}), release: make(chan struct{})}
	s := serve(t, newFixtureOn(t, gate, nil, WithMaxConns(1)))
	hold := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	held := make(chan int, 1)
	go func() {
		resp, err := hold.Post(s.url+"/predict", "application/json", strings.NewReader(obsJSON(1, 1, 80)))
		if err != nil {
			held <- 0
			return
		}
		resp.Body.Close()
		held <- resp.StatusCode
	}()
	<-gate.entered // the only slot is taken

	client := &http.Client{Timeout: hangBound}
	defer client.CloseIdleConnections()
	for range 3 { // more probes than one: each frees its reserved slot
		resp, err := client.Get(s.url + "/health")
		if err != nil {
			t.Fatalf("/health at the cap: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !resp.Close {
			t.Fatalf("/health at the cap: %d close=%v %s", resp.StatusCode, resp.Close, body)
		}
	}
	resp, err := client.Post(s.url+"/predict", "application/json", strings.NewReader(obsJSON(2, 1, 80)))
	if err != nil {
		t.Fatalf("/predict at the cap: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), `"code":"over_capacity"`) {
		t.Fatalf("/predict at the cap: %d %s", resp.StatusCode, body)
	}
	close(gate.release)
	if code := <-held; code != 200 {
		t.Fatalf("the request holding the slot: %d", code)
	}
	if n := s.stored(2); n != 0 {
		t.Fatalf("refused observation stored (%d rows)", n)
	}
}

// TestReadBodyGrowsWithArrival: a body that declares 1 MiB of which 10
// bytes arrive costs a small buffer, not the declared length.
func TestReadBodyGrowsWithArrival(t *testing.T) {
	r, _ := http.NewRequest("POST", "/predict", &stallReader{data: []byte(`{"soldier`)})
	r.ContentLength = 1 << 20
	r.Header.Set("Content-Type", "application/json")
	var rs reqState
	if e := readJSONBody(r, &rs, DefaultBodyLimit); e == nil || e.status != 400 {
		t.Fatalf("cut body: %v", e)
	}
	if len(rs.body) != 9 || cap(rs.body) > minBody {
		t.Fatalf("body len %d cap %d after 9 bytes of a declared 1 MiB; want cap ≤ %d", len(rs.body), cap(rs.body), minBody)
	}
	// A whole body of the limit still reads, growing to it.
	full := strings.Repeat(" ", DefaultBodyLimit-2) + "{}"
	r, _ = http.NewRequest("POST", "/predict", strings.NewReader(full))
	r.Header.Set("Content-Type", "application/json")
	rs = reqState{}
	if e := readJSONBody(r, &rs, DefaultBodyLimit); e != nil || string(rs.body) != full {
		t.Fatalf("1 MiB body: %v, %d bytes", e, len(rs.body))
	}
	if cap(rs.body) > DefaultBodyLimit+1 {
		t.Fatalf("cap %d beyond the limit + 1", cap(rs.body))
	}
	// One byte over the limit, undeclared: 413.
	r, _ = http.NewRequest("POST", "/predict", io.NopCloser(strings.NewReader(full+" ")))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	if e := readJSONBody(r, &rs, DefaultBodyLimit); e == nil || e.status != 413 {
		t.Fatalf("limit+1 bytes: %v", e)
	}
}

// stallReader returns its data, then an unexpected EOF: a client that went
// away mid-body.
type stallReader struct{ data []byte }

func (s *stallReader) Read(b []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(b, s.data)
	s.data = s.data[n:]
	return n, nil
}

// TestSlowBody408: a body still arriving at the read deadline gets 408
// request_timeout JSON, not a closed connection, and nothing is written.
func TestSlowBody408(t *testing.T) {
	// Read and write timeouts equal, as by default: the 408 must still be
	// written (the write deadline of the server alone runs out with the
	// read deadline).
	short := DefaultTimeouts()
	short.Read, short.Write = 50*time.Millisecond, 50*time.Millisecond
	s := serve(t, newFixture(t, nil, WithTimeouts(short)))
	for _, path := range []string{"/predict", "/predict/batch", "/soldiers/9"} {
		method := "POST"
		if path == "/soldiers/9" {
			method = "PUT"
		}
		c := dial(t, strings.TrimPrefix(s.url, "http://"))
		if _, err := io.WriteString(c, method+" "+path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"soldier"); err != nil {
			t.Fatal(err)
		}
		// The rest never comes. Wait for the answer (the hang bound is the
		// dial deadline).
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: no response to a slow body: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 408 || !strings.Contains(string(body), `"code":"request_timeout"`) || !resp.Close {
			t.Fatalf("%s slow body: %d close=%v %s", path, resp.StatusCode, resp.Close, body)
		}
	}
	if n := s.mon.Stats().Observations; n != 0 {
		t.Fatalf("%d observations written", n)
	}
}

// tempErr is an accept error that passes (EMFILE and the like).
type tempErr struct{}

func (tempErr) Error() string   { return "too many open files" }
func (tempErr) Temporary() bool { return true }
func (tempErr) Timeout() bool   { return false }

// flakyListener fails its first accepts with a temporary error.
type flakyListener struct {
	net.Listener
	fails int
}

func (f *flakyListener) Accept() (net.Conn, error) {
	if f.fails > 0 {
		f.fails--
		return nil, tempErr{}
	}
	return f.Listener.Accept()
}

// TestLimitListenerSurvivesTemporaryErrors: running out of file
// descriptors for a moment does not stop the server accepting for good.
func TestLimitListenerSurvivesTemporaryErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(&flakyListener{Listener: ln, fails: 3}, 2)
	defer func() { l.Close(); l.wait() }()
	dial(t, ln.Addr().String())
	acceptOne(t, l)
}
