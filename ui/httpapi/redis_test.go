package httpapi

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/redis"
	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
)

// TestRedisDownAndBack: with Redis gone, /ready and /predict answer 503
// with a clear JSON error and nothing is scored; when it returns, service
// resumes without a restart.
func TestRedisDownAndBack(t *testing.T) {
	srv := redistest.Start(t)
	// Generous store timeouts: a loaded machine must not turn a slow
	// answer into an outage. With Redis down, calls fail at once
	// (connection refused), not at the timeout.
	const storeTimeout = 5 * time.Second
	store, err := redis.New(srv.URL(), featurestore.WithTimeout(storeTimeout),
		featurestore.WithPrefix(fmt.Sprintf("httpapi-test-%d:", time.Now().UnixNano())))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, store, nil, WithStoreName("redis://127.0.0.1/0"), WithStoreTimeout(storeTimeout))
	waitReady(t, f, "at start")
	if r := f.predict(obsJSON(1, 100, 80)); r.status != 200 {
		t.Fatalf("predict: %d %s", r.status, r.body)
	}

	srv.Stop()
	r := f.do("GET", "/ready", "")
	if r.status != 503 || r.str("code") != "store_unavailable" || !strings.Contains(r.str("error"), "redis://127.0.0.1/0") {
		t.Fatalf("ready with Redis down: %d %s", r.status, r.body)
	}
	r = f.predict(obsJSON(1, 101, 80))
	if r.status != 503 || r.str("code") != "store_unavailable" || !strings.Contains(r.str("error"), "nothing was written") {
		t.Fatalf("predict with Redis down: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "connection refused") || strings.Contains(string(r.body), "dial") {
		t.Errorf("the cause leaked to the client: %s", r.body)
	}
	if r := f.do("GET", "/health", ""); r.status != 200 || r.str("status") != "degraded" ||
		r.json["store"].(map[string]any)["status"] != "unavailable" {
		t.Errorf("health with Redis down: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/soldiers/1", ""); r.status != 503 {
		t.Errorf("soldier with Redis down: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/metrics", ""); !strings.Contains(string(r.body), `chakra_store_errors_total{kind="unavailable"}`) ||
		strings.Contains(string(r.body), `chakra_store_errors_total{kind="unavailable"} 0`) {
		t.Errorf("store errors not counted")
	}
	if st := f.mon.Stats(); st.Scored != 1 {
		t.Errorf("%d verdicts, want 1: nothing is scored while Redis is down", st.Scored)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for ts := int64(102); ; ts++ { // a new timestamp each try: a timed-out try may have been written
		r := f.predict(obsJSON(1, ts, 80))
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("predict after Redis returned: %d %s", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitReady(t, f, "after Redis returned")
}

// TestRedisLateAndRepeated: the rules of late and repeated readings hold
// with the Redis store as with the memory store.
func TestRedisLateAndRepeated(t *testing.T) {
	srv := redistest.Start(t)
	n := 0
	testLateAndRepeated(t, func(opts ...Option) *fixture {
		n++
		store, err := redis.New(srv.URL(), featurestore.WithPrefix(fmt.Sprintf("httpapi-late-%d-%d:", time.Now().UnixNano(), n)))
		if err != nil {
			t.Fatal(err)
		}
		return newFixtureOn(t, store, nil, opts...)
	})
}

// waitReady polls /ready until it answers 200; the bound only stops a
// hang.
func waitReady(t *testing.T, f *fixture, when string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := f.do("GET", "/ready", "")
		if r.status == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ready %s: still %d after 30 s: %s", when, r.status, r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
