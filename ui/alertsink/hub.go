package alertsink

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
)

// ErrConfig reports an invalid option.
var ErrConfig = errors.New("invalid alert sink configuration")

// ChangeSource is what a Hub reads alerts from: a *monitor.Monitor, or
// anything that scores through one.
type ChangeSource interface {
	SubscribeAlertChanges(buffer int) *engine.Sub[monitor.AlertChange]
}

// Sink names, as the metrics label them.
const (
	SinkAlertmanager = "alertmanager"
	SinkWebhook      = "webhook"
)

// Hub delivers one alert stream to the configured sinks. It is safe for
// concurrent use.
type Hub struct {
	o    options
	am   *amSink      // nil without WithAlertmanager
	wh   *webhookSink // nil without WithWebhook
	link string       // base of the soldier links, without a trailing slash

	mu     sync.Mutex
	open   map[engine.SoldierID]*openAlert // the open incident of each soldier
	recent []labelSet                      // label sets of the last maxRecent alerts opened, a ring
	next   int                             // next slot of recent
	lost   uint64                          // changes the subscription dropped, as of the last look

	acks *engine.Broadcast[[]Ack]

	startOnce sync.Once
	closeOnce sync.Once
	cancel    context.CancelFunc
	stopIn    chan struct{} // closed to stop the intake
	wg        sync.WaitGroup
}

// openAlert is an alert that is open now.
type openAlert struct {
	a    Alert
	kind engine.AnomalyKind
	am   amAlert // its Alertmanager form while open (no endsAt)
	// pending: its opening is still in the Alertmanager queue (so re-posts
	// leave it out); epoch: the Alertmanager epoch it was last posted in
	// (see amSink.epoch). Guarded by Hub.mu.
	pending bool
	epoch   uint64
}

// labelSet is what a silence is matched against.
type labelSet struct {
	soldier engine.SoldierID
	kind    engine.AnomalyKind
	labels  map[string]string
}

// maxRecent is how many recently opened alerts' labels are kept for
// matching silences to alerts that have closed since.
const maxRecent = 1024

// changeBuffer is the subscription's buffer: a tick of 1 000 alert
// changes, four times over, without loss while the intake copies them
// (each holds a verdict, ≈ 1.4 kB: 5.7 MB reserved, touched only as used).
const changeBuffer = 4096

// New returns a hub for the sinks the options configure (possibly none: a
// hub that only counts).
func New(opts ...Option) (*Hub, error) {
	o := defaultOptions()
	for _, f := range opts {
		f(&o)
	}
	switch {
	case o.queue < 1:
		return nil, fmt.Errorf("%w: queue of %d (want ≥ 1)", ErrConfig, o.queue)
	case o.resend <= 0 || o.poll <= 0 || o.silence <= 0:
		return nil, fmt.Errorf("%w: resend %v, poll %v, silence %v (want > 0)", ErrConfig, o.resend, o.poll, o.silence)
	case o.backoff[0] <= 0 || o.backoff[1] < o.backoff[0]:
		return nil, fmt.Errorf("%w: backoff %v to %v", ErrConfig, o.backoff[0], o.backoff[1])
	case o.clock == nil || o.client == nil || o.log == nil || o.squad == nil:
		return nil, fmt.Errorf("%w: nil clock, client, logger or function", ErrConfig)
	}
	h := &Hub{o: o, open: map[engine.SoldierID]*openAlert{}, acks: engine.NewBroadcast[[]Ack](1), stopIn: make(chan struct{})}
	if o.link != "" {
		u, err := checkURL("--alert-link", o.link)
		if err != nil {
			return nil, err
		}
		h.link = strings.TrimRight(u.String(), "/")
	}
	if o.alertmanager != "" {
		u, err := checkURL("--alertmanager", o.alertmanager)
		if err != nil {
			return nil, err
		}
		h.am = newAMSink(h, u)
	}
	if o.webhook != "" {
		u, err := checkURL("--alert-webhook", o.webhook)
		if err != nil {
			return nil, err
		}
		h.wh = newWebhookSink(h, u)
	}
	return h, nil
}

// checkURL parses an http(s) URL with a host.
func checkURL(flag, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q: %v", ErrConfig, flag, s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %s %q: want an http:// or https:// URL with a host", ErrConfig, flag, s)
	}
	return u, nil
}

// SetLinkBase links the alerts to base + "/soldiers/{id}" (see
// WithLinkBase): for a server whose address is known only once it
// listens. Call it before Start.
func (h *Hub) SetLinkBase(base string) error {
	u, err := checkURL("--alert-link", base)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.link = strings.TrimRight(u.String(), "/")
	h.mu.Unlock()
	return nil
}

// Enabled reports whether any sink is configured.
func (h *Hub) Enabled() bool { return h.am != nil || h.wh != nil }

// Start subscribes to src's alert changes at once (so nothing scored from
// now on is missed) and delivers them until ctx ends or Close is called.
// Start may be called once.
func (h *Hub) Start(ctx context.Context, src ChangeSource) {
	h.startOnce.Do(func() {
		sub := src.SubscribeAlertChanges(changeBuffer)
		ctx, h.cancel = context.WithCancel(ctx)
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.intake(sub)
		}()
		if h.am != nil {
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				h.am.run(ctx)
			}()
		}
		if h.wh != nil {
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				h.wh.run(ctx)
			}()
		}
	})
}

// Close stops the hub: it keeps delivering what is queued for up to the
// flush bound (WithFlush), then stops every sink and ends the
// acknowledgement subscriptions. Alerts still open are not resolved:
// Alertmanager expires them after its resolve_timeout. Closing twice is
// harmless.
func (h *Hub) Close() error {
	h.closeOnce.Do(func() {
		close(h.stopIn)
		if h.cancel != nil {
			h.flush()
			h.cancel()
		}
		h.wg.Wait()
		h.acks.Close()
	})
	return nil
}

// flush waits, on the hub's clock, until the queues are empty or the flush
// bound has passed.
func (h *Hub) flush() {
	deadline := h.o.clock.Now().Add(h.o.flush)
	for h.o.clock.Now().Before(deadline) {
		empty := true
		for _, st := range h.Stats() {
			empty = empty && st.Queued == 0
		}
		if empty {
			return
		}
		t := h.o.clock.NewTimer(20 * time.Millisecond)
		<-t.C()
	}
}

// intake reads the alert changes into the sinks' queues until the
// subscription ends or Close.
func (h *Hub) intake(sub *engine.Sub[monitor.AlertChange]) {
	defer sub.Close()
	for {
		select {
		case ev, ok := <-sub.C():
			if !ok {
				return
			}
			h.take(&ev, sub.Dropped())
		case <-h.stopIn:
			// Take what is already buffered: it was scored before Close.
			for {
				select {
				case ev, ok := <-sub.C():
					if !ok {
						return
					}
					h.take(&ev, sub.Dropped())
				default:
					return
				}
			}
		}
	}
}

// take hands one alert change to the sinks. lost is how many changes the
// subscription has dropped so far (the hub fell behind): they count as
// dropped by every sink.
func (h *Hub) take(ev *monitor.AlertChange, lost uint64) {
	v := &ev.Verdict
	now := h.o.clock.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if d := lost - h.lost; d > 0 {
		h.lost = lost
		if h.am != nil {
			h.am.lost.Add(d)
		}
		if h.wh != nil {
			h.wh.lost.Add(d)
		}
	}
	if ev.Closed.Open {
		if oa := h.open[v.Soldier]; oa != nil && oa.a.Since == ev.Closed.Since {
			delete(h.open, v.Soldier)
			if h.am != nil {
				end := time.Unix(ev.At, 0).UTC()
				if end.After(now) {
					end = now // readings stamped ahead of the wall clock: resolved now
				}
				if end.Before(oa.am.StartsAt) {
					end = oa.am.StartsAt
				}
				h.am.enqueue(amItem{alert: oa.a.toAlertmanager(h.soldierLink(v.Soldier), &end)})
			}
		} // else it opened before the hub started
	}
	if v.Alert.Refined {
		h.refine(ev, now)
		return
	}
	if !v.Alert.Opened {
		return
	}
	a := describe(v, ev.OpenedAt, h.o.squad(v.Soldier))
	oa := &openAlert{a: a, kind: v.Alert.Kind, am: a.toAlertmanager(h.soldierLink(v.Soldier), nil)}
	h.open[v.Soldier] = oa
	h.recent = h.remember(labelSet{soldier: v.Soldier, kind: v.Alert.Kind, labels: oa.am.Labels})
	if h.am != nil {
		oa.pending = true
		h.am.enqueue(amItem{alert: oa.am, open: oa})
		h.am.alertsChanged()
	}
	if h.wh != nil {
		h.wh.enqueue(a.Record.ID, &monitor.AlertEvent{Verdict: *v, OpenedAt: ev.OpenedAt})
	}
}

// refine takes an incident refined to a more urgent kind (same incident,
// new kind and evidence): Alertmanager gets the old alert resolved (its
// labels named the old kind) and the new one, from the same startsAt; the
// webhook gets the refined event under the id "<id>-refined" (it is a new
// delivery, not a repeat). Called with h.mu held.
func (h *Hub) refine(ev *monitor.AlertChange, now time.Time) {
	v := &ev.Verdict
	old := h.open[v.Soldier]
	if old == nil || old.a.Since != v.Alert.Since {
		return // opened before the hub started
	}
	a := describe(v, ev.OpenedAt, h.o.squad(v.Soldier))
	oa := &openAlert{a: a, kind: v.Alert.Kind, am: a.toAlertmanager(h.soldierLink(v.Soldier), nil)}
	h.open[v.Soldier] = oa
	h.recent = h.remember(labelSet{soldier: v.Soldier, kind: v.Alert.Kind, labels: oa.am.Labels})
	if h.am != nil {
		end := time.Unix(ev.At, 0).UTC()
		if end.After(now) {
			end = now
		}
		if end.Before(old.am.StartsAt) {
			end = old.am.StartsAt
		}
		h.am.enqueue(amItem{alert: old.a.toAlertmanager(h.soldierLink(v.Soldier), &end)})
		oa.pending = true
		h.am.enqueue(amItem{alert: oa.am, open: oa})
		h.am.alertsChanged()
	}
	if h.wh != nil {
		h.wh.enqueue(a.Record.ID+"-refined", &monitor.AlertEvent{Verdict: *v, OpenedAt: ev.OpenedAt})
	}
}

// remember adds a label set to the ring of recent ones.
func (h *Hub) remember(l labelSet) []labelSet {
	if len(h.recent) < maxRecent {
		return append(h.recent, l)
	}
	h.recent[h.next] = l
	h.next = (h.next + 1) % maxRecent
	return h.recent
}

// soldierLink is the soldier's page on the HTTP server, or "".
func (h *Hub) soldierLink(id engine.SoldierID) string {
	if h.link == "" {
		return ""
	}
	return h.link + "/soldiers/" + strconv.FormatInt(int64(id), 10)
}

// Open returns the alerts open now (tests, diagnostics), in no order.
func (h *Hub) Open() []Alert {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Alert, 0, len(h.open))
	for _, oa := range h.open {
		out = append(out, oa.a)
	}
	return out
}

// SinkStats are one sink's counters.
type SinkStats struct {
	Sink      string // SinkAlertmanager or SinkWebhook
	Queued    int    // alerts waiting
	Delivered uint64 // alerts delivered (Alertmanager: openings and closings; re-posts not counted)
	Dropped   uint64 // alerts given up: the queue overflowed, or the sink refused them
	Errors    uint64 // failed requests (each attempt)
}

// Stats returns the counters of both sinks (zeros for one not configured).
func (h *Hub) Stats() []SinkStats {
	out := []SinkStats{{Sink: SinkAlertmanager}, {Sink: SinkWebhook}}
	if h.am != nil {
		out[0] = h.am.stats()
	}
	if h.wh != nil {
		out[1] = h.wh.stats()
	}
	return out
}
