package alertsink

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// Defaults of a Hub.
const (
	// DefaultQueue is how many alerts each sink holds while it cannot
	// deliver them; past it the oldest are dropped (and counted).
	DefaultQueue = 10_000
	// DefaultResend is how often open alerts are posted to Alertmanager
	// again: well under its default resolve_timeout (5m), as Prometheus's
	// own resend delay.
	DefaultResend = time.Minute
	// DefaultPoll is how often Alertmanager's silences are read.
	DefaultPoll = 10 * time.Second
	// DefaultSilence is how long the silence an acknowledgement makes lasts.
	DefaultSilence = time.Hour
	// DefaultFlush bounds how long Close keeps delivering what is queued.
	DefaultFlush = 2 * time.Second
	// minBackoff and maxBackoff bound the wait between failed attempts
	// (doubling from the one to the other).
	minBackoff = 250 * time.Millisecond
	maxBackoff = 30 * time.Second
	// maxPollBackoff bounds the wait between failed silence polls.
	maxPollBackoff = 5 * time.Minute
)

type options struct {
	alertmanager    string
	webhook, secret string
	queue           int
	resend, poll    time.Duration
	silence         time.Duration
	flush           time.Duration
	backoff         [2]time.Duration
	link            string
	squad           func(engine.SoldierID) int
	scorer          string
	clock           Clock
	client          *http.Client
	log             *slog.Logger
}

func defaultOptions() options {
	return options{queue: DefaultQueue, resend: DefaultResend, poll: DefaultPoll, silence: DefaultSilence,
		flush: DefaultFlush, backoff: [2]time.Duration{minBackoff, maxBackoff},
		squad: func(engine.SoldierID) int { return -1 },
		clock: wallClock{}, client: &http.Client{Timeout: 10 * time.Second},
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// Option configures a Hub.
type Option func(*options)

// WithAlertmanager delivers alerts to the Alertmanager at url (its base,
// e.g. http://127.0.0.1:9093; the v2 API is under it).
func WithAlertmanager(url string) Option { return func(o *options) { o.alertmanager = url } }

// WithWebhook posts each alert opening to url, signed with secret (an empty
// secret sends no signature).
func WithWebhook(url, secret string) Option {
	return func(o *options) { o.webhook, o.secret = url, secret }
}

// WithQueue sets how many alerts each sink holds while it cannot deliver
// (default DefaultQueue).
func WithQueue(n int) Option { return func(o *options) { o.queue = n } }

// WithResend sets how often open alerts are posted to Alertmanager again
// (default DefaultResend); keep it well under Alertmanager's
// resolve_timeout.
func WithResend(d time.Duration) Option { return func(o *options) { o.resend = d } }

// WithPoll sets how often Alertmanager's silences are read (default
// DefaultPoll).
func WithPoll(d time.Duration) Option { return func(o *options) { o.poll = d } }

// WithSilence sets how long an acknowledgement's silence lasts (default
// DefaultSilence).
func WithSilence(d time.Duration) Option { return func(o *options) { o.silence = d } }

// WithFlush bounds how long Close keeps delivering queued alerts (default
// DefaultFlush).
func WithFlush(d time.Duration) Option { return func(o *options) { o.flush = d } }

// WithBackoff sets the first and the longest wait between failed
// deliveries (default 250 ms doubling to 30 s).
func WithBackoff(first, longest time.Duration) Option {
	return func(o *options) { o.backoff = [2]time.Duration{first, longest} }
}

// WithLinkBase links every alert to base + "/soldiers/{id}" (the HTTP
// server's address); empty: no link.
func WithLinkBase(base string) Option { return func(o *options) { o.link = base } }

// WithSquad names each soldier's squad (0-based; −1: unknown, no label).
func WithSquad(f func(engine.SoldierID) int) Option { return func(o *options) { o.squad = f } }

// WithScorer names the detector in the webhook's JSON (as /alerts does).
func WithScorer(name string) Option { return func(o *options) { o.scorer = name } }

// WithClock replaces the wall clock (tests).
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithHTTPClient sets the client of every request (default: a 10 s
// timeout).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithLogger sets the logger of delivery failures (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }
