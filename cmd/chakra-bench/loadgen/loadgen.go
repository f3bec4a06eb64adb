// Package loadgen drives POST /predict the way the prototype's client did:
// a fixed number of keep-alive connections, soldiers cycling, each soldier's
// timestamps increasing by one second per observation, for a bounded time.
// It reports requests per second, latency percentiles and errors.
//
// Each connection owns a fixed share of the soldiers (soldier i belongs to
// connection i mod conns), so a soldier's observations reach the server in
// order and none is refused as out of order. The client speaks HTTP/1.1
// directly over the connection with a pre-built request, so that on a
// machine where the generator and the server share the cores it takes as
// little CPU from the server as it can.
//
// With Config.Batch it drives POST /predict/batch instead, each request a
// tick of every soldier its connection owns, and reports verdicts per
// second besides requests.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes a load run.
type Config struct {
	URL      string        // base URL of the server, e.g. http://127.0.0.1:8000
	Conns    int           // concurrent keep-alive connections (default 16)
	Duration time.Duration // measured time (default 10 s)
	// Warmup runs before the measured time, unmeasured: connections open,
	// every soldier's first observation resynchronises its timestamp with
	// the server's, and the scorer warms up (default 2 s).
	Warmup   time.Duration
	Soldiers int    // soldiers cycling (default 100)
	FirstID  int    // id of the first soldier (default 1)
	Token    string // bearer token, if the server needs one
	Seed     uint64 // seed of the simulated readings
	// Start is the first timestamp, unix seconds (default: a week ago, so a
	// run of up to a week of observations per soldier stays in the past).
	Start int64
	// Prototype sends only the prototype's fields (soldier_id, heart_rate,
	// stamina, timestamp) instead of all four vitals.
	Prototype bool
	// Batch sends POST /predict/batch instead: each request carries one
	// observation of every soldier its connection owns, each at its next
	// timestamp — a tick (soldiers/conns items; --conns 1 --soldiers 100
	// sends ticks of 100).
	Batch bool
	// Requests, if positive, ends the run after this many measured
	// requests in all (Duration then only bounds a run that hangs, and
	// Result.Elapsed is the time they took).
	Requests int
}

func (c *Config) defaults() error {
	if c.Conns == 0 {
		c.Conns = 16
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.Soldiers == 0 {
		c.Soldiers = 100
	}
	if c.FirstID == 0 {
		c.FirstID = 1
	}
	if c.Start == 0 {
		c.Start = time.Now().Add(-7 * 24 * time.Hour).Unix()
	}
	switch {
	case c.Conns < 1:
		return fmt.Errorf("loadgen: %d connections (want ≥ 1)", c.Conns)
	case c.Soldiers < c.Conns:
		return fmt.Errorf("loadgen: %d soldiers for %d connections: each connection needs its own soldiers (want soldiers ≥ conns)", c.Soldiers, c.Conns)
	case c.Duration < 0 || c.Warmup < 0:
		return errors.New("loadgen: negative duration")
	case c.FirstID < 1:
		return fmt.Errorf("loadgen: first soldier id %d (want ≥ 1)", c.FirstID)
	}
	return nil
}

// Result is what a run measured.
type Result struct {
	Requests    uint64         // completed requests in the measured time
	Predictions uint64         // their verdicts: one per 200 of /predict, the accepted items of a batch
	Sent        uint64         // completed requests, warm-up included
	Errors      uint64         // responses other than 200, failed requests, refused batch items
	Refused     uint64         // items of batches answered 200 that the server refused (each with its error)
	Failed      uint64         // requests without a response (connection errors)
	Codes       map[int]uint64 // responses by status code
	WarmingUp   uint64         // measured verdicts still warming up
	Anomalies   uint64         // measured verdicts with "anomaly":true
	Elapsed     time.Duration  // measured time
	// Latency percentiles of the measured requests, from writing the request
	// to reading the end of the response.
	P50, P90, P99, Max time.Duration
	BodyBytes          float64 // mean response body size

	lat []int64 // the measured latencies, sorted, for Merge
}

// Merge combines runs against the same target (e.g. interleaved with runs
// against others) into one result, with percentiles over all requests.
func Merge(rs ...Result) Result {
	out := Result{Codes: map[int]uint64{}}
	var bytesSum float64
	for _, r := range rs {
		out.Requests += r.Requests
		out.Predictions += r.Predictions
		out.Refused += r.Refused
		out.Sent += r.Sent
		out.Errors += r.Errors
		out.Failed += r.Failed
		out.WarmingUp += r.WarmingUp
		out.Anomalies += r.Anomalies
		out.Elapsed += r.Elapsed
		bytesSum += r.BodyBytes * float64(len(r.lat))
		for c, n := range r.Codes {
			out.Codes[c] += n
		}
		out.lat = append(out.lat, r.lat...)
	}
	out.finish(bytesSum)
	return out
}

// finish sorts the latencies and sets the percentiles and mean body size.
func (r *Result) finish(bytesSum float64) {
	if len(r.lat) == 0 {
		return
	}
	slices.Sort(r.lat)
	pct := func(p float64) time.Duration {
		return time.Duration(r.lat[min(len(r.lat)-1, max(0, int(math.Ceil(p*float64(len(r.lat))))-1))])
	}
	r.P50, r.P90, r.P99, r.Max = pct(0.50), pct(0.90), pct(0.99), time.Duration(r.lat[len(r.lat)-1])
	r.BodyBytes = bytesSum / float64(len(r.lat))
}

// RPS returns the completed requests per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// PPS returns the verdicts per second.
func (r Result) PPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Predictions) / r.Elapsed.Seconds()
}

// Run drives the server for cfg.Warmup + cfg.Duration and returns what the
// measured part saw.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.defaults(); err != nil {
		return Result{}, err
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return Result{}, fmt.Errorf("loadgen: URL %q: want http://host:port", cfg.URL)
	}
	workers := make([]*worker, cfg.Conns)
	for w := range workers {
		workers[w] = newWorker(&cfg, u.Host, w)
	}
	// Phases: warm-up until measureAt, measure until stopAt.
	start := time.Now()
	measureAt := start.Add(cfg.Warmup)
	stopAt := measureAt.Add(cfg.Duration)
	ctx, cancel := context.WithDeadline(ctx, stopAt)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(workers))
	var left atomic.Int64 // measured requests still to send, with cfg.Requests
	left.Store(int64(cfg.Requests))
	for i, w := range workers {
		w.left = &left
		wg.Go(func() { errs[i] = w.run(ctx, measureAt, stopAt) })
	}
	wg.Wait()
	end := time.Now()
	if err := errors.Join(errs...); err != nil {
		return Result{}, err
	}
	rs := make([]Result, len(workers))
	for i, w := range workers {
		rs[i] = w.result()
	}
	res := Merge(rs...)
	res.Elapsed = cfg.Duration // the workers ran at the same time
	if cfg.Requests > 0 {
		res.Elapsed = end.Sub(measureAt)
	}
	return res, nil
}

// result is what the worker measured, as a Result without its Elapsed.
func (w *worker) result() Result {
	r := Result{Requests: w.n, Predictions: w.predictions, Refused: w.refused, Sent: w.all, Failed: w.failed,
		Errors: w.failed + w.refused, Codes: w.codes, WarmingUp: w.warming, Anomalies: w.anomalies, lat: w.lat}
	for code, n := range w.codes {
		if code != 200 {
			r.Errors += n
		}
	}
	if len(w.lat) > 0 {
		r.BodyBytes = float64(w.bodyBytes) / float64(len(w.lat))
	}
	return r
}

// soldier is the simulated state of one soldier a worker drives.
type soldier struct {
	id     int
	ts     int64
	synced bool    // the server accepted a timestamp of ours
	phase  float64 // offset of the soldier's slow cycles, radians
	hr     float64 // heart rate before noise and spikes
	spike  int     // remaining requests of a tachycardia spike
}

// worker owns one connection and its soldiers.
type worker struct {
	cfg      *Config
	host     string
	soldiers []soldier
	next     int
	rng      *rand.Rand

	left     *atomic.Int64 // with Config.Requests: measured requests still to send
	resynced int           // soldiers the last batch resynchronised

	conn net.Conn
	br   *bufio.Reader
	req  []byte
	body []byte
	resp []byte

	n, all, failed, warming, anomalies, bodyBytes, predictions, refused uint64
	codes                                                               map[int]uint64
	lat                                                                 []int64
}

func newWorker(cfg *Config, host string, w int) *worker {
	wk := &worker{cfg: cfg, host: host, codes: map[int]uint64{},
		rng: rand.New(rand.NewPCG(cfg.Seed, uint64(w)+1))}
	for i := w; i < cfg.Soldiers; i += cfg.Conns {
		wk.soldiers = append(wk.soldiers, soldier{id: cfg.FirstID + i, ts: cfg.Start,
			phase: 2 * math.Pi * float64(i) / float64(cfg.Soldiers), hr: 80 + 4.6*wk.rng.NormFloat64()})
	}
	wk.lat = make([]int64, 0, 1<<15)
	return wk
}

func (w *worker) run(ctx context.Context, measureAt, stopAt time.Time) error {
	defer w.close()
	for ctx.Err() == nil {
		s := w.nextRequest()
		t0 := time.Now()
		counted := w.cfg.Requests > 0 && !t0.Before(measureAt)
		if counted && w.left.Add(-1) < 0 {
			// The others are sending the rest. Give the slot back: one of
			// theirs may turn out a resynchronisation and need it.
			w.left.Add(1)
			return nil
		}
		code, body, err := w.do(ctx)
		t1 := time.Now()
		measured := !t0.Before(measureAt) && (counted || !t1.After(stopAt))
		if err == nil {
			w.all++
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			w.failedRequest(ctx, err, counted, measured)
			continue
		}
		verdicts, refused, skip := w.advance(s, code, body, counted)
		if skip {
			continue
		}
		if measured {
			w.tally(code, body, t1.Sub(t0), verdicts, refused)
		}
	}
	return nil
}

// nextRequest builds the next request into w.req: the batch of all the
// worker's soldiers, or the next soldier's row (returned) in turn.
func (w *worker) nextRequest() *soldier {
	if w.cfg.Batch {
		w.buildBatch()
		return nil
	}
	s := &w.soldiers[w.next]
	w.next = (w.next + 1) % len(w.soldiers)
	w.build(s)
	return s
}

// failedRequest handles a request that got no response (err): it gives
// back a counted request's slot, counts a measured one as failed, drops
// the connection and, if the server cannot be reached, waits a little
// (until ctx ends) instead of spinning.
func (w *worker) failedRequest(ctx context.Context, err error, counted, measured bool) {
	if counted {
		w.left.Add(1) // not sent: someone sends it again
	}
	if measured {
		w.failed++
	}
	w.close()
	if errors.Is(err, errDial) {
		// The server is gone or refusing: do not spin.
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// advance moves the soldiers (s; nil for a batch) on by the response
// (code, body) and returns the verdicts and refused rows it carries. skip
// is true for a resynchronisation, not a request to measure: a soldier's,
// or a batch that resynchronised some soldiers when it was counted; a
// counted request's slot is then given back.
func (w *worker) advance(s *soldier, code int, body []byte, counted bool) (verdicts, refused uint64, skip bool) {
	if w.cfg.Batch {
		verdicts, refused = w.advanceBatch(code, body)
		if counted && w.resynced > 0 {
			w.left.Add(1) // a resynchronisation, not a measured request
			return verdicts, refused, true
		}
		return verdicts, refused, false
	}
	if code == 409 && !s.synced && s.resync(body) {
		if counted {
			w.left.Add(1) // a resynchronisation, not a measured request
		}
		return 0, 0, true
	}
	if code == 200 {
		s.synced = true
		s.ts++
		verdicts = 1
	}
	return verdicts, 0, false
}

// tally counts a measured response: its status, latency lat and size and,
// for a 200, its verdicts, refused rows, warming-up states and anomalies.
func (w *worker) tally(code int, body []byte, lat time.Duration, verdicts, refused uint64) {
	w.n++
	w.codes[code]++
	w.lat = append(w.lat, int64(lat))
	w.bodyBytes += uint64(len(body))
	if code == 200 {
		w.predictions += verdicts
		w.refused += refused
		w.warming += uint64(bytes.Count(body, []byte(`"state":"warming_up"`)))
		w.anomalies += uint64(bytes.Count(body, []byte(`"anomaly":true`)))
	}
}

// resync moves a soldier the server refused as out of order, and that the
// server has seen before, after the server's latest timestamp (from the 409
// body); it reports whether it did.
func (s *soldier) resync(body []byte) bool {
	latest, ok := jsonInt(body, `"latest":`)
	if ok {
		s.ts = latest + 1
	}
	return ok
}

// advanceBatch moves each soldier of the batch just answered on: one second
// for an accepted item, after the server's latest for an item refused as
// out of order before the soldier was in step. Items are found by their
// "index" (the soldier's place in the batch). It returns how many items
// were accepted and how many refused.
func (w *worker) advanceBatch(code int, body []byte) (accepted, refused uint64) {
	w.resynced = 0
	if code != 200 {
		return 0, 0
	}
	marker := []byte(`{"index":`)
	for rest := body; ; {
		i := bytes.Index(rest, marker)
		if i < 0 {
			return accepted, refused
		}
		rest = rest[i+len(marker):]
		item := rest
		if j := bytes.Index(rest, marker); j >= 0 {
			item = rest[:j]
		}
		n := 0
		for n < len(item) && '0' <= item[n] && item[n] <= '9' {
			n++
		}
		idx, err := strconv.Atoi(string(item[:n]))
		if err != nil || idx >= len(w.soldiers) {
			continue
		}
		s := &w.soldiers[idx]
		if bytes.HasPrefix(item[n:], []byte(`,"status":200`)) {
			s.synced = true
			s.ts++
			accepted++
			continue
		}
		refused++
		if !s.synced && bytes.Contains(item, []byte(`"code":"out_of_order"`)) && s.resync(item) {
			w.resynced++
		}
	}
}

// build writes the next request for soldier s into w.req.
func (w *worker) build(s *soldier) {
	w.body = w.appendObservation(w.body[:0], s)
	w.frame("/predict")
}

// buildBatch writes a POST /predict/batch of every soldier of the worker,
// each at its next timestamp, into w.req.
func (w *worker) buildBatch() {
	b := append(w.body[:0], '[')
	for i := range w.soldiers {
		if i > 0 {
			b = append(b, ',')
		}
		b = w.appendObservation(b, &w.soldiers[i])
	}
	w.body = append(b, ']')
	w.frame("/predict/batch")
}

// appendObservation appends the JSON of soldier s's next observation.
func (w *worker) appendObservation(b []byte, s *soldier) []byte {
	// Readings. Slow parts are functions of the timestamp, so a later run
	// against the same server continues each soldier's series without a
	// jump: stamina cycles between 51 and 99 over two hours, core
	// temperature ±0.15 °C over three. The heart rate wanders around 80
	// bpm (AR(1), sd ≈ 4.6 bpm) with occasional tachycardia spikes to ~190
	// bpm for 20 observations (the prototype's example anomaly).
	if s.spike > 0 {
		s.spike--
	} else if w.rng.Float64() < 0.001 {
		s.spike = 20
	}
	s.hr += 0.1*(80-s.hr) + 2*w.rng.NormFloat64()
	hr := s.hr
	if s.spike > 0 {
		hr = 185 + 5*w.rng.Float64()
	}
	t := float64(s.ts)
	sta := 75 + 24*math.Sin(2*math.Pi*t/7200+s.phase)
	tc := 37.3 + 0.15*math.Sin(2*math.Pi*t/10800+s.phase)
	b = append(b, `{"soldier_id":`...)
	b = strconv.AppendInt(b, int64(s.id), 10)
	b = append(b, `,"heart_rate":`...)
	b = strconv.AppendFloat(b, math.Round(hr), 'f', -1, 64)
	b = append(b, `,"stamina":`...)
	b = strconv.AppendFloat(b, math.Round(sta*10)/10, 'f', -1, 64)
	if !w.cfg.Prototype {
		b = append(b, `,"core_temp":`...)
		b = strconv.AppendFloat(b, math.Round(tc*100)/100, 'f', -1, 64)
		b = append(b, `,"spo2":`...)
		b = strconv.AppendFloat(b, math.Round(97.6+0.3*w.rng.NormFloat64()), 'f', -1, 64)
	}
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, s.ts, 10)
	return append(b, '}')
}

// frame writes the HTTP request carrying w.body to path into w.req.
func (w *worker) frame(path string) {
	r := append(w.req[:0], "POST "...)
	r = append(r, path...)
	r = append(r, " HTTP/1.1\r\nHost: "...)
	r = append(r, w.host...)
	r = append(r, "\r\nUser-Agent: chakra-loadgen\r\nContent-Type: application/json\r\n"...)
	if w.cfg.Token != "" {
		r = append(r, "Authorization: Bearer "...)
		r = append(r, w.cfg.Token...)
		r = append(r, "\r\n"...)
	}
	r = append(r, "Content-Length: "...)
	r = strconv.AppendInt(r, int64(len(w.body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, w.body...)
	w.req = r
}

var errDial = errors.New("dial")

// do sends w.req and reads the response; body is valid until the next do.
func (w *worker) do(ctx context.Context) (code int, body []byte, err error) {
	if w.conn == nil {
		d := net.Dialer{Timeout: 2 * time.Second}
		c, err := d.DialContext(ctx, "tcp", w.host)
		if err != nil {
			return 0, nil, fmt.Errorf("%w: %w", errDial, err)
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		w.conn = c
		w.br = bufio.NewReaderSize(c, 16<<10)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = w.conn.SetDeadline(dl.Add(2 * time.Second))
	}
	if _, err := w.conn.Write(w.req); err != nil {
		return 0, nil, err
	}
	return w.readResponse()
}

// readResponse parses an HTTP/1.1 response with a Content-Length or a
// chunked body.
func (w *worker) readResponse() (int, []byte, error) {
	line, err := w.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil || code < 100 {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	h, err := w.readHeader()
	if err != nil {
		return 0, nil, err
	}
	w.resp = w.resp[:0]
	switch {
	case h.chunked:
		if err := w.readChunked(); err != nil {
			return 0, nil, err
		}
	case h.length >= 0:
		if w.resp, err = readN(w.br, w.resp, h.length); err != nil {
			return 0, nil, err
		}
	default:
		return 0, nil, errors.New("response without Content-Length")
	}
	if h.closeAfter {
		w.close()
	}
	return code, w.resp, nil
}

// respHeader is what the load generator needs of a response's header.
type respHeader struct {
	length     int  // Content-Length; -1: none
	chunked    bool // Transfer-Encoding: chunked
	closeAfter bool // Connection: close
}

// readHeader reads a response's header fields up to the empty line.
func (w *worker) readHeader() (respHeader, error) {
	rh := respHeader{length: -1}
	for {
		h, err := w.br.ReadSlice('\n')
		if err != nil {
			return rh, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			return rh, nil
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "Content-Length"):
			if rh.length, err = strconv.Atoi(string(v)); err != nil {
				return rh, fmt.Errorf("bad Content-Length %q", v)
			}
		case asciiEqualFold(k, "Transfer-Encoding"):
			rh.chunked = asciiEqualFold(v, "chunked")
		case asciiEqualFold(k, "Connection"):
			rh.closeAfter = asciiEqualFold(v, "close")
		}
	}
}

// readChunked appends a chunked body to w.resp, reading the chunks and the
// trailers after the last one.
func (w *worker) readChunked() error {
	for {
		l, err := w.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		l = bytes.TrimRight(l, "\r\n")
		if i := bytes.IndexByte(l, ';'); i >= 0 {
			l = l[:i]
		}
		n, err := strconv.ParseInt(string(l), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad chunk size %q", l)
		}
		if n == 0 {
			for { // trailers
				t, err := w.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if w.resp, err = readN(w.br, w.resp, int(n)); err != nil {
			return err
		}
		if _, err := w.br.Discard(2); err != nil {
			return err
		}
	}
}

// maxResponse bounds a response body (a batch of 1000 verdicts is ≈ 1.7 MB).
const maxResponse = 16 << 20

// readN appends n bytes of r to dst, refusing bodies over maxResponse.
func readN(r io.Reader, dst []byte, n int) ([]byte, error) {
	l := len(dst)
	if n < 0 || n > maxResponse-l {
		return dst, fmt.Errorf("response body over %d bytes", maxResponse)
	}
	dst = slices.Grow(dst, n)[:l+n]
	_, err := io.ReadFull(r, dst[l:])
	return dst, err
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c, d := b[i], s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

func (w *worker) close() {
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn, w.br = nil, nil
	}
}

// jsonInt finds key (with its quotes and colon) in a flat JSON body and
// parses the integer after it.
func jsonInt(body []byte, key string) (int64, bool) {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := body[i+len(key):]
	j := 0
	for j < len(rest) && (rest[j] == '-' || ('0' <= rest[j] && rest[j] <= '9')) {
		j++
	}
	v, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	return v, err == nil
}

// Table formats results side by side: one row per named run.
func Table(w io.Writer, names []string, results []Result) {
	fmt.Fprintf(w, "%-22s %10s %9s %9s %9s %9s %8s %8s %8s\n", "target", "req/s", "p50", "p90", "p99", "max", "errors", "warming", "bytes")
	for i, r := range results {
		fmt.Fprintf(w, "%-22s %10.0f %9s %9s %9s %9s %8d %8d %8.0f\n", names[i], r.RPS(),
			round(r.P50), round(r.P90), round(r.P99), round(r.Max), r.Errors, r.WarmingUp, r.BodyBytes)
	}
}

func round(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
