package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serving is a fixture served on a loopback port by Serve.
type serving struct {
	*fixture
	url    string
	cancel context.CancelFunc
	done   chan error
}

func serve(t *testing.T, f *fixture) *serving {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{fixture: f, url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- f.api.Serve(ctx, ln) }()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop shuts the server down and returns Serve's error.
func (s *serving) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err, ok := <-s.done:
		if ok {
			close(s.done)
		}
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10 s of the shutdown")
	}
	return nil
}

func post(t *testing.T, client *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// sseEvent is one event read from an alert stream.
type sseEvent struct {
	id, event, data string
}

// readEvent reads lines until a blank line ends an event (comments are
// skipped).
func readEvent(br *bufio.Reader) (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev.event != "" || ev.data != "" {
				return ev, nil
			}
		case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
}

func TestAlertStream(t *testing.T) {
	s := serve(t, newFixture(t, nil, WithHeartbeat(20*time.Millisecond)))
	client := &http.Client{}
	defer client.CloseIdleConnections()
	resp, err := client.Get(s.url + "/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	// The first comment says the subscription is in place; then heartbeats.
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, ": chakra-tui alert stream") {
		t.Fatalf("first line %q %v", line, err)
	}
	heartbeat := false
	for !heartbeat {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		heartbeat = strings.HasPrefix(line, ": heartbeat ")
	}
	for i, hr := range []float64{205, 210} {
		if code, body := post(t, client, s.url+"/predict", obsJSON(8, int64(100+i), hr)); code != 200 {
			t.Fatal(code, body)
		}
	}
	ev, err := readEvent(br)
	if err != nil {
		t.Fatal(err)
	}
	if ev.event != "alert" || ev.id != "1" {
		t.Fatalf("event %+v", ev)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(ev.data), &v); err != nil {
		t.Fatalf("event data is not JSON: %v: %s", err, ev.data)
	}
	if v["soldier_id"] != 8.0 || v["timestamp"] != 101.0 || v["kind"] != "tachycardia" || v["anomaly"] != true {
		t.Fatalf("alert %s", ev.data)
	}
	// The alert's record: the check that opened it, its vital, evidence and
	// sentence, and the client's unix seconds.
	a, _ := v["alert"].(map[string]any)
	if a == nil || a["check"] != "band" || a["vital"] != "heart_rate" || a["kind"] != "tachycardia" ||
		a["opened_at"] != 101.0 || a["id"] != "8-101" || !strings.Contains(fmt.Sprint(a["sentence"]), "heart_rate 210 bpm above") {
		t.Fatalf("alert record %v", a)
	}
	if e, _ := a["evidence"].(map[string]any); e == nil || e["value"] != 210.0 {
		t.Fatalf("evidence %v", a["evidence"])
	}
	if st := s.mon.Stats(); st.Subscribers != 1 {
		t.Fatalf("%d subscribers", st.Subscribers)
	}
	// Shutdown ends the stream cleanly, with a last event, and Serve
	// returns even though the stream was open.
	if err := s.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	ev, err = readEvent(br)
	if err != nil || ev.event != "shutdown" {
		t.Fatalf("after shutdown: %+v %v", ev, err)
	}
	if _, err := readEvent(br); !errors.Is(err, io.EOF) && err != nil && !strings.Contains(err.Error(), "closed") {
		t.Fatalf("stream not ended: %v", err)
	}
	if st := s.mon.Stats(); st.Subscribers != 0 {
		t.Fatalf("%d subscribers after shutdown", st.Subscribers)
	}
}

func TestAlertStreamClientGoesAway(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	f := newFixture(t, nil)
	s := serve(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/alerts", nil)
	client := &http.Client{}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if f.mon.Stats().Subscribers != 1 {
		t.Fatal("not subscribed")
	}
	cancel()
	resp.Body.Close()
	client.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for f.mon.Stats().Subscribers != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the handler kept its subscription after the client left")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

// gateStore blocks WriteFrame until released, to hold a request in flight.
type gateStore struct {
	featurestore.Online
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gateStore) WriteFrame(ctx context.Context, obs []engine.Observation) error {
	g.once.Do(func() { close(g.entered) })
	<-g.release
	return g.Online.WriteFrame(ctx, obs)
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	mem, _ := featurestore.NewMemory()
	gate := &gateStore{Online: mem, entered: make(chan struct{}), release: make(chan struct{})}
	s := serve(t, newFixtureOn(t, gate, nil))
	type result struct {
		code int
		body string
	}
	got := make(chan result, 1)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	go func() {
		resp, err := client.Post(s.url+"/predict", "application/json", strings.NewReader(obsJSON(1, 1, 80)))
		if err != nil {
			got <- result{0, err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b)}
	}()
	<-gate.entered
	s.cancel() // shutdown starts with the request in flight
	// The listener closes at once: new connections are refused.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-s.done:
		t.Fatalf("Serve returned (%v) before the in-flight request finished", err)
	default:
	}
	close(gate.release)
	r := <-got
	if r.code != 200 || !strings.Contains(r.body, `"soldier_id":1`) {
		t.Fatalf("in-flight request: %d %s", r.code, r.body)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	close(s.done)
}

func TestShutdownDeadline(t *testing.T) {
	mem, _ := featurestore.NewMemory()
	gate := &gateStore{Online: mem, entered: make(chan struct{}), release: make(chan struct{})}
	s := serve(t, newFixtureOn(t, gate, nil, WithShutdownTimeout(50*time.Millisecond)))
	client := &http.Client{}
	defer client.CloseIdleConnections()
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := client.Post(s.url+"/predict", "application/json", strings.NewReader(obsJSON(1, 1, 80)))
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-gate.entered
	err := s.stop(t)
	// A forced shutdown is an error (the process exits 1) that says how
	// many answers were lost.
	if err == nil || !strings.Contains(err.Error(), "shut down http within 50ms: 1 request(s) still running were cut off") {
		t.Fatalf("Serve after the deadline: %v", err)
	}
	close(gate.release)
	<-done
}

func TestMetrics(t *testing.T) {
	f := newFixture(t, nil, WithModelInfo(ModelInfo{Scorer: "threshold", Version: "v1"}))
	f.predict(obsJSON(1, 1, 200))
	f.predict(obsJSON(1, 2, 200))
	f.predict(obsJSON(1, 2, 201)) // 409: another reading at a stored timestamp
	f.predict(`{`)                // 400
	r := f.do("GET", "/metrics", "")
	if r.status != 200 {
		t.Fatal(r.status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(r.body)))
	if err != nil {
		t.Fatalf("metrics do not parse: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		fam, ok := fams[name]
		if !ok {
			t.Fatalf("no metric %s", name)
		}
	next:
		for _, m := range fam.Metric {
			for _, l := range m.Label {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
		t.Fatalf("no %s%v", name, labels)
		return 0
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"chakra_http_requests_total", map[string]string{"route": "predict", "code": "200"}, 2},
		{"chakra_http_requests_total", map[string]string{"route": "predict", "code": "409"}, 1},
		{"chakra_http_requests_total", map[string]string{"route": "predict", "code": "400"}, 1},
		{"chakra_http_request_duration_seconds", map[string]string{"route": "predict"}, 4},
		{"chakra_verdicts_total", map[string]string{"state": "watch", "kind": "none"}, 1},
		{"chakra_verdicts_total", map[string]string{"state": "alert", "kind": "tachycardia"}, 1},
		{"chakra_alerts_opened_total", map[string]string{"kind": "tachycardia"}, 1},
		{"chakra_soldiers_tracked", nil, 1},
		{"chakra_observations_total", nil, 2},
		{"chakra_model_info", map[string]string{"scorer": "threshold", "version": "v1"}, 1},
		{"chakra_store_errors_total", map[string]string{"kind": "unavailable"}, 0},
	} {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if _, ok := fams["process_resident_memory_bytes"]; !ok {
		t.Error("no process metrics")
	}

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed: skipping `promtool check metrics`")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(r.body))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestAlertStreamOutlivesTimeouts: a stream stays open longer than the
// server's read and write timeouts.
func TestAlertStreamOutlivesTimeouts(t *testing.T) {
	short := Timeouts{ReadHeader: 100 * time.Millisecond, Read: 150 * time.Millisecond, Write: 150 * time.Millisecond, Idle: time.Second}
	s := serve(t, newFixture(t, nil, WithTimeouts(short), WithHeartbeat(50*time.Millisecond)))
	client := &http.Client{}
	defer client.CloseIdleConnections()
	resp, err := client.Get(s.url + "/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	deadline := time.Now().Add(600 * time.Millisecond)
	beats := 0
	for time.Now().Before(deadline) {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended after %d heartbeats: %v", beats, err)
		}
		if strings.HasPrefix(line, ": heartbeat") {
			beats++
		}
	}
	if beats < 5 {
		t.Fatalf("%d heartbeats in 600 ms", beats)
	}
}
