package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/ssh"
	"golang.org/x/sync/errgroup"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui"
	"github.com/chakra-tui/chakra-tui/ui/alertsink"
	"github.com/chakra-tui/chakra-tui/ui/sshserve"
)

// sshShutdown is how long sessions get to end cleanly at shutdown.
const sshShutdown = 5 * time.Second

// sshRequested reports whether the root mode's args ask for --ssh ADDR (or
// CHAKRA_SSH is set); the root mode then hands all args to runSSH, whose own
// flag set reads --ssh.
func sshRequested(args []string) bool { return sshArgs(args, os.LookupEnv) }

// sshArgs is sshRequested with the environment injected.
func sshArgs(args []string, lookupEnv func(string) (string, bool)) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && name == "ssh" {
			return true
		}
	}
	v, ok := lookupEnv(envName("ssh"))
	return ok && v != ""
}

// sshFlags are the flags of --ssh beside the simulation's.
type sshFlags struct {
	addr, hostKey, authKeys string
	maxSessions             int
	idle, maxSession        time.Duration
	handshake               time.Duration
	maxHandshakes           int
	scorer, model           string
	record, replay          string
	rescore, truth, force   bool
	speed                   float64
	backlog                 int
	shutdown                time.Duration
	offline                 *offlineFlags
	alerts                  *alertFlags
}

// runSSH serves the dashboard of one shared battlefield to every SSH client
// until ctx ends: flags → config (checked flags, access) → runtime (the
// shared battlefield) → front end (the SSH server).
func runSSH(ctx context.Context, args []string, e env) error {
	c, sf, f := newSSHCommand(e.stderr)
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return fmt.Errorf("ssh: unexpected argument %q", c.fs.Arg(0))
	}
	if err := f.check(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	acc, err := f.access(e.stderr)
	if err != nil {
		return err
	}
	bf, dash, closeAll, err := f.battlefield(ctx, sf, log)
	if err != nil {
		return err
	}
	defer closeAll()
	return f.serve(ctx, acc, bf, dash, closeAll, log, e)
}

// newSSHCommand defines the flags of --ssh: the simulation's and the SSH
// server's.
func newSSHCommand(stderr io.Writer) (*command, *simFlags, *sshFlags) {
	c := newCommand("ssh", "chakra-tui --ssh ADDR [flags]",
		"Serve the dashboard to every SSH client (ssh -p PORT HOST): one simulation (or --replay) scored once\n"+
			"and shared; each session has its own selection, panes, size and colours. Anyone may connect unless\n"+
			"--ssh-authorized-keys is given; bind loopback unless you mean it.", stderr)
	sf := addSimFlags(c, 0)
	f := &sshFlags{}
	fs := c.fs
	fs.StringVar(&f.addr, "ssh", "127.0.0.1:23234", "address to serve SSH on")
	c.example("ssh", "127.0.0.1:23234")
	defKey, _ := sshserve.DefaultHostKeyPath()
	fs.StringVar(&f.hostKey, "ssh-host-key", defKey, "host key file; an ed25519 key is created there (0600) on first run, so clients see the same key after restarts")
	c.example("ssh-host-key", "/etc/chakra-tui/ssh_host_ed25519")
	fs.StringVar(&f.authKeys, "ssh-authorized-keys", "", "admit only these public keys (authorized_keys format); without it anyone may connect")
	c.example("ssh-authorized-keys", "~/.ssh/authorized_keys")
	fs.IntVar(&f.maxSessions, "ssh-max-sessions", sshserve.DefaultMaxSessions, "concurrent sessions; one more gets a one-line refusal")
	c.example("ssh-max-sessions", "8")
	fs.DurationVar(&f.idle, "ssh-idle-timeout", sshserve.DefaultIdleTimeout, "close a session after this long without a key, click or resize (0: never)")
	c.example("ssh-idle-timeout", "5m")
	fs.DurationVar(&f.maxSession, "ssh-max-session", sshserve.DefaultMaxSession, "close a session this long after it started (0: never)")
	c.example("ssh-max-session", "1h")
	fs.DurationVar(&f.handshake, "ssh-handshake-timeout", sshserve.DefaultHandshakeTimeout, "close a connection that has not authenticated this long after it connected (> 0; key passphrases typed at the prompt count)")
	c.example("ssh-handshake-timeout", "30s")
	fs.IntVar(&f.maxHandshakes, "ssh-max-handshakes", sshserve.DefaultMaxHandshakes, "connections not yet authenticated; more are closed at once")
	c.example("ssh-max-handshakes", "16")
	addScorerFlags(c, &f.scorer, &f.model)
	f.addBattlefieldFlags(c)
	fs.IntVar(&f.backlog, "ssh-backlog", sshserve.DefaultBacklog, "recent ticks a viewer who joins late receives first")
	c.example("ssh-backlog", "300")
	fs.DurationVar(&f.shutdown, "shutdown-timeout", sshShutdown, "how long sessions get to end cleanly at shutdown")
	c.example("shutdown-timeout", "10s")
	f.alerts = addAlertFlags(c)
	return c, sf, f
}

// addBattlefieldFlags defines the flags of the shared battlefield: its
// clock, recording, replay and the viewers' truth overlay.
func (f *sshFlags) addBattlefieldFlags(c *command) {
	fs := c.fs
	fs.Float64Var(&f.speed, "speed", 1, "simulated seconds per wall second of the shared clock (viewers cannot change it)")
	c.example("speed", "5")
	fs.StringVar(&f.record, "record", "", "record the shared session (frames, ground truth and verdicts) to this file")
	c.example("record", "ssh-session.chakra.gz")
	f.offline = addOfflineFlags(c)
	addForceFlag(c, &f.force)
	fs.StringVar(&f.replay, "replay", "", "serve this recording instead of a simulation (viewers share it; no seeking)")
	c.example("replay", "run.chakra.gz")
	fs.BoolVar(&f.rescore, "rescore", false, "with --replay: score the frames again with --scorer instead of showing the recorded verdicts")
	c.example("rescore", "true")
	fs.BoolVar(&f.truth, "truth", false, "start every viewer with the truth overlay on")
	c.example("truth", "true")
}

// sshAccess is who may connect and as what host: the authorized keys (nil:
// anyone), the host key and its fingerprint.
type sshAccess struct {
	keys    []sshserve.AuthorizedKey
	host    string // the host of --ssh
	hostKey []byte // PEM
	created bool   // the host key was created on this run
	fp      string // the host key's fingerprint
}

// access loads the authorized keys and the host key (creating it on first
// run), warning on stderr when a non-loopback address admits anyone.
func (f *sshFlags) access(stderr io.Writer) (sshAccess, error) {
	var a sshAccess
	if f.authKeys != "" {
		var err error
		if a.keys, err = sshserve.LoadAuthorizedKeys(expandHome(f.authKeys)); err != nil {
			return a, fmt.Errorf("ssh: --ssh-authorized-keys: %w", err)
		}
	}
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		return a, fmt.Errorf("ssh: --ssh %q: %w", f.addr, err)
	}
	a.host = host
	if !isLoopback(host) && a.keys == nil {
		fmt.Fprintf(stderr, "WARNING: serving SSH on %s without --ssh-authorized-keys: anyone who can reach this port can watch the battlefield\n", f.addr)
	}
	if f.hostKey == "" {
		return a, errors.New("ssh: no configuration directory for the host key: give --ssh-host-key PATH")
	}
	if a.hostKey, a.created, err = sshserve.LoadOrCreateHostKey(expandHome(f.hostKey)); err != nil {
		return a, fmt.Errorf("ssh: --ssh-host-key: %w", err)
	}
	if a.fp, err = sshserve.Fingerprint(a.hostKey); err != nil {
		return a, err
	}
	return a, nil
}

// serve is the front end: the SSH server of the battlefield bf, listening
// on f.addr, with the battlefield's clock and the server's shutdown in an
// errgroup until ctx ends; then closeAll finishes the recording.
func (f *sshFlags) serve(ctx context.Context, acc sshAccess, bf *live.Runtime, dash []ui.Option, closeAll func() error, log *slog.Logger, e env) error {
	srv, err := sshserve.New(bf, sshserve.WithHostKey(acc.hostKey), sshserve.WithAuthorizedKeys(acc.keys),
		sshserve.WithMaxSessions(f.maxSessions), sshserve.WithIdleTimeout(f.idle), sshserve.WithMaxSession(f.maxSession),
		sshserve.WithHandshakeTimeout(f.handshake), sshserve.WithMaxHandshakes(f.maxHandshakes),
		sshserve.WithLogger(log), sshserve.WithDashboard(append(dash, ui.WithLag(bf.Lag))...))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("ssh: listen on %s: %w", f.addr, err)
	}
	f.announce(ln.Addr(), acc, log, e)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := bf.Run(gctx)
		if err == nil && gctx.Err() == nil {
			log.Info("the battlefield ended (end of the replay or of --duration); viewers keep its last ticks")
		}
		return err
	})
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, ssh.ErrServerClosed) {
			return fmt.Errorf("ssh: serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), f.shutdown)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	err = g.Wait()
	if cerr := closeAll(); err == nil {
		err = cerr
	}
	log.Info("stopped", "ticks", bf.Published())
	if err == nil && f.record != "" {
		fmt.Fprintf(e.stdout, "recorded %d ticks to %s\n", bf.Published(), f.record)
	}
	return err
}

// announce prints where the server listens and how to connect, and logs
// its settings.
func (f *sshFlags) announce(addr net.Addr, acc sshAccess, log *slog.Logger, e env) {
	_, port, _ := net.SplitHostPort(addr.String())
	keyNote := "loaded"
	if acc.created {
		keyNote = "created"
	}
	fmt.Fprintf(e.stdout, "listening ssh://%s\n", addr)
	fmt.Fprintf(e.stdout, "connect with: ssh -p %s %s   (host key %s, %s %s)\n", port, connectHost(acc.host), acc.fp, keyNote, f.hostKey)
	log.Info("serving the dashboard over SSH", "addr", addr.String(), "max_sessions", f.maxSessions,
		"idle_timeout", f.idle, "max_session", f.maxSession, "handshake_timeout", f.handshake, "max_handshakes", f.maxHandshakes,
		"authorized_keys", len(acc.keys), "record", f.record, "replay", f.replay)
}

// check validates the flags.
func (f *sshFlags) check() error {
	switch {
	case f.maxSessions < 1:
		return fmt.Errorf("ssh: --ssh-max-sessions must be ≥ 1 (got %d)", f.maxSessions)
	case !(f.handshake > 0):
		return fmt.Errorf("ssh: --ssh-handshake-timeout must be > 0 (got %v)", f.handshake)
	case f.maxHandshakes < 1:
		return fmt.Errorf("ssh: --ssh-max-handshakes must be ≥ 1 (got %d)", f.maxHandshakes)
	case f.idle < 0 || f.maxSession < 0:
		return errors.New("ssh: --ssh-idle-timeout and --ssh-max-session must be ≥ 0")
	case !(f.speed > 0) || math.IsInf(f.speed, 0):
		return fmt.Errorf("ssh: --speed must be > 0 (got %v): the shared clock runs in real time", f.speed)
	case f.record != "" && f.replay != "":
		return fmt.Errorf("ssh: %w", errRecordReplay)
	case f.rescore && f.replay == "":
		return errors.New("ssh: --rescore needs --replay")
	case f.backlog < 0:
		return fmt.Errorf("ssh: --ssh-backlog must be ≥ 0 (got %d)", f.backlog)
	case f.replay != "" && f.alerts.enabled():
		return fmt.Errorf("ssh: %w", errSinksReplay)
	}
	return nil
}

// battlefield builds the shared battlefield — the live runtime of a
// simulation scored by one monitor, or of a replay — with its recording
// tap if asked, and the dashboard options every viewer gets. closeAll
// releases everything; calling it twice is harmless and returns the
// recording's error the first time.
func (f *sshFlags) battlefield(ctx context.Context, sf *simFlags, log *slog.Logger) (*live.Runtime, []ui.Option, func() error, error) {
	cl := &closeList{}
	var (
		rt   *live.Runtime
		dash []ui.Option
		err  error
	)
	if f.replay != "" {
		rt, dash, err = f.replayBattlefield(ctx, cl, log)
	} else {
		rt, dash, err = f.simBattlefield(ctx, sf, cl, log)
	}
	if err != nil {
		cl.closeAll()
		return nil, nil, nil, err
	}
	return rt, append([]ui.Option{ui.WithTruthOverlay(f.truth)}, dash...), cl.closeAll, nil
}

// replayBattlefield is the battlefield of --replay: the recording's frames
// (rescored with --rescore) on the shared clock; viewers cannot seek.
func (f *sshFlags) replayBattlefield(ctx context.Context, cl *closeList, log *slog.Logger) (*live.Runtime, []ui.Option, error) {
	rp, err := openReplay(f.replay, f.rescore, f.scorer, f.model)
	if err != nil {
		return nil, nil, fmt.Errorf("ssh: %w", err)
	}
	cl.add(rp.r.Close)
	rt, err := f.openLive(ctx, live.Config{Source: rp.r}, cl)
	if err != nil {
		return nil, nil, err
	}
	rc := ui.ReplayControl{First: rp.r.First(), Last: rp.r.Last(),
		Seek: func(context.Context, int64) ([]live.Snapshot, error) {
			return nil, errors.New("viewers share this replay: seek it in the local dashboard (chakra-tui --replay FILE)")
		}}
	dash := []ui.Option{ui.WithSource(rp.source + " · shared over SSH"), ui.WithDetector(rp.detector, rp.note),
		ui.WithTick(rp.r.Tick()), ui.WithReplay(rc)}
	log.Info("serving a replay", "file", f.replay, "ticks", rp.r.Len(), "detector", rp.detector, "rescoring", rp.r.Rescoring(), "warning", rp.warning)
	return rt, dash, nil
}

// simBattlefield is the battlefield of a simulation scored by --scorer on
// the in-memory store, recorded with --record.
func (f *sshFlags) simBattlefield(ctx context.Context, sf *simFlags, cl *closeList, log *slog.Logger) (*live.Runtime, []ui.Option, error) {
	cfg, err := sf.config()
	if err != nil {
		return nil, nil, err
	}
	sim, err := engine.NewSim(cfg)
	if err != nil {
		return nil, nil, err
	}
	scorer, name, note, err := dashboardScorer(f.scorer, f.model, false)
	if err != nil {
		return nil, nil, err
	}
	store, err := featurestore.NewMemory()
	if err != nil {
		return nil, nil, fmt.Errorf("open the in-memory store: %w", err)
	}
	cl.add(store.Close)
	src := fmt.Sprintf("simulation · seed %d · %d soldiers · shared over SSH", cfg.Seed, cfg.Soldiers)
	c := live.Config{Source: sim, Store: store, Scorer: scorer,
		MonitorOptions: []monitor.Option{monitor.WithEpoch(cfg.Start.Unix(), nil)}} // alerts in unix seconds
	sink, err := f.offline.open(ctx, offlineRun{source: "ssh", cfg: &cfg, profiles: sim.Profiles()}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("ssh: %w", err)
	}
	if sink != nil {
		c.Offline = sink
		cl.add(func() error {
			var b strings.Builder
			err := closeOffline(sink, &b)
			slog.Info(strings.TrimSpace(b.String()), "err", err)
			return err
		})
		src += " · offline store"
	}
	if f.record != "" {
		rec, err := session.Create(f.record, recordHeader(sim), session.Meta{Detector: name, Note: note, Source: src}, recordOptions(f.force)...)
		if err != nil {
			return nil, nil, fmt.Errorf("ssh: --record: %w", err)
		}
		cl.add(rec.Close)
		c.Record = rec
		src += " · recording"
	}
	rt, err := f.openLive(ctx, c, cl)
	if err != nil {
		return nil, nil, err
	}
	dash := []ui.Option{ui.WithSource(src), ui.WithDetector(name, note), ui.WithTick(cfg.Tick)}
	hub, err := f.alerts.hub(log, alertsink.WithSquad(rosterSquads(sim.Profiles())), alertsink.WithScorer(name))
	if err != nil {
		return nil, nil, fmt.Errorf("ssh: %w", err)
	}
	if hub.Enabled() {
		cl.add(startHub(ctx, hub, rt.Monitor()))
		dash = append(dash, dashboardAckOptions(hub, f.alerts)...)
	}
	return rt, dash, nil
}

// openLive opens the live runtime of c on the shared clock (--speed) with
// the late joiners' backlog (--ssh-backlog), and adds it to cl.
func (f *sshFlags) openLive(ctx context.Context, c live.Config, cl *closeList) (*live.Runtime, error) {
	c.Speed, c.Backlog, c.Buffer = f.speed, f.backlog, max(live.DefaultBuffer, 2*f.backlog)
	rt, err := live.Open(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	cl.add(rt.Close)
	return rt, nil
}

// closeList closes what was opened, in the reverse order, once.
type closeList struct {
	closers []func() error
	closed  bool
}

func (l *closeList) add(close func() error) { l.closers = append(l.closers, close) }

// closeAll closes everything added, last first, and returns the first
// error; a second call does nothing and returns nil.
func (l *closeList) closeAll() error {
	if l.closed {
		return nil
	}
	l.closed = true
	var first error
	for i := len(l.closers) - 1; i >= 0; i-- {
		if err := l.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// connectHost is the host to print in the connect line.
func connectHost(host string) string {
	switch host {
	case "", "0.0.0.0", "::":
		return "HOST"
	case "127.0.0.1", "::1":
		return "localhost"
	}
	return host
}

// expandHome expands a leading ~/ to the home directory.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return home + string(os.PathSeparator) + rest
		}
	}
	return p
}
