package alertsink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// burstScorer opens a heart-rate alert on every soldier at tick burst and
// keeps it open.
type burstScorer struct{ burst int64 }

func (burstScorer) Name() string { return "burst" }

func (s burstScorer) Score(ws []featurestore.Window, dst []detector.Verdict) ([]detector.Verdict, error) {
	for _, w := range ws {
		o := w.Rows[len(w.Rows)-1]
		if o.T < s.burst {
			dst = append(dst, verdict(o.Soldier, o.T))
			continue
		}
		ev := opening(o.Soldier, o.T, engine.KindTachycardia)
		ev.Verdict.Channels[detector.ChannelHeartRate].Opened = o.T == s.burst
		ev.Verdict.Channels[detector.ChannelHeartRate].Since = s.burst
		ev.Verdict.Alert.Opened = o.T == s.burst
		ev.Verdict.Alert.Since = s.burst
		dst = append(dst, ev.Verdict)
	}
	return dst, nil
}

// hanging is an HTTP server whose every request waits until release.
func hanging(t *testing.T) (srv *httptest.Server, release func()) {
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte("[]")) // no silences
		}
	}))
	t.Cleanup(func() { release(); srv.Close() })
	return srv, release
}

// tickOf is one tick of n soldiers.
func tickOf(n int, t int64) []engine.Observation {
	obs := make([]engine.Observation, n)
	for i := range obs {
		obs[i] = engine.Observation{Soldier: engine.SoldierID(i + 1), T: t, Values: [engine.NumVitals]float64{150, 90, 37, 98}}
	}
	return obs
}

// 1 000 alerts opening in one tick, both sinks hanging: scoring goes on
// (every Ingest returns), the alerts wait in the queues, and once the sinks
// answer every one is delivered, once.
func TestThousandAlertsNeverBlockScoring(t *testing.T) {
	const n = 1000
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	mon, err := monitor.New(store, burstScorer{burst: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	srv, release := hanging(t)
	clk := newFakeClock()
	h, err := New(WithAlertmanager(srv.URL), WithWebhook(srv.URL+"/hook", "k"), WithClock(clk), WithFlush(0),
		WithHTTPClient(&http.Client{}))
	if err != nil {
		t.Fatal(err)
	}
	h.Start(t.Context(), mon)
	defer h.Close()

	done := make(chan error, 1)
	go func() {
		ctx := context.Background()
		for tick := range int64(10) {
			if _, err := mon.Ingest(ctx, tickOf(n, tick), nil); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second): // generous: the ticks take milliseconds
		t.Fatal("scoring stalled behind sinks that do not answer")
	}
	if st := mon.Stats(); st.Alerts != n {
		t.Fatalf("%d alert openings, want %d", st.Alerts, n)
	}
	waitFor(t, "1 000 alerts queued per sink", func() bool {
		return stat(h, SinkAlertmanager).Queued == n && stat(h, SinkWebhook).Queued == n
	})
	for _, st := range h.Stats() {
		if st.Delivered != 0 || st.Dropped != 0 {
			t.Fatalf("%+v while the sinks hang", st)
		}
	}
	release()
	waitFor(t, "every alert delivered", func() bool {
		return stat(h, SinkAlertmanager).Delivered == n && stat(h, SinkWebhook).Delivered == n
	})
	for _, st := range h.Stats() {
		if st.Queued != 0 || st.Dropped != 0 || st.Errors != 0 {
			t.Errorf("%+v after delivery", st)
		}
	}
	if len(h.Open()) != n {
		t.Errorf("%d open alerts, want %d", len(h.Open()), n)
	}
}

func TestMetricsShowBothSinksAtZero(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(h.Collector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == SinkAlertmanager || m.GetLabel()[0].GetValue() == SinkWebhook {
				got[mf.GetName()]++
			}
		}
	}
	for _, name := range []string{"chakra_alert_sink_queue", "chakra_alert_sink_delivered_total",
		"chakra_alert_sink_dropped_total", "chakra_alert_sink_errors_total"} {
		if got[name] != 2 {
			t.Errorf("%s has %d of the two sinks", name, got[name])
		}
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	for _, o := range []Option{WithAlertmanager("127.0.0.1:9093"), WithAlertmanager("ftp://x"), WithWebhook("http://", ""),
		WithLinkBase("::"), WithQueue(0), WithResend(0)} {
		if _, err := New(o); !errors.Is(err, ErrConfig) {
			t.Errorf("New: err %v, want ErrConfig", err)
		}
	}
	_, err := New(WithAlertmanager("localhost:9093"))
	if err == nil || !strings.Contains(err.Error(), "--alertmanager") {
		t.Errorf("err %v does not name the flag", err)
	}
}

// refined is the change of soldier id's incident opened at since, refined
// at tick t to a more urgent kind on stamina.
func refined(id engine.SoldierID, t, since int64, kind engine.AnomalyKind) monitor.AlertChange {
	ev := opening(id, since, engine.KindStaminaCrash)
	v := &ev.Verdict
	v.T = t
	v.Alert.Opened, v.Alert.Refined, v.Alert.Kind = false, true, kind
	v.Alert.Evidence = detector.Evidence{Check: detector.CheckBand, Vital: engine.HeartRate, Value: 35, Expected: 70,
		Lo: 60, Hi: 80, Out: -1.25, Unit: 20, Channel: detector.ChannelHeartRate}
	ev.At = start.Unix() + t
	return ev
}

// A refinement resolves the alert of the old kind and opens the new one
// in Alertmanager (same startsAt and alert_id), and is one more webhook
// delivery under its own id.
func TestRefinementReplacesTheAlert(t *testing.T) {
	var mu sync.Mutex
	var posts []amAlert
	var hooks []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/api/v2/alerts":
			var as []amAlert
			_ = json.NewDecoder(r.Body).Decode(&as)
			posts = append(posts, as...)
		case "/api/v2/silences":
			_, _ = w.Write([]byte("[]"))
		case "/hook":
			hooks = append(hooks, r.Header.Get(HeaderAlertID))
		}
	}))
	defer srv.Close()
	h, f, _ := newTestHub(t, WithAlertmanager(srv.URL), WithWebhook(srv.URL+"/hook", ""))
	f.b.Publish(opening(5, 10, engine.KindStaminaCrash))
	f.b.Publish(refined(5, 12, 10, engine.KindBradycardia))
	waitFor(t, "3 Alertmanager changes and 2 webhook deliveries", func() bool {
		return stat(h, SinkAlertmanager).Delivered == 3 && stat(h, SinkWebhook).Delivered == 2
	})
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 3 || posts[0].Labels["kind"] != "stamina_crash" || posts[0].EndsAt != nil ||
		posts[1].Labels["kind"] != "stamina_crash" || posts[1].EndsAt == nil ||
		posts[2].Labels["kind"] != "bradycardia" || posts[2].EndsAt != nil || posts[2].Labels["severity"] != "critical" {
		t.Fatalf("posts %+v; want stamina_crash opened, resolved, bradycardia opened", posts)
	}
	if !posts[2].StartsAt.Equal(posts[0].StartsAt) || posts[2].Annotations["alert_id"] != idOf(5, 10) {
		t.Errorf("the refined alert starts %v with id %q; want %v and %q", posts[2].StartsAt, posts[2].Annotations["alert_id"],
			posts[0].StartsAt, idOf(5, 10))
	}
	if want := []string{idOf(5, 10), idOf(5, 10) + "-refined"}; fmt.Sprint(hooks) != fmt.Sprint(want) {
		t.Errorf("webhook ids %v, want %v", hooks, want)
	}
	if open := h.Open(); len(open) != 1 || open[0].Record.Kind != "bradycardia" {
		t.Errorf("open %+v", open)
	}
}
