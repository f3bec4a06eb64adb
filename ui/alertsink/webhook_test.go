package alertsink

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// receiver is a webhook endpoint that checks signatures, fails the first
// failFirst attempts of every alert with 500 and counts what it accepted.
type receiver struct {
	t         *testing.T
	secret    []byte
	failFirst int
	status    int // answer after the failures (default 200)

	mu       sync.Mutex
	attempts map[string]int
	accepted map[string]int
	order    []string
	bad      []string
}

func newReceiver(t *testing.T, secret string, failFirst int) (*receiver, *httptest.Server) {
	r := &receiver{t: t, secret: []byte(secret), failFirst: failFirst, status: http.StatusOK,
		attempts: map[string]int{}, accepted: map[string]int{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get(HeaderAlertID)
	r.mu.Lock()
	defer r.mu.Unlock()
	sig := req.Header.Get(HeaderSignature)
	if (len(r.secret) > 0 && !Verify(r.secret, body, sig)) || (len(r.secret) == 0 && sig != "") {
		r.bad = append(r.bad, "bad signature for "+id)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var v struct {
		Soldier *int   `json:"soldier_id"`
		Kind    string `json:"kind"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Soldier == nil || id == "" {
		r.bad = append(r.bad, fmt.Sprintf("alert %q: body %s", id, body))
	}
	r.attempts[id]++
	if r.attempts[id] <= r.failFirst {
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	if r.status != http.StatusOK {
		http.Error(w, "no", r.status)
		return
	}
	r.accepted[id]++
	r.order = append(r.order, id)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) count() (attempts, accepted int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.attempts {
		attempts += n
	}
	for _, n := range r.accepted {
		accepted += n
	}
	return attempts, accepted
}

func TestWebhookSignedRetriedDeliveredOnce(t *testing.T) {
	rc, srv := newReceiver(t, "s3cret", 2)
	h, f, clk := newTestHub(t, WithWebhook(srv.URL, "s3cret"), WithBackoff(time.Second, 4*time.Second))
	for id := engine.SoldierID(1); id <= 5; id++ {
		f.b.Publish(opening(id, 60+int64(id), engine.KindTachycardia))
	}
	advanceUntil(t, clk, 4*time.Second, "5 deliveries", func() bool { return stat(h, SinkWebhook).Delivered == 5 })
	// Nothing more comes once everything is delivered, however long we wait.
	clk.Advance(time.Hour)
	attempts, accepted := rc.count()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Fatalf("the receiver saw bad deliveries: %v", rc.bad)
	}
	if accepted != 5 || attempts != 15 {
		t.Fatalf("accepted %d after %d attempts; want 5 after 15 (two 500s each)", accepted, attempts)
	}
	for id, n := range rc.accepted {
		if n != 1 {
			t.Errorf("alert %s accepted %d times", id, n)
		}
	}
	want := []string{idOf(1, 61), idOf(2, 62), idOf(3, 63), idOf(4, 64), idOf(5, 65)}
	if fmt.Sprint(rc.order) != fmt.Sprint(want) {
		t.Errorf("delivered in order %v, want %v", rc.order, want)
	}
	if st := stat(h, SinkWebhook); st.Errors != 10 || st.Queued != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v; want 10 errors, nothing queued or dropped", st)
	}
}

func TestWebhookClosingsAreNotPosted(t *testing.T) {
	rc, srv := newReceiver(t, "k", 0)
	h, f, _ := newTestHub(t, WithWebhook(srv.URL, "k"))
	f.b.Publish(opening(3, 10, engine.KindBradycardia))
	f.b.Publish(closing(3, 40, 10, engine.KindBradycardia))
	f.b.Publish(opening(3, 50, engine.KindBradycardia))
	waitFor(t, "2 deliveries", func() bool { return stat(h, SinkWebhook).Delivered == 2 })
	if _, accepted := rc.count(); accepted != 2 {
		t.Fatalf("accepted %d; want the 2 openings", accepted)
	}
}

func TestWebhookRefusalDropsTheAlert(t *testing.T) {
	rc, srv := newReceiver(t, "k", 0)
	rc.status = http.StatusUnprocessableEntity
	h, f, _ := newTestHub(t, WithWebhook(srv.URL, "k"))
	f.b.Publish(opening(3, 10, engine.KindBradycardia))
	waitFor(t, "the refusal", func() bool { return stat(h, SinkWebhook).Dropped == 1 })
	if st := stat(h, SinkWebhook); st.Errors != 1 || st.Delivered != 0 || st.Queued != 0 {
		t.Fatalf("stats %+v after a 422", st)
	}
}

// A receiver down for longer than the queue lasts loses the oldest alerts,
// counted, and gets the newest when it is back.
func TestWebhookQueueBoundDropsOldest(t *testing.T) {
	rc, srv := newReceiver(t, "", 0)
	down := make(chan struct{})
	var once sync.Once
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-down:
			srv.Config.Handler.ServeHTTP(w, r)
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer gate.Close()
	h, f, clk := newTestHub(t, WithWebhook(gate.URL, ""), WithQueue(4), WithBackoff(time.Second, time.Second))
	// The first alert's first attempt fails before the others arrive, so
	// the sender is waiting out its backoff on the fake clock (not posting)
	// while the queue overflows: an attempt still on the wire when the
	// receiver comes back would deliver an alert the queue had dropped.
	f.b.Publish(opening(1, 100, engine.KindHeatStrain))
	waitFor(t, "the first attempt refused", func() bool { return stat(h, SinkWebhook).Errors >= 1 && clk.waiters() > 0 })
	for id := engine.SoldierID(2); id <= 10; id++ {
		f.b.Publish(opening(id, 100, engine.KindHeatStrain))
	}
	waitFor(t, "10 alerts taken", func() bool { st := stat(h, SinkWebhook); return st.Queued+int(st.Dropped) == 10 })
	if st := stat(h, SinkWebhook); st.Queued != 4 || st.Dropped != 6 {
		t.Fatalf("stats %+v; want 4 queued, 6 dropped", st)
	}
	once.Do(func() { close(down) })
	advanceUntil(t, clk, time.Second, "4 deliveries", func() bool { return stat(h, SinkWebhook).Delivered == 4 })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	want := fmt.Sprint([]string{idOf(7, 100), idOf(8, 100), idOf(9, 100), idOf(10, 100)})
	if fmt.Sprint(rc.order) != want {
		t.Fatalf("delivered %v, want the newest four %s", rc.order, want)
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"soldier_id":1}`)
	sig := Sign([]byte("k"), body)
	// HMAC-SHA256("k", body), computed independently with openssl:
	// printf '{"soldier_id":1}' | openssl dgst -sha256 -hmac k
	if want := "sha256=026e30a82fd483f3fff05858cf074ec1741d2bf4ec484d21a6c51f52597260c7"; sig != want {
		t.Fatalf("signature %s, want %s", sig, want)
	}
	if !Verify([]byte("k"), body, sig) {
		t.Fatal("a signature does not verify")
	}
	if Verify([]byte("other"), body, sig) || Verify([]byte("k"), []byte(`{"soldier_id":2}`), sig) {
		t.Fatal("a signature verifies under another key or body")
	}
}
