package alertsink

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui/alertsink/amtest"
)

// listed is an alert as GET /api/v2/alerts lists it.
type listed struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
	GeneratorURL string `json:"generatorURL"`
}

// amGet decodes GET base+path into v.
func amGet(t *testing.T, base, path string, v any) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// amAlerts lists Alertmanager's alerts (active, silenced and inhibited).
func amAlerts(t *testing.T, base string) []listed {
	var out []listed
	amGet(t, base, "/api/v2/alerts", &out)
	return out
}

func TestAlertmanagerOpenThenResolve(t *testing.T) {
	am := amtest.Start(t, "")
	h, f, _ := newTestHub(t, WithAlertmanager(am.URL()), WithLinkBase("http://127.0.0.1:8000/"))
	f.b.Publish(opening(14, 57, engine.KindBradycardia))
	waitFor(t, "the alert listed by Alertmanager", func() bool { return len(amAlerts(t, am.URL())) == 1 })
	a := amAlerts(t, am.URL())[0]
	want := map[string]string{"alertname": AlertName, "soldier": "14", "squad": "02", "kind": "bradycardia",
		"vital": "heart_rate", "check": "band", "severity": "critical"}
	for k, v := range want {
		if a.Labels[k] != v {
			t.Errorf("label %s = %q, want %q (labels %v)", k, a.Labels[k], v, a.Labels)
		}
	}
	if len(a.Labels) != len(want) {
		t.Errorf("labels %v, want exactly %v", a.Labels, want)
	}
	if !a.StartsAt.Equal(start.Add(57 * time.Second)) {
		t.Errorf("startsAt %v, want the reading's time %v", a.StartsAt, start.Add(57*time.Second))
	}
	if a.Status.State != "active" {
		t.Errorf("state %q, want active", a.Status.State)
	}
	if s := a.Annotations["summary"]; !strings.HasPrefix(s, "soldier 14 (squad 02): bradycardia: heart_rate 150 bpm above expected 60–80") {
		t.Errorf("summary %q", s)
	}
	if e := a.Annotations["evidence"]; !strings.Contains(e, `"value":150`) || a.Annotations["alert_id"] != idOf(14, 57) {
		t.Errorf("annotations %v", a.Annotations)
	}
	if a.Annotations["link"] != "http://127.0.0.1:8000/soldiers/14" || a.GeneratorURL != "http://127.0.0.1:8000/soldiers/14" {
		t.Errorf("link %q, generatorURL %q", a.Annotations["link"], a.GeneratorURL)
	}

	f.b.Publish(closing(14, 90, 57, engine.KindBradycardia))
	// A resolved alert leaves the list of alerts Alertmanager serves.
	waitFor(t, "the alert resolved", func() bool { return len(amAlerts(t, am.URL())) == 0 })
	waitFor(t, "2 deliveries (the opening and the closing)", func() bool { return stat(h, SinkAlertmanager).Delivered == 2 })
	if st := stat(h, SinkAlertmanager); st.Dropped != 0 || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
}

// Re-posts keep an open alert alive past Alertmanager's resolve_timeout.
func TestAlertmanagerResendKeepsAlertOpen(t *testing.T) {
	am := amtest.Start(t, strings.Replace(amtest.Config, "resolve_timeout: 5m", "resolve_timeout: 2s", 1))
	h, f, clk := newTestHub(t, WithAlertmanager(am.URL()), WithResend(time.Second), WithPoll(time.Hour))
	f.b.Publish(opening(7, 10, engine.KindTachycardia))
	waitFor(t, "the alert listed", func() bool { return len(amAlerts(t, am.URL())) == 1 })
	first := amAlerts(t, am.URL())[0].EndsAt
	// Each re-post pushes endsAt (now + resolve_timeout) later.
	advanceUntil(t, clk, time.Second, "a re-post", func() bool {
		l := amAlerts(t, am.URL())
		return len(l) == 1 && l[0].EndsAt.After(first)
	})
	if st := stat(h, SinkAlertmanager); st.Delivered != 1 {
		t.Errorf("delivered %d; a re-post is not a delivery", st.Delivered)
	}
}

func TestAcknowledgementBecomesSilence(t *testing.T) {
	am := amtest.Start(t, "")
	h, f, clk := newTestHub(t, WithAlertmanager(am.URL()), WithPoll(time.Second))
	acks, stop := h.SubscribeAcks()
	defer stop()
	f.b.Publish(opening(21, 96, engine.KindStaminaCrash))
	waitFor(t, "the alert listed", func() bool { return len(amAlerts(t, am.URL())) == 1 })
	h.Acknowledge(21, engine.KindStaminaCrash, "alice", "on my way")
	var sils []amSilence
	waitFor(t, "a silence", func() bool {
		amGet(t, am.URL(), "/api/v2/silences", &sils)
		return len(sils) == 1
	})
	s := sils[0]
	if s.CreatedBy != "alice" || s.Comment != "on my way" || s.Status == nil || s.Status.State != "active" {
		t.Fatalf("silence %+v", s)
	}
	got := map[string]string{}
	for _, m := range s.Matchers {
		if m.IsRegex || !m.IsEqual {
			t.Errorf("matcher %+v, want an equality", m)
		}
		got[m.Name] = m.Value
	}
	if len(got) != 2 || got["soldier"] != "21" || got["kind"] != "stamina_crash" {
		t.Fatalf("matchers %v, want soldier=21 kind=stamina_crash", got)
	}
	if want := clk.Now().Add(DefaultSilence); !s.EndsAt.Equal(want) {
		t.Errorf("silence ends %v, want %v (%v from the acknowledgement)", s.EndsAt, want, DefaultSilence)
	}
	// The silence comes back as an acknowledgement; a second
	// acknowledgement makes no second silence.
	var last []Ack
	advanceUntil(t, clk, time.Second, "the acknowledgement", func() bool {
		select {
		case last = <-acks:
		default:
		}
		return len(last) == 1
	})
	if a := last[0]; a.Soldier != 21 || a.Kind != engine.KindStaminaCrash || a.By != "alice" {
		t.Fatalf("ack %+v", a)
	}
	h.Acknowledge(21, engine.KindStaminaCrash, "bob", "me too")
	waitFor(t, "the second acknowledgement handled", func() bool { n, _ := h.am.sq.len(); return n == 0 })
	amGet(t, am.URL(), "/api/v2/silences", &sils)
	if len(sils) != 1 {
		t.Fatalf("%d silences after acknowledging twice", len(sils))
	}
}

// A silence made in Alertmanager (here on a squad, by regular expression)
// shows as acknowledgements of the alerts it matches.
func TestSilenceFromAlertmanagerIsAnAck(t *testing.T) {
	am := amtest.Start(t, "")
	h, f, clk := newTestHub(t, WithAlertmanager(am.URL()), WithPoll(5*time.Second))
	acks, stop := h.SubscribeAcks()
	defer stop()
	f.b.Publish(opening(21, 96, engine.KindStaminaCrash)) // squad 03
	f.b.Publish(opening(35, 96, engine.KindHeatStrain))   // squad 04
	waitFor(t, "both alerts listed", func() bool { return len(amAlerts(t, am.URL())) == 2 })
	now := time.Now().UTC()
	body, _ := json.Marshal(amSilence{Matchers: []amMatcher{{Name: "squad", Value: "0[13]", IsRegex: true, IsEqual: true}},
		StartsAt: now, EndsAt: now.Add(time.Hour), CreatedBy: "carol", Comment: "squad 3 is being evacuated"})
	resp, err := http.Post(am.URL()+"/api/v2/silences", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST silence: %s", resp.Status)
	}
	var last []Ack
	advanceUntil(t, clk, 5*time.Second, "the acknowledgement", func() bool {
		select {
		case last = <-acks:
		default:
		}
		return len(last) > 0
	})
	if len(last) != 1 || last[0].Soldier != 21 || last[0].Kind != engine.KindStaminaCrash || last[0].By != "carol" {
		t.Fatalf("acks %+v; want soldier 21's stamina crash, by carol", last)
	}
}

// postCounter is a reverse proxy in front of Alertmanager that counts the
// successful posts of each alert (by its alert_id annotation).
type postCounter struct {
	mu    sync.Mutex
	posts map[string]int
	proxy *httputil.ReverseProxy
}

func (p *postCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/alerts" {
		p.proxy.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	p.proxy.ServeHTTP(rec, r)
	if rec.Code == http.StatusOK {
		var as []amAlert
		_ = json.Unmarshal(body, &as)
		p.mu.Lock()
		for _, a := range as {
			if a.EndsAt == nil {
				p.posts[a.Annotations["alert_id"]]++
			}
		}
		p.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (p *postCounter) count(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posts[id]
}

// Alertmanager killed and restarted: the alerts opened meanwhile wait in
// the queue and arrive once; those it forgot are posted again.
func TestAlertmanagerRestartDeliversOnce(t *testing.T) {
	am := amtest.Start(t, "")
	u, _ := url.Parse(am.URL())
	pc := &postCounter{posts: map[string]int{}, proxy: httputil.NewSingleHostReverseProxy(u)}
	pc.proxy.ErrorLog = log.New(io.Discard, "", 0)
	front := httptest.NewServer(pc)
	defer front.Close()
	h, f, clk := newTestHub(t, WithAlertmanager(front.URL), WithBackoff(time.Second, 4*time.Second),
		WithResend(time.Hour), WithPoll(time.Hour))
	for id := engine.SoldierID(1); id <= 3; id++ {
		f.b.Publish(opening(id, 10, engine.KindTachycardia))
	}
	waitFor(t, "3 alerts listed", func() bool { return len(amAlerts(t, am.URL())) == 3 })

	am.Kill()
	for id := engine.SoldierID(4); id <= 8; id++ {
		f.b.Publish(opening(id, 20, engine.KindHeatStrain))
	}
	f.b.Publish(closing(1, 30, 10, engine.KindTachycardia))
	waitFor(t, "6 changes waiting after a failed delivery", func() bool {
		st := stat(h, SinkAlertmanager)
		return st.Errors > 0 && st.Queued == 6
	})
	am.Restart()
	// Alertmanager restarted empty: it gets the 5 alerts opened meanwhile
	// from the queue and the 2 still open from before by a re-post; the
	// closed one stays resolved.
	advanceUntil(t, clk, 4*time.Second, "7 alerts listed again", func() bool { return len(amAlerts(t, am.URL())) == 7 })
	for id := engine.SoldierID(4); id <= 8; id++ {
		aid := idOf(id, 20)
		if n := pc.count(aid); n != 1 {
			t.Errorf("alert %s posted %d times; want once", aid, n)
		}
	}
	for _, a := range amAlerts(t, am.URL()) {
		if a.Labels["soldier"] == "1" {
			t.Errorf("the closed alert of soldier 1 is listed again: %+v", a)
		}
	}
	if st := stat(h, SinkAlertmanager); st.Delivered != 3+6 || st.Dropped != 0 || st.Queued != 0 {
		t.Errorf("stats %+v; want 9 delivered, none dropped or queued", st)
	}
}
