package httpapi

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The connection cap (WithMaxConns) and how /health stays answerable when
// it is reached.
//
// limitListener hands the http.Server at most max connections at a time.
// A connection accepted beyond that is not queued (a queue behind slow
// clients would starve a health check as surely as a hang) but triaged:
// its first bytes are read, within a short deadline, and
//
//   - a probe (GET or HEAD of /health or /ready) is served on one of
//     probeSlots reserved connections, for that one request
//     (Connection: close), so a load balancer sees the truth rather than a
//     refusal;
//   - anything else is answered at once with 503 "over_capacity" JSON and
//     Retry-After: 1, and closed.
//
// Triage itself is bounded: at most triageSlots connections are triaged at
// a time, each for at most triageTimeout; beyond that an excess connection
// is closed unanswered. A refused connection then waits, on one of
// lingerSlots, at most lingerTimeout for its client to read the 503 and
// close (or is closed at once when those are taken). Memory therefore
// stays bounded whatever the number of connections a client opens.
const (
	probeSlots    = 8
	triageSlots   = 256
	triageTimeout = time.Second
	lingerSlots   = 1024
	lingerTimeout = 250 * time.Millisecond
)

// DefaultMaxConns is the most connections served at a time unless
// WithMaxConns says otherwise.
const DefaultMaxConns = 1024

// overCapacity is the whole response to a connection over the cap.
var overCapacity = func() []byte {
	body := `{"error":"the server is at its connection limit; retry shortly","code":"over_capacity"}`
	return []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n" +
		"Retry-After: 1\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

// probePrefixes are the request lines served on a reserved connection.
var probePrefixes = [...]string{"GET /health ", "HEAD /health ", "GET /ready ", "HEAD /ready ",
	"GET /health?", "HEAD /health?", "GET /ready?", "HEAD /ready?"}

// maxProbeLine is the longest probe prefix: triage reads no more.
const maxProbeLine = len("HEAD /health ")

// limitListener is a net.Listener that serves at most max connections at a
// time, plus probeSlots probes (see above).
type limitListener struct {
	net.Listener
	slots  chan struct{} // one token per open ordinary connection
	probes chan struct{} // one token per open probe connection
	triage chan struct{} // one token per connection being triaged
	linger chan struct{} // one token per refused connection waiting for its client to read the 503
	ready  chan net.Conn // connections for Accept
	done   chan struct{} // closed when the accept loop ends
	closed chan struct{} // closed by Close
	close  sync.Once
	err    error // why it ended; read after done
	start  sync.Once
	wg     sync.WaitGroup // the accept loop and triage

	refused atomic.Int64 // connections answered 503 or closed over the cap
}

func newLimitListener(ln net.Listener, max int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max), probes: make(chan struct{}, probeSlots),
		triage: make(chan struct{}, triageSlots), linger: make(chan struct{}, lingerSlots), ready: make(chan net.Conn), done: make(chan struct{}), closed: make(chan struct{})}
}

// Accept returns the next connection within the cap, or a triaged probe.
func (l *limitListener) Accept() (net.Conn, error) {
	l.start.Do(func() {
		l.wg.Add(1)
		go l.acceptLoop()
	})
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		return nil, l.err
	}
}

// acceptLoop accepts connections until the listener fails or closes: one
// with a free slot goes to Accept, one over the cap to triage.
func (l *limitListener) acceptLoop() {
	defer l.wg.Done()
	defer close(l.done)
	var backoff time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			// Out of file descriptors and the like: wait and retry, as
			// http.Server does, rather than stop serving for good.
			var tmp interface{ Temporary() bool }
			if errors.As(err, &tmp) && tmp.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				select {
				case <-l.closed:
					l.err = err
					return
				case <-time.After(backoff):
				}
				continue
			}
			l.err = err
			return
		}
		backoff = 0
		select {
		case l.slots <- struct{}{}:
			lc := &limitConn{Conn: c, release: l.slots}
			select {
			case l.ready <- lc:
			case <-l.closed:
				_ = lc.Close()
			}
			continue
		default:
		}
		select {
		case l.triage <- struct{}{}:
			l.wg.Add(1)
			go l.triageConn(c)
		default:
			l.refused.Add(1)
			_ = c.Close()
		}
	}
}

// triageConn reads the start of the request on an excess connection: a
// probe goes to Accept on a reserved slot, anything else gets 503.
func (l *limitListener) triageConn(c net.Conn) {
	defer l.wg.Done()
	released := false
	release := func() { // the triage slot
		if !released {
			released = true
			<-l.triage
		}
	}
	defer release()
	_ = c.SetDeadline(time.Now().Add(triageTimeout))
	var buf [maxProbeLine]byte
	n, _ := io.ReadFull(c, buf[:])
	head := buf[:n]
	if isProbe(head) {
		select {
		case l.probes <- struct{}{}:
			_ = c.SetDeadline(time.Time{})
			pc := &limitConn{Conn: c, release: l.probes, head: head, probe: true}
			t := time.NewTimer(triageTimeout)
			defer t.Stop()
			select {
			case l.ready <- pc:
				return
			case <-l.closed:
			case <-t.C:
			}
			// Accept is not being called (the server is closing or stuck):
			// refuse rather than hold the connection.
			pc.release = nil
			<-l.probes
		default:
		}
	}
	l.refused.Add(1)
	_, _ = c.Write(overCapacity)
	// Let the client read the answer before the close: a close with unread
	// data resets the connection, and the reset can overtake the answer.
	// The lingering has slots of its own, so that it does not hold up the
	// triage of the next connection (a health check, maybe).
	tc, ok := c.(interface{ CloseWrite() error })
	if !ok {
		_ = c.Close()
		return
	}
	_ = tc.CloseWrite()
	select {
	case l.linger <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	release()
	defer func() { <-l.linger }()
	_ = c.SetReadDeadline(time.Now().Add(lingerTimeout))
	_, _ = io.CopyN(io.Discard, c, 64<<10)
	_ = c.Close()
}

func isProbe(head []byte) bool {
	for _, p := range probePrefixes {
		if len(head) >= len(p) && string(head[:len(p)]) == p {
			return true
		}
	}
	return false
}

// Close closes the listener: the accept loop ends, and so does triage
// within triageTimeout.
func (l *limitListener) Close() error {
	l.close.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// wait blocks until the accept loop and every triage have ended: call it
// after closing the listener.
func (l *limitListener) wait() { l.wg.Wait() }

// limitConn holds a slot until it is closed; a probe connection first
// replays the bytes triage read.
type limitConn struct {
	net.Conn
	release chan struct{}
	head    []byte
	probe   bool
	once    sync.Once
}

func (c *limitConn) Read(b []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(b, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		if c.release != nil {
			<-c.release
		}
	})
	return err
}

// probeConnKey marks the context of a request on a reserved probe
// connection.
type probeConnKey struct{}

// connContext tags requests on probe connections (http.Server.ConnContext).
func connContext(ctx context.Context, c net.Conn) context.Context {
	if lc, ok := c.(*limitConn); ok && lc.probe {
		return context.WithValue(ctx, probeConnKey{}, true)
	}
	return ctx
}

func onProbeConn(ctx context.Context) bool {
	v, _ := ctx.Value(probeConnKey{}).(bool)
	return v
}
