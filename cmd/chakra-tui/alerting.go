package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui"
	"github.com/chakra-tui/chakra-tui/ui/alertsink"
)

// alertFlags are the flags of the alert sinks, in every mode that scores
// (dashboard, text mode, --headless, --ssh).
type alertFlags struct {
	alertmanager, webhook, secret, operator string
	queue                                   int
	resend, poll, silence                   time.Duration
}

// addAlertFlags defines the alert sinks' flags on c.
func addAlertFlags(c *command) *alertFlags {
	f := &alertFlags{}
	fs := c.fs
	fs.StringVar(&f.alertmanager, "alertmanager", "", "post every alert to this Prometheus Alertmanager (v2 API): opened, kept open, resolved; acknowledgements become silences and silences show as acknowledged")
	c.example("alertmanager", "http://127.0.0.1:9093")
	fs.StringVar(&f.webhook, "alert-webhook", "", "post every alert opening to this URL, as the JSON of GET /alerts, signed and retried")
	c.example("alert-webhook", "https://hooks.example.org/chakra")
	fs.StringVar(&f.secret, "alert-webhook-secret", "", "sign webhook bodies with HMAC-SHA256 under this secret (header X-Chakra-Signature: sha256=<hex>; prefer the environment variable)")
	c.example("alert-webhook-secret", "s3cret")
	fs.StringVar(&f.operator, "operator", defaultOperator(), "who acknowledges alerts in this dashboard: the createdBy of the Alertmanager silences it makes")
	c.example("operator", "medic-2")
	fs.IntVar(&f.queue, "alert-queue", alertsink.DefaultQueue, "alerts each sink holds while it cannot deliver; past it the oldest are dropped (and counted)")
	c.example("alert-queue", "50000")
	fs.DurationVar(&f.resend, "alertmanager-resend", alertsink.DefaultResend, "how often open alerts are posted to Alertmanager again (keep it under its resolve_timeout, 5m by default)")
	c.example("alertmanager-resend", "30s")
	fs.DurationVar(&f.poll, "alertmanager-poll", alertsink.DefaultPoll, "how often Alertmanager's silences are read (backing off while it is down)")
	c.example("alertmanager-poll", "5s")
	fs.DurationVar(&f.silence, "ack-silence", alertsink.DefaultSilence, "how long the Alertmanager silence of an acknowledgement lasts")
	c.example("ack-silence", "4h")
	return f
}

// defaultOperator is $USER, else "chakra-tui".
func defaultOperator() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "chakra-tui"
}

// enabled reports whether a sink is asked for (never for nil flags).
func (f *alertFlags) enabled() bool { return f != nil && (f.alertmanager != "" || f.webhook != "") }

// errSinksReplay: a replay does not score live, so there is nothing to send.
var errSinksReplay = errors.New("--alertmanager and --alert-webhook need a live battlefield: a replay's alerts are history, not news")

// hub builds the alert hub of the flags (one with no sink when none is
// asked for: its metrics still read 0), with extra options.
func (f *alertFlags) hub(log *slog.Logger, extra ...alertsink.Option) (*alertsink.Hub, error) {
	if f == nil {
		f = &alertFlags{queue: alertsink.DefaultQueue, resend: alertsink.DefaultResend, poll: alertsink.DefaultPoll,
			silence: alertsink.DefaultSilence}
	}
	opts := []alertsink.Option{alertsink.WithQueue(f.queue), alertsink.WithResend(f.resend), alertsink.WithPoll(f.poll),
		alertsink.WithSilence(f.silence), alertsink.WithLogger(log)}
	if f.alertmanager != "" {
		opts = append(opts, alertsink.WithAlertmanager(f.alertmanager))
	}
	if f.webhook != "" {
		opts = append(opts, alertsink.WithWebhook(f.webhook, f.secret))
	}
	h, err := alertsink.New(append(opts, extra...)...)
	if err != nil {
		return nil, err
	}
	if f.enabled() {
		log.Info("alert sinks", "alertmanager", f.alertmanager, "webhook", f.webhook, "signed", f.secret != "", "queue", f.queue)
	}
	return h, nil
}

// rosterSquads names each soldier's squad from a roster (−1 for a soldier
// not in it).
func rosterSquads(ps []engine.Profile) func(engine.SoldierID) int {
	m := make(map[engine.SoldierID]int, len(ps))
	for _, p := range ps {
		m[p.ID] = p.Squad
	}
	return func(id engine.SoldierID) int {
		if q, ok := m[id]; ok {
			return q
		}
		return -1
	}
}

// linkBase is the base URL of the soldier links of a server listening on
// addr: http://addr, with an unspecified host (0.0.0.0, ::) as localhost.
func linkBase(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// ackLink is the dashboard's ui.AckLink over an alert hub.
type ackLink struct{ h *alertsink.Hub }

func (l ackLink) Acknowledge(s engine.SoldierID, k engine.AnomalyKind, by, comment string) {
	l.h.Acknowledge(s, k, by, comment)
}

// SubscribeAcks relays the hub's acknowledgements as the dashboard's type;
// the relay ends with the subscription.
func (l ackLink) SubscribeAcks() (<-chan []ui.Ack, func()) {
	in, stop := l.h.SubscribeAcks()
	out := make(chan []ui.Ack, 1)
	go func() {
		defer close(out)
		for as := range in {
			conv := make([]ui.Ack, len(as))
			for i, a := range as {
				conv[i] = ui.Ack{Soldier: a.Soldier, Kind: a.Kind, By: a.By}
			}
			select { // keep only the newest set
			case <-out:
			default:
			}
			out <- conv
		}
	}()
	return out, stop
}

// dashboardAckOptions are the dashboard options of an alert hub: its
// acknowledgements joined to Alertmanager's silences, as --operator. None
// without Alertmanager.
func dashboardAckOptions(h *alertsink.Hub, f *alertFlags) []ui.Option {
	if h == nil || f == nil || f.alertmanager == "" {
		return nil
	}
	return []ui.Option{ui.WithAckLink(ackLink{h}), ui.WithOperator(f.operator)}
}

// startHub starts h on src's alert changes; it returns h.Close for a close
// list.
func startHub(ctx context.Context, h *alertsink.Hub, src alertsink.ChangeSource) func() error {
	h.Start(ctx, src)
	return h.Close
}

// sinkSummary is one line of what the sinks did, for the log at exit.
func sinkSummary(h *alertsink.Hub) string {
	s := ""
	for _, st := range h.Stats() {
		s += fmt.Sprintf("%s: %d delivered, %d queued, %d dropped, %d errors; ", st.Sink, st.Delivered, st.Queued, st.Dropped, st.Errors)
	}
	return s
}
