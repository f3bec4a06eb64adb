package sshserve

import (
	"net"
	"sync"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Defaults of the handshake bounds.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMaxHandshakes    = 64
)

// refusalLogEvery is how often, at most, the server logs connections it
// closed at once because too many were unauthenticated.
const refusalLogEvery = 10 * time.Second

// WithHandshakeTimeout closes a connection that has not authenticated d
// after it was accepted (default DefaultHandshakeTimeout; must be > 0). It
// covers the whole SSH handshake: version exchange, key exchange and user
// authentication (a user typing a key's passphrase at the prompt included).
func WithHandshakeTimeout(d time.Duration) Option { return func(c *config) { c.handshakeTimeout = d } }

// WithMaxHandshakes caps the connections accepted but not yet authenticated
// (default DefaultMaxHandshakes; must be ≥ 1). A connection over the cap is
// closed at once, before the server sends anything.
func WithMaxHandshakes(n int) Option { return func(c *config) { c.maxHandshakes = n } }

// withAfterFunc replaces time.AfterFunc for the handshake timers (tests).
func withAfterFunc(f func(time.Duration, func()) (stop func() bool)) Option {
	return func(c *config) { c.afterFunc = f }
}

// withClock replaces time.Now for the server's own clock (tests).
func withClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

func afterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// pendingKey holds a connection's *pending in its ssh.Context.
type pendingKey struct{}

// pending is a connection in its handshake: it counts against the cap until
// it authenticates, closes, or times out, whichever comes first.
type pending struct {
	s    *Server
	conn net.Conn // the accepted connection, closed on timeout
	stop func() bool
	once sync.Once
}

// end takes the connection off the count; it reports whether this call did
// (the first of authentication, close and timeout).
func (p *pending) end() bool {
	ended := false
	p.once.Do(func() {
		ended = true
		p.s.mu.Lock()
		delete(p.s.pending, p)
		refused := p.s.takeRefusalsLocked(len(p.s.pending) == 0) // the tally of a burst that has ended
		p.s.mu.Unlock()
		p.s.logRefusals(refused)
	})
	return ended
}

// authenticated ends the handshake and stops its timer.
func (p *pending) authenticated() {
	if p.end() {
		p.stop()
	}
}

// timeout closes a connection still in its handshake.
func (p *pending) timeout() {
	if p.end() {
		p.s.cfg.log.Info("ssh handshake timed out: connection closed", "remote", p.conn.RemoteAddr().String(),
			"timeout", p.s.cfg.handshakeTimeout)
		p.conn.Close()
	}
}

// pendingConn ends its handshake's count when it closes.
type pendingConn struct {
	net.Conn
	p *pending
}

func (c *pendingConn) Close() error {
	if c.p.end() {
		c.p.stop()
	}
	return c.Conn.Close()
}

// acceptConn is the ssh.ConnCallback: it closes a connection over the cap of
// unauthenticated ones at once (nil), and arms the handshake timeout of
// those it keeps.
func (s *Server) acceptConn(ctx ssh.Context, conn net.Conn) net.Conn {
	p := &pending{s: s, conn: conn}
	s.mu.Lock()
	if len(s.pending) >= s.cfg.maxHandshakes || s.closing {
		if !s.closing {
			s.refusedConns++
		}
		refused := s.takeRefusalsLocked(false)
		s.mu.Unlock()
		s.logRefusals(refused)
		return nil
	}
	s.pending[p] = struct{}{}
	p.stop = s.cfg.afterFunc(s.cfg.handshakeTimeout, p.timeout) // under s.mu: whoever ends p sees stop
	s.mu.Unlock()
	ctx.SetValue(pendingKey{}, p)
	return &pendingConn{Conn: conn, p: p}
}

// takeRefusalsLocked returns the count of connections refused over the cap
// since the last log line and resets it, if a line is due (the first
// refusal, then at most one every refusalLogEvery, or when force, as when
// the last handshake ended); else 0. s.mu is held.
func (s *Server) takeRefusalsLocked(force bool) int {
	now := s.cfg.now()
	if s.refusedConns == 0 || !force && !s.lastRefusalLog.IsZero() && now.Sub(s.lastRefusalLog) < refusalLogEvery {
		return 0
	}
	n := s.refusedConns
	s.refusedConns, s.lastRefusalLog = 0, now
	return n
}

func (s *Server) logRefusals(n int) {
	if n > 0 {
		s.cfg.log.Warn("ssh connections closed at once: too many unauthenticated connections",
			"max_handshakes", s.cfg.maxHandshakes, "refused", n, "since_last_line", refusalLogEvery)
	}
}

// serverConfig is the ssh.ServerConfigCallback: a successful authentication
// ends the connection's handshake.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	p, _ := ctx.Value(pendingKey{}).(*pending)
	return &gossh.ServerConfig{AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
		if err == nil && p != nil {
			p.authenticated()
		}
	}}
}

// Handshakes returns the number of connections accepted but not yet
// authenticated.
func (s *Server) Handshakes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// closePending closes every connection still in its handshake (the SSH
// server only tracks authenticated ones).
func (s *Server) closePending() {
	s.mu.Lock()
	ps := make([]*pending, 0, len(s.pending))
	for p := range s.pending {
		ps = append(ps, p)
	}
	s.mu.Unlock()
	for _, p := range ps {
		if p.end() {
			p.stop()
			p.conn.Close()
		}
	}
}
