package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// testNow is the server clock in tests: 2023-11-14T22:13:20Z.
var testNow = time.Unix(1_700_000_000, 0)

func fixedClock() time.Time { return testNow }

// fixture is a server over an in-memory store with a chosen scorer.
type fixture struct {
	t     testing.TB
	store featurestore.Online
	mon   *monitor.Monitor
	api   *Server
}

// newFixture builds a server on the threshold baseline (no warm-up: every
// verdict is a real one) unless sc is given.
func newFixture(t testing.TB, sc detector.Scorer, opts ...Option) *fixture {
	t.Helper()
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	return newFixtureOn(t, store, sc, opts...)
}

func newFixtureOn(t testing.TB, store featurestore.Online, sc detector.Scorer, opts ...Option) *fixture {
	t.Helper()
	if sc == nil {
		var err error
		if sc, err = detector.NewThreshold(); err != nil {
			t.Fatal(err)
		}
	}
	mon, err := monitor.New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(mon, append([]Option{WithClock(fixedClock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mon.Close(); store.Close() })
	return &fixture{t: t, store: store, mon: mon, api: api}
}

// response is a recorded response with its JSON body decoded.
type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// str returns a string member of the JSON body.
func (r *response) str(key string) string {
	s, _ := r.json[key].(string)
	return s
}

// do sends a request to the handler; body "" sends none. Content-Type is
// application/json unless headers say otherwise.
func (f *fixture) do(method, path, body string, headers ...string) *response {
	f.t.Helper()
	return doHandler(f.t, f.api, method, path, body, headers...)
}

func doHandler(t testing.TB, h http.Handler, method, path, body string, headers ...string) *response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if ct := rec.Header().Get("Content-Type"); ct == "application/json" {
		if err := json.Unmarshal(r.body, &r.json); err != nil {
			t.Fatalf("%s %s: response is not JSON: %v\n%s", method, path, err, r.body)
		}
	}
	return r
}

// predict posts one observation.
func (f *fixture) predict(body string) *response {
	f.t.Helper()
	return f.do("POST", "/predict", body)
}

// obsJSON is the prototype's body with all four vitals.
func obsJSON(id int, ts int64, hr float64) string {
	b, _ := json.Marshal(map[string]any{"soldier_id": id, "timestamp": ts, "heart_rate": hr,
		"stamina": 90, "core_temp": 37.2, "spo2": 98})
	return string(b)
}

// stored returns how many rows the store holds for soldier id.
func (f *fixture) stored(id engine.SoldierID) int {
	f.t.Helper()
	rows, err := f.store.Window(context.Background(), id, 1000, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(rows)
}

// doReader posts a body of unknown length (no Content-Length).
func doReader(t testing.TB, h http.Handler, body io.Reader) *response {
	t.Helper()
	req := httptest.NewRequest("POST", "/predict", io.NopCloser(body))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if err := json.Unmarshal(r.body, &r.json); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return r
}
