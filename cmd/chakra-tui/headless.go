package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/parquet"
	"github.com/chakra-tui/chakra-tui/featurestore/redis"
	"github.com/chakra-tui/chakra-tui/ui/alertsink"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
	"github.com/chakra-tui/chakra-tui/ui/kafkaio"
)

// headlessRequested reports whether the root mode's args ask for
// --headless (or CHAKRA_HEADLESS=1) and returns them without that flag; the
// root mode then hands over to runHeadless.
func headlessRequested(args []string) ([]string, bool) { return headlessArgs(args, os.LookupEnv) }

// headlessArgs is headlessRequested with the environment injected.
func headlessArgs(args []string, lookupEnv func(string) (string, bool)) ([]string, bool) {
	on := false
	if v, ok := lookupEnv(envName("headless")); ok {
		on = v == "1" || strings.EqualFold(v, "true")
	}
	rest := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		switch strings.TrimLeft(a, "-") {
		case "headless", "headless=true", "headless=1":
			if strings.HasPrefix(a, "-") {
				on = true
				continue
			}
		case "headless=false", "headless=0":
			if strings.HasPrefix(a, "-") {
				on = false
				continue
			}
		}
		rest = append(rest, a)
	}
	return rest, on
}

// headlessFlags are the flags of --headless beside the simulation's.
type headlessFlags struct {
	addr, token, store, model, scorer, phase string
	groupCommit                              string
	record, replay                           string // --record, --replay: the built-in battlefield's session
	insecure, simulate, force, openProbes    bool
	speed, defaultAmbient                    float64
	timeouts                                 httpapi.Timeouts
	shutdown, maxFuture, heartbeat, reorder  time.Duration
	maxConns, workers, storeRows             int
	cpuProfile, memProfile                   string
	tickTrace                                string
	compactState                             string // --compact-state: auto, on or off
	compact                                  bool   // what it resolved to
	alerts                                   *alertFlags
	kafka                                    *kafkaFlags
	offline                                  *offlineFlags
	materialize, asOf                        string // --materialize, --as-of
}

// runHeadless serves the monitor over HTTP until ctx ends: flags → config
// → runtime (store, monitor, API, built-in battlefield) → front end (the
// listener and the errgroup).
func runHeadless(ctx context.Context, args []string, e env) error {
	c, sf, f := newHeadlessCommand(e.stderr)
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return fmt.Errorf("headless: unexpected argument %q", c.fs.Arg(0))
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	cfg, err := f.config(sf, e.stderr)
	if err != nil {
		return err
	}
	if cfg.sim != nil && scaleGC(cfg.sim.Soldiers, os.Getenv("GOGC")) {
		log.Info("a large built-in simulation: GOGC set", "gogc", scaleGCPercent)
	}
	stop, err := startProfiles(cfg.cpuProfile, cfg.memProfile)
	if err != nil {
		return fmt.Errorf("headless: %w", err)
	}
	rt, err := openHeadless(ctx, cfg, log)
	if err != nil {
		stop()
		return err
	}
	defer rt.close()
	err = serveHeadless(ctx, cfg, rt, log, e)
	if perr := stop(); perr != nil && err == nil {
		err = fmt.Errorf("headless: %w", perr)
	}
	return err
}

// newHeadlessCommand defines the flags of --headless: the simulation's
// (for --simulate) and the server's.
func newHeadlessCommand(stderr io.Writer) (*command, *simFlags, *headlessFlags) {
	c := newCommand("headless", "chakra-tui --headless [flags]",
		"Serve the monitor over HTTP: POST /predict (the prototype's contract), POST /predict/batch,\n"+
			"GET/PUT /soldiers/{id}, GET /alerts (server-sent events), /health, /ready, /metrics.\n"+
			"See docs/http.md. With --simulate the battlefield runs inside the server and its alerts\n"+
			"appear on /alerts without any client. With --kafka-brokers it also consumes observations from\n"+
			"--kafka-topic in the consumer group --kafka-group, shared with the other replicas (docs/kafka.md).", stderr)
	sf := addSimFlags(c, 0)
	f := &headlessFlags{}
	fs := c.fs
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8000", "address to listen on; anything but loopback needs --token or --insecure")
	c.example("addr", "0.0.0.0:8000")
	fs.StringVar(&f.token, "token", "", "require Authorization: Bearer TOKEN on every request (prefer the environment variable)")
	c.example("token", "s3cret")
	fs.BoolVar(&f.insecure, "insecure", false, "allow a non-loopback --addr without a token (prints a warning)")
	c.example("insecure", "true")
	fs.BoolVar(&f.openProbes, "open-probes", false, "with --token: answer GET/HEAD /health and /ready without it (a kubelet's probes carry no secret)")
	c.example("open-probes", "true")
	fs.StringVar(&f.store, "store", "memory", "online store: memory, or a Redis URL shared by several replicas")
	c.example("store", "redis://127.0.0.1:6379/0")
	addScorerFlags(c, &f.scorer, &f.model)
	fs.BoolVar(&f.simulate, "simulate", false, "run the simulation inside the server and feed its frames through the monitor")
	c.example("simulate", "true")
	fs.Float64Var(&f.speed, "speed", 1, "with --simulate: simulated seconds per wall second (0: as fast as possible)")
	c.example("speed", "10")
	fs.StringVar(&f.record, "record", "", "with --simulate: record the built-in battlefield's frames, ground truth and the server's verdicts to this file")
	c.example("record", "headless.chakra.gz")
	addForceFlag(c, &f.force)
	fs.StringVar(&f.replay, "replay", "", "feed this recording's frames through the monitor instead of a simulation (implies --simulate; the server scores them)")
	c.example("replay", "session.chakra.gz")
	fs.StringVar(&f.phase, "default-phase", httpapi.DefaultPhase.String(),
		"phase of an observation without one when the server has no earlier verdict for the soldier")
	c.example("default-phase", "rest")
	fs.Float64Var(&f.defaultAmbient, "default-ambient", httpapi.DefaultAmbient, "ambient °C of an observation without one")
	c.example("default-ambient", "30")
	fs.IntVar(&f.storeRows, "store-rows", 0, fmt.Sprintf("rows kept per soldier by the in-memory store (0: %d, or %d with a built-in simulation of more than %d soldiers; at least %d)",
		featurestore.DefaultCapacity, scaleStoreRows, scaleSoldiers, monitor.DefaultWindowRows))
	c.example("store-rows", "64")
	addCompactFlag(c, &f.compactState)
	fs.IntVar(&f.workers, "workers", 0, "goroutines that score one tick of --simulate together (0: one per core); the verdicts do not depend on it")
	c.example("workers", "2")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile (go tool pprof) of the whole run to this file at exit")
	c.example("cpuprofile", "cpu.pprof")
	fs.StringVar(&f.memProfile, "memprofile", "", "write a heap profile (go tool pprof) to this file at exit")
	c.example("memprofile", "mem.pprof")
	fs.StringVar(&f.tickTrace, "tick-trace", "", "with --simulate: write one JSON line per tick to this file: the wall time of each phase, each shard's CPU, the process's CPU, GC and alerts of the tick (docs/scale.md)")
	c.example("tick-trace", "ticks.jsonl")
	f.addServerFlags(c)
	f.kafka = addKafkaFlags(c, kafkaConsumer)
	f.offline = addOfflineFlags(c)
	fs.StringVar(&f.materialize, "materialize", "", "at start, load the online store (memory or Redis) from the offline store's runs under this directory or s3:// prefix: profiles, and each soldier's last window of rows, so a restarted replica resumes with full windows")
	c.example("materialize", "runs/")
	fs.StringVar(&f.asOf, "as-of", "", "with --materialize: the store as it was at this time (RFC 3339; default: the end of the runs)")
	c.example("as-of", "2025-06-01T10:00:00Z")
	f.alerts = addAlertFlags(c)
	return c, sf, f
}

// addServerFlags defines the flags of the HTTP server itself: timeouts,
// connection cap, clock skew, heartbeat and group commit.
func (f *headlessFlags) addServerFlags(c *command) {
	fs := c.fs
	d := httpapi.DefaultTimeouts()
	fs.DurationVar(&f.timeouts.ReadHeader, "read-header-timeout", d.ReadHeader, "time to read a request's headers")
	c.example("read-header-timeout", "2s")
	fs.DurationVar(&f.timeouts.Read, "read-timeout", d.Read, "time to read a whole request")
	c.example("read-timeout", "5s")
	fs.DurationVar(&f.timeouts.Write, "write-timeout", d.Write, "time to write a response (per event on /alerts)")
	c.example("write-timeout", "5s")
	fs.DurationVar(&f.timeouts.Idle, "idle-timeout", d.Idle, "how long an idle keep-alive connection stays open")
	c.example("idle-timeout", "2m")
	fs.DurationVar(&f.shutdown, "shutdown-timeout", httpapi.DefaultShutdownTimeout, "how long in-flight requests may finish at shutdown")
	c.example("shutdown-timeout", "10s")
	fs.IntVar(&f.maxConns, "max-conns", httpapi.DefaultMaxConns,
		"most connections served at a time; beyond it health checks get a reserved connection, the rest 503 over_capacity")
	c.example("max-conns", "4096")
	fs.DurationVar(&f.maxFuture, "max-future", httpapi.DefaultMaxFuture, "how far after the server clock a timestamp may lie")
	c.example("max-future", "1m")
	fs.DurationVar(&f.reorder, "reorder-window", httpapi.DefaultReorderWindow,
		"how late (before its soldier's latest) a reading is still stored, in time order and unscored; 0: repeats only")
	c.example("reorder-window", "30s")
	fs.DurationVar(&f.heartbeat, "heartbeat", httpapi.DefaultHeartbeat, "interval of heartbeat comments on /alerts")
	c.example("heartbeat", "5s")
	fs.StringVar(&f.groupCommit, "group-commit", "auto",
		"ingest concurrent /predict requests together: on, off, or auto (on with Redis, where it saves round trips)")
	c.example("group-commit", "on")
}

// headlessConfig is what the flags of --headless ask for, validated.
type headlessConfig struct {
	headlessFlags
	phase engine.Phase   // --default-phase
	sim   *engine.Config // the simulation of --simulate; nil without it, or with --replay
}

// config validates the flags; a non-loopback address without a token
// prints its warning to stderr (see checkExposure). --replay implies
// --simulate; --record needs one of them.
func (f *headlessFlags) config(sf *simFlags, stderr io.Writer) (headlessConfig, error) {
	cfg := headlessConfig{headlessFlags: *f}
	if err := checkExposure(f.addr, f.token, f.insecure, stderr); err != nil {
		return cfg, err
	}
	if f.speed < 0 || math.IsNaN(f.speed) {
		return cfg, fmt.Errorf("headless: --speed must be ≥ 0 (got %v)", f.speed)
	}
	if f.storeRows != 0 && (f.storeRows < monitor.DefaultWindowRows || f.storeRows > 65536) {
		return cfg, fmt.Errorf("headless: --store-rows must be 0 or from %d to 65536 (got %d)", monitor.DefaultWindowRows, f.storeRows)
	}
	if f.workers < 0 {
		return cfg, fmt.Errorf("headless: --workers must be ≥ 0 (got %d)", f.workers)
	}
	if err := checkCompactFlag(f.compactState); err != nil {
		return cfg, fmt.Errorf("headless: %w", err)
	}
	cfg.compact = compactFor(f.compactState, 0)
	phase, err := engine.ParsePhase(f.phase)
	if err != nil {
		return cfg, fmt.Errorf("headless: --default-phase: %w", err)
	}
	cfg.phase = phase
	if err := f.kafka.check(); err != nil {
		return cfg, fmt.Errorf("headless: %w", err)
	}
	if f.groupCommit != "auto" && f.groupCommit != "on" && f.groupCommit != "off" {
		return cfg, fmt.Errorf("headless: --group-commit %q: want auto, on or off", f.groupCommit)
	}
	switch {
	case f.replay != "":
		cfg.simulate = true
		if f.record != "" {
			return cfg, fmt.Errorf("headless: %w", errRecordReplay)
		}
	case f.simulate:
		sim, err := sf.config()
		if err != nil {
			return cfg, err
		}
		cfg.sim = &sim
		if cfg.storeRows == 0 && sim.Soldiers > scaleSoldiers {
			cfg.storeRows = scaleStoreRows
		}
		cfg.compact = compactFor(f.compactState, sim.Soldiers)
	case f.record != "":
		return cfg, errors.New("headless: --record needs --simulate (or --replay): it records the built-in battlefield")
	}
	return cfg, nil
}

// headlessRuntime is what --headless serves: the HTTP API over the monitor
// and, with --simulate or --replay, the built-in battlefield on the live
// runtime with its recording tap.
type headlessRuntime struct {
	api       *httpapi.Server
	mon       *monitor.Monitor
	hub       *alertsink.Hub    // the alert sinks; started by serveHeadless once the address is known
	rt        *live.Runtime     // the built-in battlefield; nil without one
	rec       *session.Recorder // --record; nil without it
	kafka     *kafkaio.Consumer // --kafka-brokers; nil without it
	info      httpapi.ModelInfo
	warmup    int
	storeName string
	sink      *parquet.Sink // --offline; nil without it
	store     featurestore.Online
	closers   []func() error // in the order opened
}

// openHeadless builds the runtime of cfg: scorer, store, monitor, the
// built-in battlefield's source and recorder, the API and the live
// runtime. On an error it closes what it opened.
func openHeadless(ctx context.Context, cfg headlessConfig, log *slog.Logger) (_ *headlessRuntime, err error) {
	r := &headlessRuntime{}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	scorer, info, warmup, err := headlessScorer(cfg.scorer, cfg.model, cfg.compact, log)
	if err != nil {
		return nil, err
	}
	r.info, r.warmup = info, warmup
	store, storeName, err := openStore(cfg.store, cfg.storeRows)
	if err != nil {
		return nil, err
	}
	r.storeName, r.store = storeName, store
	r.closers = append(r.closers, store.Close)
	if cfg.materialize != "" {
		if err := materializeAtStart(ctx, store, cfg.materialize, cfg.asOf, log); err != nil {
			return nil, fmt.Errorf("headless: --materialize: %w", err)
		}
	}
	source := "http"
	if cfg.sim != nil {
		source = "http+simulation"
	}
	sink, err := cfg.offline.open(ctx, offlineRun{source: source, cfg: cfg.sim, start: time.Unix(0, 0).UTC()}, log)
	if err != nil {
		return nil, fmt.Errorf("headless: %w", err)
	}
	var monOpts []monitor.Option
	if sink != nil {
		r.sink = sink
		monOpts = append(monOpts, monitor.WithOffline(sink))
		r.closers = append(r.closers, func() error {
			var b strings.Builder
			err := closeOffline(sink, &b)
			log.Info(strings.TrimSpace(b.String()), "err", err)
			return err
		})
	}
	src, hdr, err := r.openSource(cfg, log)
	if err != nil {
		return nil, err
	}
	if cfg.workers > 0 {
		monOpts = append(monOpts, monitor.WithWorkers(cfg.workers))
	}
	if src != nil {
		// The battlefield's ticks count seconds from its start: its alerts
		// carry unix seconds like a client's.
		ids := map[engine.SoldierID]bool{}
		for _, p := range src.Profiles() {
			ids[p.ID] = true
		}
		start := engine.DefaultStart
		if hdr.Config != nil && !hdr.Config.Start.IsZero() {
			start = hdr.Config.Start
		}
		monOpts = append(monOpts, monitor.WithEpoch(start.Unix(), func(id engine.SoldierID) bool { return ids[id] }))
	}
	mon, err := monitor.New(store, scorer, monOpts...)
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, func() error { mon.Close(); return nil })
	r.mon = mon
	opts := r.apiOptions(cfg, log)
	if r.sink != nil {
		opts = append(opts, httpapi.WithCollectors(offlineCollectors(r.sink)...))
	}
	if src != nil {
		if opts, err = reserveRoster(ctx, mon, src, opts); err != nil {
			return nil, err
		}
	}
	if r.hub, err = cfg.alerts.hub(log, headlessSinkOptions(mon, src, info.Scorer)...); err != nil {
		return nil, fmt.Errorf("headless: %w", err)
	}
	r.closers = append(r.closers, r.hub.Close)
	opts = append(opts, httpapi.WithCollectors(r.hub.Collector()))
	if cfg.record != "" {
		if r.rec, err = session.Create(cfg.record, hdr, session.Meta{Detector: info.Scorer, Note: info.Note, Source: "headless --simulate"}, recordOptions(cfg.force)...); err != nil {
			return nil, fmt.Errorf("headless: --record: %w", err)
		}
		r.closers = append(r.closers, r.rec.Close)
	}
	if r.api, err = httpapi.New(mon, opts...); err != nil {
		return nil, err
	}
	if src != nil {
		if err := r.openLive(ctx, cfg, src, log); err != nil {
			return nil, err
		}
	}
	if cfg.kafka.on() {
		if r.kafka, err = cfg.kafka.openConsumer(r.api, r.api.Stream(), log); err != nil {
			return nil, fmt.Errorf("headless: %w", err)
		}
		r.closers = append(r.closers, func() error { r.kafka.Close(); return nil })
	}
	return r, nil
}

// openSource opens the built-in battlefield's source: the recording of
// --replay, the simulation of --simulate, or none.
func (r *headlessRuntime) openSource(cfg headlessConfig, log *slog.Logger) (engine.Source, engine.Header, error) {
	switch {
	case cfg.replay != "":
		rp, err := engine.OpenReplay(cfg.replay)
		if err != nil {
			return nil, engine.Header{}, fmt.Errorf("headless: --replay: %w", err)
		}
		r.closers = append(r.closers, rp.Close)
		if tr := rp.Truncated(); tr != nil {
			log.Warn("--replay: the recording is cut short; feeding the frames it holds", "warning", tr.Error())
		}
		return rp, rp.Header(), nil
	case cfg.sim != nil:
		sim, err := engine.NewSim(*cfg.sim)
		if err != nil {
			return nil, engine.Header{}, err
		}
		return sim, recordHeader(sim), nil
	}
	return nil, engine.Header{}, nil
}

// apiOptions are the options of the HTTP API from cfg and the runtime's
// scorer and store.
func (r *headlessRuntime) apiOptions(cfg headlessConfig, log *slog.Logger) []httpapi.Option {
	return []httpapi.Option{httpapi.WithLogger(log), httpapi.WithToken(cfg.token), httpapi.WithOpenProbes(cfg.openProbes), httpapi.WithModelInfo(r.info),
		httpapi.WithWarmup(r.warmup), httpapi.WithStoreName(r.storeName), httpapi.WithTimeouts(cfg.timeouts),
		httpapi.WithShutdownTimeout(cfg.shutdown), httpapi.WithMaxFuture(cfg.maxFuture), httpapi.WithReorderWindow(cfg.reorder), httpapi.WithHeartbeat(cfg.heartbeat),
		httpapi.WithDefaultPhase(cfg.phase), httpapi.WithDefaultAmbient(cfg.defaultAmbient), httpapi.WithMaxConns(cfg.maxConns),
		// With the in-memory store a request's cost is the scorer's CPU, and
		// requests scored one by one use every core; with Redis it is the
		// round trips, which a group shares.
		httpapi.WithGroupCommit(cfg.groupCommit == "on" || (cfg.groupCommit == "auto" && r.storeName != "memory"))}
}

// reserveRoster stores the built-in battlefield's roster in the monitor
// and reserves its soldier ids: clients posting for them get 409.
func reserveRoster(ctx context.Context, mon *monitor.Monitor, src engine.Source, opts []httpapi.Option) ([]httpapi.Option, error) {
	ids := map[engine.SoldierID]bool{}
	for _, p := range src.Profiles() {
		ids[p.ID] = true
	}
	opts = append(opts, httpapi.WithReserved(func(id engine.SoldierID) bool { return ids[id] },
		"is driven by the built-in simulation (--simulate); use another id"))
	if err := mon.SetProfiles(ctx, src.Profiles()); err != nil {
		return nil, fmt.Errorf("headless: store the simulated roster: %w", err)
	}
	return opts, nil
}

// openLive opens the live runtime of the built-in battlefield, scored
// through the API (so its verdicts reach the metrics and its alerts
// /alerts), recorded when --record is set.
func (r *headlessRuntime) openLive(ctx context.Context, cfg headlessConfig, src engine.Source, log *slog.Logger) error {
	c := live.Config{Source: src, Pipeline: r.api, Speed: cfg.speed, OnScore: simulationHealth(log)}
	if r.sink != nil {
		c.Offline = r.sink // the monitor has it for the rows; the runtime adds the labels
	}
	if r.rec != nil {
		c.Record = r.rec
	}
	if cfg.tickTrace != "" {
		tt, err := openTickTrace(cfg.tickTrace)
		if err != nil {
			return fmt.Errorf("headless: --tick-trace: %w", err)
		}
		r.closers = append(r.closers, tt.Close) // after the runtime's, below
		c.Trace = tt.trace
	}
	rt, err := live.Open(ctx, c)
	if err != nil {
		return fmt.Errorf("headless: %w", err)
	}
	r.rt = rt
	r.closers = append(r.closers, rt.Close)
	if cfg.speed > 0 {
		if err := r.api.RegisterMetrics(newLagCollector(rt.Lag)); err != nil {
			return fmt.Errorf("headless: %w", err)
		}
	}
	return nil
}

// close releases the runtime in the reverse order of opening.
func (r *headlessRuntime) close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		_ = r.closers[i]()
	}
	r.closers = nil
}

// serveHeadless is the front end: it listens on cfg.addr, prints the
// "listening" line, serves the API and runs the built-in battlefield until
// ctx ends, then finishes the recording.
func serveHeadless(ctx context.Context, cfg headlessConfig, r *headlessRuntime, log *slog.Logger, e env) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("headless: listen on %s: %w", cfg.addr, err)
	}
	fmt.Fprintf(e.stdout, "listening http://%s\n", ln.Addr())
	log.Info("serving the monitor over HTTP", "addr", ln.Addr().String(), "store", r.storeName,
		"scorer", r.info.Scorer, "model", r.info.Version, "warmup_observations", r.warmup, "simulate", cfg.simulate, "auth", cfg.token != "",
		"kafka", cfg.kafka.brokers)

	g, gctx := errgroup.WithContext(ctx)
	if r.hub.Enabled() {
		if err := r.hub.SetLinkBase(linkBase(ln.Addr())); err != nil {
			log.Warn("alerts will carry no link to the soldier", "err", err)
		}
		r.hub.Start(ctx, r.mon) // every alert the monitor opens, from the API, the Kafka stream and --simulate
	}
	g.Go(func() error { return r.api.Serve(gctx, ln) })
	if r.kafka != nil {
		g.Go(func() error { return runConsumer(gctx, r.kafka) })
	}
	if r.rt != nil {
		g.Go(func() error {
			if err := r.rt.Run(gctx); err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
			if gctx.Err() == nil {
				log.Info("simulation ended; still serving")
			}
			return nil
		})
	}
	err = g.Wait()
	if r.hub.Enabled() {
		_ = r.hub.Close() // deliver what is queued (for a moment) before the monitor closes
		log.Info("alert sinks", "stats", sinkSummary(r.hub))
	}
	if r.rec != nil {
		if cerr := r.rec.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("headless: --record: %w", cerr)
		}
	}
	log.Info("stopped")
	return err
}

// checkExposure refuses a non-loopback address without a token unless
// --insecure, which prints a warning.
func checkExposure(addr, token string, insecure bool, stderr io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("headless: --addr %q: %w", addr, err)
	}
	if isLoopback(host) || token != "" {
		return nil
	}
	if !insecure {
		return fmt.Errorf("headless: --addr %s is reachable from other machines: set --token (or CHAKRA_TOKEN), or pass --insecure to serve without one", addr)
	}
	fmt.Fprintf(stderr, "WARNING: serving on %s without a token (--insecure): anyone who can reach this port can read the soldiers' data and write observations\n", addr)
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// headlessScorer builds the scorer named by --scorer (see loadScorer) and
// measures its warm-up on a twin instance. Without a usable model the TFT
// falls back to the fixed-threshold baseline, with a log line.
func headlessScorer(name, modelPath string, compact bool, log *slog.Logger) (detector.Scorer, httpapi.ModelInfo, int, error) {
	var info httpapi.ModelInfo
	s, err := loadScorer(name, modelPath)
	if err != nil {
		return nil, info, 0, fmt.Errorf("headless: %w", err)
	}
	s.compact = compact
	if name == "tft" && s.model == nil {
		log.Warn("no usable embedded TFT model in this build; falling back to the threshold baseline (run `make model`, or pass --model FILE)", "err", s.modelErr)
		info.Note = "fallback: this build embeds no TFT model"
	}
	sc, err := s.build()
	if err != nil {
		return nil, info, 0, err
	}
	twin, err := s.build()
	if err != nil {
		return nil, info, 0, err
	}
	warmup, err := httpapi.MeasureWarmup(twin, 1000)
	if err != nil {
		return nil, info, 0, err
	}
	info.Scorer, info.Version = sc.Name(), "baseline"
	if s.name == "tft" {
		info.Version = modelVersion(s.model)
	}
	return sc, info, warmup, nil
}

// modelVersion is the first 12 hex digits of the SHA-256 of the model file.
func modelVersion(m *detector.Model) string {
	h := sha256.New()
	if _, err := m.WriteTo(h); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// A built-in simulation of more than scaleSoldiers soldiers keeps
// scaleStoreRows rows per soldier in the in-memory store unless
// --store-rows says otherwise: the monitor reads 32, a late reading is
// stored up to 30 s back (31 rows), and 256 rows of 64 bytes would be most
// of the memory of 50 000 soldiers (docs/scale.md). 32 rows are 2 048
// bytes, an allocation size class of its own (40 took 2 688).
// The dashboard of such a simulation keeps scaleHistory ticks per soldier
// (ui.WithHistory) instead of ui.DefaultHistory.
//
// A built-in simulation of more than compactSoldiers soldiers keeps its
// TFT streams in float32, and forecasts in float32 after the variable
// selection, unless --compact-state says otherwise
// (detector.WithCompactState): 3.2 KB less per soldier, 160 MB at 50 000,
// and about half the forward's CPU with the AVX2 float32 kernels, for
// verdicts that may differ from full precision's near a threshold
// (docs/scale.md measures by how much). Below it, and for the 100-soldier
// default, every verdict is full precision's.
const (
	scaleSoldiers   = 1000
	scaleStoreRows  = monitor.DefaultWindowRows
	scaleHistory    = 64
	compactSoldiers = 20_000
)

// addCompactFlag defines --compact-state, read by compactFor.
func addCompactFlag(c *command, v *string) {
	c.fs.StringVar(v, "compact-state", "auto", fmt.Sprintf("keep each soldier's TFT stream in float32 and forecast in float32 after the variable selection (3.2 KB less per soldier, half the CPU a forecast with AVX2; forecasts within 1e-6 of full precision's): on, off, or auto (on for a built-in simulation of more than %d soldiers); see docs/scale.md", compactSoldiers))
	c.example("compact-state", "on")
}

// checkCompactFlag validates --compact-state ("" is auto).
func checkCompactFlag(v string) error {
	if v != "" && v != "auto" && v != "on" && v != "off" {
		return fmt.Errorf("--compact-state %q: want auto, on or off", v)
	}
	return nil
}

// compactFor resolves --compact-state v ("" is auto) for a built-in
// simulation of n soldiers (0: none).
func compactFor(v string, n int) bool {
	return v == "on" || (v == "auto" || v == "") && n > compactSoldiers
}

// openStore opens the online store named by --store (the in-memory one
// keeping rows rows per soldier; 0: the default) and returns a name for it
// without any password.
func openStore(spec string, rows int) (featurestore.Online, string, error) {
	if spec == "" || spec == "memory" {
		var opts []featurestore.Option
		if rows > 0 {
			opts = append(opts, featurestore.WithCapacity(rows))
		}
		s, err := featurestore.NewMemory(opts...)
		return s, "memory", err
	}
	u, err := url.Parse(spec)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return nil, "", fmt.Errorf("headless: --store %q: want memory or redis://host:port/db", spec)
	}
	s, err := redis.New(spec)
	if err != nil {
		return nil, "", fmt.Errorf("headless: --store %s: %w", u.Redacted(), err)
	}
	return s, u.Redacted(), nil
}

// simulationHealth is the built-in battlefield's policy on frames the
// server cannot score (live.Config.OnScore): a store outage skips frames
// (logged once per outage) rather than stopping the server, and so does a
// frame refused as out of order (with a warning); anything else stops the
// battlefield. Skipped frames are not recorded.
func simulationHealth(log *slog.Logger) func(t int64, err error) error {
	failing := false
	return func(t int64, err error) error {
		switch {
		case err == nil:
			if failing {
				log.Info("simulation frames flow again", "tick", t)
				failing = false
			}
		case errors.Is(err, featurestore.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
			if !failing {
				log.Error("simulation frames dropped: the feature store is unavailable", "tick", t, "err", err)
				failing = true
			}
		case errors.Is(err, featurestore.ErrOutOfOrder):
			log.Warn("simulation frame refused as out of order", "tick", t, "err", err)
		default:
			return fmt.Errorf("tick %d: %w", t, err)
		}
		return nil
	}
}

// headlessSinkOptions tell the alert sinks the soldiers' squads (the
// built-in battlefield's roster, else the profiles clients put) and the
// detector's name.
func headlessSinkOptions(mon *monitor.Monitor, src engine.Source, scorer string) []alertsink.Option {
	roster := map[engine.SoldierID]int{}
	if src != nil {
		for _, p := range src.Profiles() {
			roster[p.ID] = p.Squad
		}
	}
	return []alertsink.Option{alertsink.WithScorer(scorer),
		alertsink.WithSquad(func(id engine.SoldierID) int {
			if q, ok := roster[id]; ok {
				return q
			}
			if p, known, err := mon.Profile(context.Background(), id); err == nil && known {
				return p.Squad
			}
			return -1
		})}
}
