package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestAttack: every connection of every wave sends the declared-length
// headers and one byte; the handler sees the declared length.
func TestAttack(t *testing.T) {
	var requests, declared atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		declared.Store(r.ContentLength)
		_, _ = io.Copy(io.Discard, r.Body) // until the attacker closes
	}))
	defer srv.Close()
	res, err := Attack(context.Background(), AttackConfig{URL: srv.URL, Conns: 3, Waves: 2, Hold: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Opened != 6 || res.DialFail != 0 || res.BytesSent != 6*int64(len(attackRequest(srv.URL))) {
		t.Fatalf("%+v", res)
	}
	srv.Close() // waits for the handlers: every connection is closed
	if requests.Load() != 6 || declared.Load() != 1<<20 {
		t.Fatalf("server saw %d requests declaring %d bytes", requests.Load(), declared.Load())
	}
}

func attackRequest(u string) string {
	host := strings.TrimPrefix(u, "http://")
	return "POST /predict HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{"
}

func TestAttackLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://192.0.2.1:80", "http://example.com:80", "https://127.0.0.1:1", "nonsense"} {
		if _, err := Attack(context.Background(), AttackConfig{URL: u, Conns: 1, Waves: 1}); err == nil {
			t.Errorf("%s: attacked", u)
		}
	}
	if _, err := Attack(context.Background(), AttackConfig{URL: "http://127.0.0.1:1", Kind: "other"}); err == nil {
		t.Error("unknown attack accepted")
	}
}
