package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Server is the HTTP API over a monitor. It is an http.Handler; Serve runs
// it with timeouts and graceful shutdown. It is safe for concurrent use.
type Server struct {
	m       *monitor.Monitor
	o       options
	met     *metrics
	promh   http.Handler
	extras  verdictExtras
	started time.Time

	done     chan struct{} // closed when the server starts shutting down
	doneOnce sync.Once
	closing  atomic.Bool
	inflight atomic.Int64 // requests being served, alert streams aside
	storeOK  atomic.Bool  // false after a store-unavailable error, until the next success

	pool   sync.Pool  // *reqState
	commit *committer // nil without group commit
	stream StreamStats

	tracked struct {
		mu sync.Mutex
		at time.Time
		n  float64
	}
}

// New returns the HTTP API over m. The server does not own m: closing the
// monitor and its store stays with the caller.
func New(m *monitor.Monitor, opts ...Option) (*Server, error) {
	if m == nil {
		return nil, errors.New("httpapi: nil monitor")
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case o.bodyLimit < 64:
		return nil, fmt.Errorf("httpapi: body limit %d bytes (want ≥ 64)", o.bodyLimit)
	case o.maxBatch < 1:
		return nil, fmt.Errorf("httpapi: batch limit %d (want ≥ 1)", o.maxBatch)
	case o.maxConns < 1:
		return nil, fmt.Errorf("httpapi: connection limit %d (want ≥ 1)", o.maxConns)
	case o.reorder < 0:
		return nil, fmt.Errorf("httpapi: reorder window %v is negative", o.reorder)
	case o.maxFuture < 0:
		return nil, fmt.Errorf("httpapi: max future %v is negative", o.maxFuture)
	case o.heartbeat <= 0:
		return nil, fmt.Errorf("httpapi: heartbeat %v (want > 0)", o.heartbeat)
	case o.phase >= engine.NumPhases:
		return nil, fmt.Errorf("httpapi: default phase %d does not exist", o.phase)
	case !ambientRange.Contains(o.ambient):
		return nil, fmt.Errorf("httpapi: default ambient %g °C outside %g–%g", o.ambient, ambientRange.Min, ambientRange.Max)
	case o.now == nil || o.log == nil:
		return nil, errors.New("httpapi: nil clock or logger")
	}
	if o.model.Scorer == "" {
		o.model.Scorer = m.Scorer().Name()
	}
	s := &Server{m: m, o: o, started: o.now(), done: make(chan struct{}),
		extras: verdictExtras{scorer: o.model.Scorer, warmup: o.warmup, seen: m.Seen}}
	s.storeOK.Store(true)
	s.stream.s = s
	s.met = newMetrics(s)
	for _, c := range o.collectors {
		if err := s.met.reg.Register(c); err != nil {
			return nil, fmt.Errorf("httpapi: metrics: %w", err)
		}
	}
	s.promh = promhttp.HandlerFor(s.met.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(o.log.Handler(), slog.LevelError), Registry: s.met.reg})
	s.pool.New = func() any { return &reqState{} }
	if o.groupCommit {
		s.commit = &committer{
			ingest: func(obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error) {
				return s.Ingest(ingestContext, obs, dst)
			},
			onPanic: func(p any, stack []byte) {
				s.o.log.Error("panic ingesting observations", "panic", p, "stack", string(stack))
			},
		}
	}
	return s, nil
}

// reqState holds the reusable buffers of one request.
type reqState struct {
	sw    statusWriter
	body  []byte
	out   []byte
	lex   lexer
	f     obsFields
	obs   []engine.Observation
	vs    []detector.Verdict
	items []batchItem
	pend  pending
}

// Buffers larger than these are dropped after a request rather than kept
// in the pool, so one large batch does not pin memory; a batch of a tick of
// up to 256 soldiers (a response of ≈ 430 KB, verdicts of 1.1 KB each)
// keeps its buffers for the next.
const (
	keepBytes = 512 << 10
	keepRows  = 256
)

func (s *Server) release(rs *reqState) {
	rs.sw = statusWriter{}
	if cap(rs.body) > keepBytes {
		rs.body = nil
	}
	if cap(rs.out) > keepBytes {
		rs.out = nil
	}
	if cap(rs.lex.sbuf) > keepBytes {
		rs.lex.sbuf = nil
	}
	rs.lex.b = nil
	if cap(rs.obs) > keepRows {
		rs.obs = nil
	}
	if cap(rs.vs) > keepRows {
		rs.vs = nil
	}
	if cap(rs.items) > keepRows {
		rs.items = nil
	}
	rs.pend.verdict = detector.Verdict{}
	s.pool.Put(rs)
}

// statusWriter records the status of a response for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client (alert streams).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func routeOf(path string) route {
	switch path {
	case "/predict":
		return routePredict
	case "/predict/batch":
		return routeBatch
	case "/health":
		return routeHealth
	case "/ready":
		return routeReady
	case "/metrics":
		return routeMetrics
	case "/alerts":
		return routeAlerts
	}
	if strings.HasPrefix(path, "/soldiers/") {
		return routeSoldier
	}
	return routeOther
}

// ServeHTTP routes a request. A panic in a handler is logged with its stack
// and answered with 500 "internal error"; the server keeps running.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rs := s.pool.Get().(*reqState)
	rs.sw = statusWriter{ResponseWriter: w}
	rt := routeOf(r.URL.Path)
	defer s.finish(r, rs, rt, start)
	w = &rs.sw
	if rt != routeAlerts {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		// The read deadline of the whole request, set here rather than as
		// http.Server.ReadTimeout so that a body too slow to arrive gets a
		// 408 rather than a silently closed connection. Alert streams read
		// nothing and have none.
		if d, ok := rs.sw.ResponseWriter.(interface{ SetReadDeadline(time.Time) error }); ok && s.o.timeouts.Read > 0 {
			_ = d.SetReadDeadline(start.Add(s.o.timeouts.Read))
			// The answer may be written until Write after the body's
			// deadline: with http.Server.WriteTimeout alone (counted from
			// the headers, like the read deadline) a 408 for a body that
			// used its whole read time could not be written.
			if d, ok := rs.sw.ResponseWriter.(interface{ SetWriteDeadline(time.Time) error }); ok && s.o.timeouts.Write > 0 {
				_ = d.SetWriteDeadline(start.Add(s.o.timeouts.Read + s.o.timeouts.Write))
			}
		}
	}
	if s.turnedAway(w, r, rs, rt) {
		return
	}
	s.dispatch(w, r, rs, rt)
}

// finish ends a request begun at start, deferred by ServeHTTP: it answers
// a handler's panic with 500 (http.ErrAbortHandler goes on up), counts the
// request in the metrics and puts rs back in the pool.
func (s *Server) finish(r *http.Request, rs *reqState, rt route, start time.Time) {
	if p := recover(); p != nil {
		if p == http.ErrAbortHandler {
			panic(p)
		}
		s.o.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
		if rs.sw.code == 0 {
			s.writeError(&rs.sw, rs, &apiError{status: http.StatusInternalServerError, code: codeInternal, msg: internalErrorString})
		}
	}
	code := rs.sw.code
	if code == 0 {
		code = http.StatusOK
	}
	s.met.request(rt, code, time.Since(start))
	s.release(rs)
}

// turnedAway answers the requests refused before routing and reports
// whether it did: anything but a health check on a connection let in over
// the cap (503), and a request without the bearer token when one is set
// (401).
func (s *Server) turnedAway(w http.ResponseWriter, r *http.Request, rs *reqState, rt route) bool {
	if onProbeConn(r.Context()) {
		// A connection let in over the cap for a health check: one probe,
		// then closed.
		w.Header().Set("Connection", "close")
		if rt != routeHealth && rt != routeReady {
			w.Header().Set("Retry-After", "1")
			s.writeError(w, rs, &apiError{status: http.StatusServiceUnavailable, code: codeOverCapacity,
				msg: "the server is at its connection limit; retry shortly"})
			return true
		}
	}
	if s.o.token != "" && !s.openProbe(r, rt) && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chakra-tui"`)
		s.writeError(w, rs, newError(http.StatusUnauthorized, codeUnauthorized, "",
			"this server requires the header Authorization: Bearer <token> (see --token)"))
		return true
	}
	return false
}

// dispatch hands the request to the handler of route rt once its method is
// allowed; an unknown path gets 404 with the list of endpoints.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, rs *reqState, rt route) {
	switch rt {
	case routePredict:
		if s.allow(w, r, rs, "POST") {
			s.predict(w, r, rs)
		}
	case routeBatch:
		if s.allow(w, r, rs, "POST") {
			s.predictBatch(w, r, rs)
		}
	case routeHealth:
		if s.allow(w, r, rs, "GET", "HEAD") {
			s.health(w, r, rs)
		}
	case routeReady:
		if s.allow(w, r, rs, "GET", "HEAD") {
			s.ready(w, r, rs)
		}
	case routeMetrics:
		if s.allow(w, r, rs, "GET", "HEAD") {
			s.promh.ServeHTTP(w, r)
		}
	case routeAlerts:
		if s.allow(w, r, rs, "GET") {
			s.alerts(w, r)
		}
	case routeSoldier:
		if s.allow(w, r, rs, "GET", "HEAD", "PUT") {
			s.soldier(w, r, rs)
		}
	default:
		s.writeError(w, rs, &apiError{status: http.StatusNotFound, code: codeNotFound,
			msg: "no endpoint " + strconv.Quote(r.URL.Path) + "; the API has /predict, /predict/batch, /soldiers/{id}, /alerts, /health, /ready, /metrics"})
	}
}

// allow answers 405 with an Allow header unless the method is one of
// methods.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, rs *reqState, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	list := strings.Join(methods, ", ")
	w.Header().Set("Allow", list)
	s.writeError(w, rs, &apiError{status: http.StatusMethodNotAllowed, code: codeMethod,
		msg: "method " + strconv.Quote(r.Method) + " not allowed on " + r.URL.Path + " (allowed: " + list + ")"})
	return false
}

// openProbe reports whether r is a health check let through without the
// token (WithOpenProbes).
func (s *Server) openProbe(r *http.Request, rt route) bool {
	return s.o.openProbes && (rt == routeHealth || rt == routeReady) && (r.Method == http.MethodGet || r.Method == http.MethodHead)
}

// authorized checks the bearer token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(prefix):]), []byte(s.o.token)) == 1
}

var (
	jsonContentType = []string{"application/json"}
	noCache         = []string{"no-store"}
)

// contentLengths caches the Content-Length header values of small bodies,
// which are most responses, so setting the header does not allocate.
var contentLengths [16 << 10]atomic.Pointer[[]string]

func contentLength(n int) []string {
	if n >= len(contentLengths) {
		return []string{strconv.Itoa(n)}
	}
	if p := contentLengths[n].Load(); p != nil {
		return *p
	}
	v := []string{strconv.Itoa(n)}
	contentLengths[n].Store(&v)
	return v
}

// writeJSON writes a complete JSON response.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = contentLength(len(body))
	h["Cache-Control"] = noCache
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes e as a JSON error body.
func (s *Server) writeError(w http.ResponseWriter, rs *reqState, e *apiError) {
	rs.out = appendError(rs.out[:0], e)
	writeJSON(w, e.status, rs.out)
}

// fail maps a pipeline error to its response and logs what a client is not
// told.
func (s *Server) fail(w http.ResponseWriter, rs *reqState, err error) {
	e, internal := toAPIError(err)
	if internal {
		s.logInternal(err, e)
	}
	s.writeError(w, rs, e)
}

// logInternal logs an error a client sees only as a code. Store outages
// are logged when they start, not once per request.
func (s *Server) logInternal(err error, e *apiError) {
	if e.code == codeUnavailable {
		if s.storeOK.CompareAndSwap(true, false) {
			s.o.log.Error("feature store unavailable; answering 503 until it returns", "err", err)
		}
		return
	}
	s.o.log.Error("request failed", "code", e.code, "err", err)
}

// storeBack notes a successful store call after an outage.
func (s *Server) storeBack() {
	if !s.storeOK.Load() && s.storeOK.CompareAndSwap(false, true) {
		s.o.log.Info("feature store reachable again")
	}
}

// isJSON reports whether a Content-Type names application/json.
func isJSON(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.EqualFold(strings.TrimSpace(ct), "application/json")
}

// readBody reads a JSON body into rs.body, enforcing the media type and the
// size limit.
func (s *Server) readBody(r *http.Request, rs *reqState) *apiError {
	return readJSONBody(r, rs, s.o.bodyLimit)
}

// Body buffers start at minBody bytes and double as bytes arrive, up to
// the limit: a declared Content-Length is checked against the limit but
// never allocated ahead of the bytes, so a client that declares 1 MiB and
// sends one byte costs 4 KiB, not 1 MiB.
const minBody = 4 << 10

// readJSONBody reads a JSON body of at most limit bytes into rs.body,
// which grows with what actually arrives. A body still arriving at the
// read deadline is answered 408.
func readJSONBody(r *http.Request, rs *reqState, limit int) *apiError {
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		return &apiError{status: http.StatusUnsupportedMediaType, code: codeMediaType,
			msg: "Content-Type must be application/json (got " + strconv.Quote(ct) + ")"}
	}
	tooLarge := func() *apiError {
		return newError(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "", "the body exceeds the limit of %d bytes", limit)
	}
	if r.ContentLength > int64(limit) {
		return tooLarge()
	}
	b := rs.body[:0]
	if cap(b) < minBody {
		b = make([]byte, 0, minBody)
	}
	for {
		if len(b) == cap(b) {
			b = growBody(b, limit)
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > limit {
			rs.body = b
			return tooLarge()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			rs.body = b
			var mbe *http.MaxBytesError
			var ne net.Error
			switch {
			case errors.As(err, &mbe):
				return tooLarge()
			case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
				return newError(http.StatusRequestTimeout, codeRequestTimeout, "",
					"the body did not arrive within the read timeout (%d of %s bytes came); nothing was written", len(b), declared(r))
			}
			return newError(http.StatusBadRequest, codeInvalidJSON, "", "could not read the body: %v", err)
		}
	}
	rs.body = b
	return nil
}

// growBody doubles the capacity of a full body buffer, to at most one byte
// past limit (so that a body over the limit is seen).
func growBody(b []byte, limit int) []byte {
	n := min(2*cap(b), limit+1)
	if n <= cap(b) {
		n = cap(b) + 1
	}
	nb := make([]byte, len(b), n)
	copy(nb, b)
	return nb
}

func declared(r *http.Request) string {
	if r.ContentLength < 0 {
		return "an unknown number of"
	}
	return strconv.FormatInt(r.ContentLength, 10)
}

// Registry-facing helpers.

// RegisterMetrics adds collectors to the server's /metrics (the built-in
// battlefield's tick lag, say).
func (s *Server) RegisterMetrics(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := s.met.reg.Register(c); err != nil {
			return fmt.Errorf("httpapi: register metrics: %w", err)
		}
	}
	return nil
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s }

// Ingest runs observations through the monitor like POST /predict/batch
// does for one tick, counting the verdicts in the metrics: the built-in
// simulation feeds its frames here.
//
// It is the one place where observations enter scoring: POST /predict
// (directly or through group commit), /predict/batch, the built-in
// battlefield, the Kafka stream (ObserveJSON) and a late reading found to
// be new (answerLate) all come through here. (Late readings stored
// unscored and repeats go through answerLate's WriteLate instead.)
func (s *Server) Ingest(ctx context.Context, obs []engine.Observation, dst []detector.Verdict) ([]detector.Verdict, error) {
	n0 := len(dst)
	dst, err := s.m.Ingest(ctx, obs, dst)
	if err != nil {
		s.met.storeError(err)
		return dst, err
	}
	s.storeBack()
	s.met.countVerdicts(dst[n0:])
	return dst, nil
}

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully:
// it stops accepting, ends alert streams, lets in-flight requests finish
// for up to the shutdown timeout, then closes what is left. It returns nil
// after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	t := s.o.timeouts
	idle := t.Idle
	if idle == 0 {
		idle = t.Read // what http.Server would do with ReadTimeout set
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: t.ReadHeader,
		// No ReadTimeout: ServeHTTP sets the read deadline of each request
		// (t.Read from the end of its headers) so that it can answer 408.
		WriteTimeout:   t.Write,
		IdleTimeout:    idle,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.o.log.Handler(), slog.LevelWarn),
		ConnContext:    connContext,
	}
	hs.RegisterOnShutdown(s.Drain)
	lim := newLimitListener(ln, s.o.maxConns)
	defer lim.wait()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(lim) }()
	select {
	case err := <-errc:
		s.Drain()
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.closing.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), s.o.shutdown)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		cut := s.inflight.Load()
		_ = hs.Close()
		err = fmt.Errorf("shut down http within %v: %d request(s) still running were cut off, their answers lost: %w", s.o.shutdown, cut, err)
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("serve http: %w", serr)
	}
	return err
}

// Drain marks the server as shutting down: /ready answers 503 and alert
// streams end. Serve calls it; call it yourself when the server runs under
// another http.Server.
func (s *Server) Drain() {
	s.closing.Store(true)
	s.doneOnce.Do(func() { close(s.done) })
}
