package sshserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	lm "github.com/charmbracelet/wish/logging"
	rm "github.com/charmbracelet/wish/recover"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/ui"
)

// Defaults of a Server.
const (
	DefaultMaxSessions = 32
	// DefaultBacklog is how many recent ticks a viewer who joins late
	// receives first (about two minutes at ×1: the charts start full); the
	// command gives it to the battlefield's runtime (live.Config.Backlog).
	DefaultBacklog     = 120
	DefaultIdleTimeout = 15 * time.Minute
	DefaultMaxSession  = 2 * time.Hour
)

// connSlack is how much longer than a session's own limits the connection
// may live: the session ends itself cleanly first, the connection deadline
// is a backstop (and closes connections that never open a session).
const connSlack = time.Minute

// ErrNoHostKey: New needs a host key (wish would otherwise write one into
// the working directory).
var ErrNoHostKey = errors.New("the SSH server needs a host key (WithHostKey)")

// Option configures New.
type Option func(*config)

type config struct {
	hostKey     []byte
	authorized  []AuthorizedKey
	maxSessions int
	idle, limit time.Duration
	log         *slog.Logger
	dashboard   []ui.Option
	now         func() time.Time

	handshakeTimeout time.Duration
	maxHandshakes    int
	afterFunc        func(time.Duration, func()) (stop func() bool)
}

// WithHostKey sets the PEM-encoded private host key (LoadOrCreateHostKey,
// NewHostKey). Required.
func WithHostKey(pem []byte) Option { return func(c *config) { c.hostKey = pem } }

// WithAuthorizedKeys accepts only clients holding one of keys (public-key
// authentication; no passwords), honouring each line's from= and no-pty
// options; a line with an option the server does not implement
// (AuthorizedKey.Refused) admits nobody, and New logs it. Without it anyone
// may connect.
func WithAuthorizedKeys(keys []AuthorizedKey) Option {
	return func(c *config) { c.authorized = slices.Clone(keys) }
}

// WithMaxSessions caps the concurrent sessions (default DefaultMaxSessions);
// a session over the cap gets one line and is closed.
func WithMaxSessions(n int) Option { return func(c *config) { c.maxSessions = n } }

// WithIdleTimeout closes a session after d without input from its client
// (default DefaultIdleTimeout; 0: never).
func WithIdleTimeout(d time.Duration) Option { return func(c *config) { c.idle = d } }

// WithMaxSession closes a session d after it started (default
// DefaultMaxSession; 0: never).
func WithMaxSession(d time.Duration) Option { return func(c *config) { c.limit = d } }

// WithLogger logs connections, refusals and panics to l (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithDashboard adds options for every viewer's dashboard, such as
// ui.WithSource, ui.WithDetector, ui.WithTick, ui.WithTruthOverlay or
// ui.WithReplay. The server adds ui.WithFeed, ui.WithRenderer and
// ui.WithContext itself.
func WithDashboard(opts ...ui.Option) Option {
	return func(c *config) { c.dashboard = append(c.dashboard, opts...) }
}

// Server serves the battlefield's dashboard to SSH clients. It is safe for
// concurrent use.
type Server struct {
	bf  *live.Runtime // the shared battlefield; the server only subscribes
	srv *ssh.Server
	cfg config

	mu       sync.Mutex
	sessions map[ssh.Session]*viewer
	active   int // admitted sessions
	closing  bool

	pending        map[*pending]struct{} // connections in their handshake
	refusedConns   int                   // closed over the cap since lastRefusalLog
	lastRefusalLog time.Time
}

// New returns a server for the shared battlefield bf (its owner runs it);
// Serve starts it.
func New(bf *live.Runtime, opts ...Option) (*Server, error) {
	cfg := config{maxSessions: DefaultMaxSessions, idle: DefaultIdleTimeout, limit: DefaultMaxSession, now: time.Now,
		handshakeTimeout: DefaultHandshakeTimeout, maxHandshakes: DefaultMaxHandshakes, afterFunc: afterFunc}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.hostKey) == 0 {
		return nil, ErrNoHostKey
	}
	if cfg.maxSessions < 1 {
		return nil, fmt.Errorf("ssh server: at most %d sessions (want ≥ 1)", cfg.maxSessions)
	}
	if cfg.idle < 0 || cfg.limit < 0 {
		return nil, fmt.Errorf("ssh server: negative idle timeout %v or session limit %v", cfg.idle, cfg.limit)
	}
	if cfg.handshakeTimeout <= 0 || cfg.maxHandshakes < 1 {
		return nil, fmt.Errorf("ssh server: handshake timeout %v (want > 0) or at most %d unauthenticated connections (want ≥ 1)",
			cfg.handshakeTimeout, cfg.maxHandshakes)
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	s := &Server{bf: bf, cfg: cfg, sessions: map[ssh.Session]*viewer{}, pending: map[*pending]struct{}{}}
	printf := slog.NewLogLogger(cfg.log.Handler(), slog.LevelInfo)
	sopts := []ssh.Option{
		wish.WithHostKeyPEM(cfg.hostKey),
		wish.WithVersion("chakra-tui"),
		func(srv *ssh.Server) error {
			srv.ConnCallback = s.acceptConn
			srv.ServerConfigCallback = s.serverConfig
			return nil
		},
		wish.WithMiddleware(
			// Composed last-first: logging runs first, then recover around
			// the rest, whose own list also runs last-first.
			rm.MiddlewareWithLogger(printf,
				bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii),
				s.track,
				s.admit,
				s.requirePTY,
				s.keyOptions,
			),
			lm.MiddlewareWithLogger(printf),
		),
	}
	if cfg.idle > 0 {
		sopts = append(sopts, wish.WithIdleTimeout(cfg.idle+connSlack))
	}
	if cfg.limit > 0 {
		sopts = append(sopts, wish.WithMaxTimeout(cfg.limit+connSlack))
	}
	if len(cfg.authorized) > 0 {
		for i := range cfg.authorized {
			if k := &cfg.authorized[i]; k.Refused != "" {
				cfg.log.Warn("ssh authorized key never admitted", "where", k.Where(), "reason", k.Refused,
					"key", gossh.FingerprintSHA256(k.Key))
			}
		}
		sopts = append(sopts, wish.WithPublicKeyAuth(s.checkKey), func(srv *ssh.Server) error {
			srv.PtyCallback = s.allowPTY
			return nil
		})
	}
	srv, err := wish.NewServer(sopts...)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	s.srv = srv
	return s, nil
}

// Serve accepts connections on ln until Shutdown or Close, then returns
// ssh.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Sessions returns the number of sessions being served.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Shutdown stops accepting connections, ends every session cleanly (each
// viewer's screen is restored and told the server is shutting down), and
// waits for the connections to close until ctx ends; then it closes those
// left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	vs := make([]*viewer, 0, len(s.sessions))
	for _, v := range s.sessions {
		vs = append(vs, v)
	}
	s.mu.Unlock()
	for _, v := range vs {
		v.quit("the server is shutting down")
	}
	s.closePending()
	err := s.srv.Shutdown(ctx)
	if err != nil && ctx.Err() != nil {
		s.cfg.log.Warn("ssh shutdown: closing the connections still open", "err", err)
		return s.srv.Close()
	}
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.closePending()
	return s.srv.Close()
}

// checkKey admits a client key if a line of the authorized keys admits it
// from the client's address, and logs why not otherwise.
func (s *Server) checkKey(ctx ssh.Context, key ssh.PublicKey) bool {
	ip := remoteIP(ctx.RemoteAddr())
	admit, refused, skipped := authorize(s.cfg.authorized, key, ip)
	log := s.cfg.log.With("user", ctx.User(), "remote", ctx.RemoteAddr().String(), "key", gossh.FingerprintSHA256(key))
	for _, k := range skipped {
		log.Info("ssh key refused from this address", "where", k.Where(), "from", k.From)
	}
	switch {
	case refused != nil:
		log.Warn("ssh key refused: its authorized_keys line has an option this server does not implement",
			"where", refused.Where(), "reason", refused.Refused)
	case admit == nil && len(skipped) == 0:
		log.Info("ssh key refused: not an authorized key")
	}
	return admit != nil
}

// sessionKey returns the authorized-keys line that admitted the
// connection of ctx, or nil if there is none (no authorized keys, or none
// admits it any more).
func (s *Server) sessionKey(ctx ssh.Context) *AuthorizedKey {
	key, _ := ctx.Value(ssh.ContextKeyPublicKey).(ssh.PublicKey)
	if key == nil {
		return nil
	}
	admit, _, _ := authorize(s.cfg.authorized, key, remoteIP(ctx.RemoteAddr()))
	return admit
}

// allowPTY refuses a terminal to a key with no-pty, as sshd does.
func (s *Server) allowPTY(ctx ssh.Context, _ ssh.Pty) bool {
	k := s.sessionKey(ctx)
	return k != nil && !k.NoPTY
}

// keyOptions applies the admitting authorized-keys line to a session: a key
// with no-pty gets no dashboard (it needs a terminal), and a session whose
// key no line admits any more is closed.
func (s *Server) keyOptions(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if len(s.cfg.authorized) == 0 {
			next(sess)
			return
		}
		k := s.sessionKey(sess.Context())
		switch {
		case k == nil:
			s.cfg.log.Warn("ssh session refused: no authorized key admits it", "user", sess.User(), "remote", sess.RemoteAddr().String())
			wish.Fatalln(sess, "chakra-tui: your key is not authorized")
			return
		case k.NoPTY:
			s.cfg.log.Info("ssh session refused: its authorized_keys line has no-pty and the dashboard needs a terminal",
				"where", k.Where(), "user", sess.User(), "remote", sess.RemoteAddr().String())
			wish.Fatalln(sess, "chakra-tui: this key may not open a terminal (no-pty in the server's authorized_keys), and the dashboard needs one")
			return
		}
		next(sess)
	}
}

// requirePTY turns away sessions without a terminal with one clear line.
func (s *Server) requirePTY(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); !ok {
			s.cfg.log.Info("ssh session without a terminal refused", "user", sess.User(), "remote", sess.RemoteAddr().String(),
				"command", sess.RawCommand())
			wish.Fatalln(sess, "chakra-tui: the dashboard needs a terminal: connect with an interactive ssh (ssh -t, no command)")
			return
		}
		next(sess)
	}
}

// admit enforces the session cap.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.mu.Lock()
		var refuse string
		switch {
		case s.closing:
			refuse = "the server is shutting down"
		case s.active >= s.cfg.maxSessions:
			refuse = fmt.Sprintf("the server is full (%d viewers); try again later", s.cfg.maxSessions)
		default:
			s.active++
		}
		s.mu.Unlock()
		if refuse != "" {
			s.cfg.log.Info("ssh session refused", "reason", refuse, "remote", sess.RemoteAddr().String())
			wish.Fatalln(sess, "chakra-tui: "+refuse)
			return
		}
		defer func() {
			s.mu.Lock()
			s.active--
			s.mu.Unlock()
		}()
		next(sess)
	}
}

// track holds a session's viewer from start to end and says why it ended.
func (s *Server) track(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		v := newViewer()
		s.mu.Lock()
		s.sessions[sess] = v
		s.mu.Unlock()
		defer func() {
			v.release() // also when next panics
			s.mu.Lock()
			delete(s.sessions, sess)
			s.mu.Unlock()
		}()
		next(sess)
		v.release()
		if r := v.why(); r != "" {
			wish.Println(sess, "chakra-tui: "+r)
		}
	}
}

// program builds a session's Bubble Tea program: a dashboard on the shared
// feed, styled for the session's terminal.
func (s *Server) program(sess ssh.Session) *tea.Program {
	s.mu.Lock()
	v := s.sessions[sess]
	s.mu.Unlock()
	if v == nil {
		return nil // not reached: track runs first
	}
	sub := s.bf.Subscribe()
	ctx, cancel := context.WithCancel(sess.Context()) // ends the dashboard's feed waits with the session
	opts := append(slices.Clone(s.cfg.dashboard),
		ui.WithFeed(sub.C()), ui.WithRenderer(bm.MakeRenderer(sess)), ui.WithContext(ctx), ui.WithOperator(sess.User()))
	m, err := ui.New(s.bf.Profiles(), opts...)
	if err != nil {
		cancel()
		sub.Close()
		s.cfg.log.Error("ssh session: cannot build the dashboard", "err", err)
		wish.Fatalln(sess, "chakra-tui: cannot start the dashboard: "+err.Error())
		return nil
	}
	sm := &sessionModel{inner: m, v: v, idle: s.cfg.idle, limit: s.cfg.limit, now: s.cfg.now}
	popts := append(bm.MakeOptions(sess), ui.ProgramOptions()...)
	popts = append(popts, tea.WithoutSignalHandler())
	p := tea.NewProgram(sm, popts...)
	if !v.attach(sub, p, cancel) {
		cancel()
		sub.Close()
		return nil
	}
	return p
}
