package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"io"
	"log/slog"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Defaults of a Server.
const (
	// DefaultBodyLimit is the largest request body accepted (1 MiB).
	DefaultBodyLimit = 1 << 20
	// DefaultMaxBatch is the most observations one POST /predict/batch takes.
	DefaultMaxBatch = 1000
	// DefaultMaxFuture is how far after the server clock a timestamp may lie.
	DefaultMaxFuture = 5 * time.Minute
	// DefaultHeartbeat is the interval of the comment lines that keep an idle
	// alert stream open through proxies.
	DefaultHeartbeat = 15 * time.Second
	// DefaultShutdownTimeout bounds a graceful shutdown.
	DefaultShutdownTimeout = 5 * time.Second
	// DefaultAmbient is the ambient temperature assumed for an observation
	// without one, °C.
	DefaultAmbient = 22.0
	// DefaultPhase is the phase assumed for an observation without one when
	// the server knows nothing of the soldier's previous phase.
	DefaultPhase = engine.PhasePatrol
)

// Timeouts bound the phases of every connection (see http.Server).
type Timeouts struct {
	ReadHeader time.Duration // reading the request line and headers
	Read       time.Duration // reading the body, from the end of the headers; a body still arriving then gets 408
	Write      time.Duration // from the end of the headers to the end of the response (alert streams extend it per event)
	Idle       time.Duration // a keep-alive connection waiting for its next request
}

// DefaultTimeouts are the timeouts of a Server unless WithTimeouts says
// otherwise.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 5 * time.Second, Read: 10 * time.Second, Write: 10 * time.Second, Idle: 60 * time.Second}
}

// ModelInfo describes the scorer for /health and the metrics.
type ModelInfo struct {
	Scorer  string // the scorer's name: "tft", "zscore", "threshold"
	Version string // e.g. the first hex digits of the model file's SHA-256
	Note    string // e.g. why a baseline stands in for the TFT
}

type options struct {
	collectors   []prometheus.Collector
	token        string
	openProbes   bool
	now          func() time.Time
	maxFuture    time.Duration
	bodyLimit    int
	maxBatch     int
	phase        engine.Phase
	ambient      float64
	warmup       int
	model        ModelInfo
	storeName    string
	log          *slog.Logger
	heartbeat    time.Duration
	timeouts     Timeouts
	shutdown     time.Duration
	reserved     func(engine.SoldierID) bool
	reservedWhy  string
	windowMax    int
	storeTimeout time.Duration
	groupCommit  bool
	maxConns     int
	reorder      time.Duration
}

func defaultOptions() options {
	return options{now: time.Now, maxFuture: DefaultMaxFuture, reorder: DefaultReorderWindow, bodyLimit: DefaultBodyLimit,
		maxBatch: DefaultMaxBatch, phase: DefaultPhase, ambient: DefaultAmbient,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), heartbeat: DefaultHeartbeat,
		timeouts: DefaultTimeouts(), shutdown: DefaultShutdownTimeout, windowMax: 256,
		storeTimeout: 2 * time.Second, maxConns: DefaultMaxConns}
}

// Option configures a Server.
type Option func(*options)

// WithToken requires every request to carry "Authorization: Bearer token";
// the comparison takes the same time whatever the token. Empty: no token.
func WithToken(token string) Option { return func(o *options) { o.token = token } }

// WithOpenProbes lets GET and HEAD of /health and /ready through without
// the token of WithToken, for probes that cannot carry a secret (a
// kubelet's httpGet probes); every other request still needs it.
func WithOpenProbes(open bool) Option { return func(o *options) { o.openProbes = open } }

// WithClock replaces the clock that timestamps are checked against (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// DefaultReorderWindow is how late a reading may arrive (before its
// soldier's latest) and still be stored: see WithReorderWindow.
const DefaultReorderWindow = 10 * time.Second

// WithReorderWindow sets how far before a soldier's latest observation a
// late one is still inserted in time order (answered "late": true, not
// scored); 0 takes repeats only. Whole seconds count. Default
// DefaultReorderWindow.
func WithReorderWindow(d time.Duration) Option { return func(o *options) { o.reorder = d } }

// WithMaxFuture sets how far after the server clock a timestamp may lie
// (default DefaultMaxFuture).
func WithMaxFuture(d time.Duration) Option { return func(o *options) { o.maxFuture = d } }

// WithBodyLimit sets the largest request body in bytes (default
// DefaultBodyLimit).
func WithBodyLimit(n int) Option { return func(o *options) { o.bodyLimit = n } }

// WithMaxBatch sets the most observations of one batch (default
// DefaultMaxBatch).
func WithMaxBatch(n int) Option { return func(o *options) { o.maxBatch = n } }

// WithDefaultPhase sets the phase of an observation that names none when
// the server has no previous verdict for its soldier (default DefaultPhase).
func WithDefaultPhase(p engine.Phase) Option { return func(o *options) { o.phase = p } }

// WithDefaultAmbient sets the ambient temperature, °C, of an observation
// that names none (default DefaultAmbient).
func WithDefaultAmbient(c float64) Option { return func(o *options) { o.ambient = c } }

// WithWarmup sets the number of observations a new soldier needs before the
// scorer forecasts, reported in warming-up verdicts (see MeasureWarmup).
func WithWarmup(n int) Option { return func(o *options) { o.warmup = n } }

// WithModelInfo describes the scorer in /health and the metrics.
func WithModelInfo(m ModelInfo) Option { return func(o *options) { o.model = m } }

// WithStoreName names the online store in /health ("memory",
// "redis://127.0.0.1:6379/0"); leave passwords out.
func WithStoreName(name string) Option { return func(o *options) { o.storeName = name } }

// WithLogger sets the logger of errors, panics and warnings (default:
// discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithHeartbeat sets the interval of heartbeat comments on the alert stream
// (default DefaultHeartbeat).
func WithHeartbeat(d time.Duration) Option { return func(o *options) { o.heartbeat = d } }

// WithTimeouts sets the connection timeouts of Serve (default
// DefaultTimeouts).
func WithTimeouts(t Timeouts) Option { return func(o *options) { o.timeouts = t } }

// WithShutdownTimeout bounds the graceful shutdown of Serve (default
// DefaultShutdownTimeout); requests still running then are cut off.
func WithShutdownTimeout(d time.Duration) Option { return func(o *options) { o.shutdown = d } }

// WithReserved refuses observations and profiles for the soldiers for which
// reserved returns true, with 409 and why: the soldiers a built-in
// simulation drives.
func WithReserved(reserved func(engine.SoldierID) bool, why string) Option {
	return func(o *options) { o.reserved, o.reservedWhy = reserved, why }
}

// WithStoreTimeout bounds the store calls of /ready, /health and the
// soldiers-tracked metric (default 2 s).
func WithStoreTimeout(d time.Duration) Option { return func(o *options) { o.storeTimeout = d } }

// WithGroupCommit turns group commit of POST /predict on or off (default
// off): concurrent requests are ingested together, one store write and one
// window read for many soldiers, without waiting for a timer (see
// groupcommit.go). It pays with a remote store (Redis), where each Ingest
// costs round trips; with the in-memory store, where the cost is the
// scorer's CPU, requests ingested one by one use every core while a group
// is scored on one.
func WithGroupCommit(on bool) Option { return func(o *options) { o.groupCommit = on } }

// WithMaxConns caps the connections Serve serves at a time (default
// DefaultMaxConns). Beyond the cap a connection is not queued: a health
// check (GET or HEAD of /health or /ready) is served on one of a few
// reserved connections, anything else is answered 503 over_capacity with
// Retry-After: 1 and closed (see connlimit.go).
func WithMaxConns(n int) Option { return func(o *options) { o.maxConns = n } }

// WithCollectors adds metrics of the server's neighbours to /metrics: the
// offline store's writer, the alert sinks' queues and counters (ui/alertsink).
func WithCollectors(cs ...prometheus.Collector) Option {
	return func(o *options) { o.collectors = append(o.collectors, cs...) }
}
