package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui/httpapi"
)

func TestRunAgainstReference(t *testing.T) {
	srv := httptest.NewServer(httpapi.NewReference(true, "tft"))
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, Conns: 4, Soldiers: 10, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != 0 || res.Codes[200] != res.Requests {
		t.Fatalf("%+v", res)
	}
	if !(0 < res.P50 && res.P50 <= res.P90 && res.P90 <= res.P99 && res.P99 <= res.Max) {
		t.Fatalf("percentiles out of order: %+v", res)
	}
	if res.BodyBytes < 1000 {
		t.Fatalf("mean body %v bytes: the reference's verdicts are larger", res.BodyBytes)
	}
	var b strings.Builder
	Table(&b, []string{"ref"}, []Result{res})
	if !strings.Contains(b.String(), "req/s") || !strings.Contains(b.String(), "ref") {
		t.Fatalf("table:\n%s", b.String())
	}
}

// TestTimestampsPerSoldier: every soldier's timestamps increase by one, a
// soldier the server already knows resumes after its latest, and chunked
// responses are read.
func TestTimestampsPerSoldier(t *testing.T) {
	var mu sync.Mutex
	last := map[int]int64{7: 5000} // soldier 7 already has an observation at 5000
	bad := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var o struct {
			ID int   `json:"soldier_id"`
			TS int64 `json:"timestamp"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &o); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if l, ok := last[o.ID]; ok && o.TS != l+1 {
			if o.TS <= l {
				w.WriteHeader(409)
				_, _ = w.Write([]byte(`{"error":"x","code":"out_of_order","latest":` + itoa(l) + `}`))
				return
			}
			bad++
		}
		last[o.ID] = o.TS
		// No Content-Length and more than net/http buffers: chunked.
		_, _ = w.Write([]byte(`{"state":"ok","pad":"` + strings.Repeat("x", 5000) + `"}`))
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, Conns: 2, Soldiers: 8, Start: 100,
		Duration: 200 * time.Millisecond, Warmup: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Errors != 0 || bad != 0 {
		t.Fatalf("%+v, %d soldiers skipped a second", res, bad)
	}
	if res.BodyBytes < 5000 {
		t.Fatalf("chunked body read as %v bytes", res.BodyBytes)
	}
	mu.Lock()
	defer mu.Unlock()
	if last[7] <= 5000 || last[1] <= 100 {
		t.Fatalf("soldier 7 at %d, soldier 1 at %d", last[7], last[1])
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{
		{URL: "http://127.0.0.1:1", Conns: 8, Soldiers: 4},
		{URL: "ftp://x", Duration: time.Millisecond},
		{URL: "http://127.0.0.1:1", Conns: -1},
	} {
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// batchServer is the real server on the in-memory store and the threshold
// scorer (no warm-up), for the batch mode.
func batchServer(t *testing.T) *httptest.Server {
	t.Helper()
	store, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := detector.NewThreshold()
	if err != nil {
		t.Fatal(err)
	}
	mon, err := monitor.New(store, sc)
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(mon)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(func() { srv.Close(); mon.Close(); store.Close() })
	return srv
}

// TestBatch: each request is a tick of the connection's soldiers, every
// item is accepted, and a second run against the same server resumes each
// soldier after its latest timestamp.
// TestBatch is bounded by a count of requests, not by time, so that a busy
// machine slows it down without failing it (the minute is a hang bound).
func TestBatch(t *testing.T) {
	srv := batchServer(t)
	cfg := Config{URL: srv.URL, Conns: 2, Soldiers: 10, Batch: true, Start: 1_700_000_000,
		Requests: 20, Duration: time.Minute}
	for run := range 2 {
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests != 20 || res.Errors != 0 || res.Refused != 0 || res.Predictions != 5*res.Requests {
			t.Fatalf("run %d: %d requests, %d errors, %d refused items, %d verdicts (want 5 per request)",
				run, res.Requests, res.Errors, res.Refused, res.Predictions)
		}
		if math.Abs(res.PPS()-5*res.RPS()) > 1e-9*res.PPS() {
			t.Fatalf("run %d: %v verdicts/s for %v requests/s", run, res.PPS(), res.RPS())
		}
	}
}

// TestAdvanceBatch: accepted items move on one second, an out-of-order
// item of a soldier not yet in step moves after the server's latest, other
// refusals leave the soldier where it was.
func TestAdvanceBatch(t *testing.T) {
	w := newWorker(&Config{Conns: 1, Soldiers: 4, FirstID: 1, Start: 100}, "x", 0)
	body := []byte(`{"results":[{"index":0,"status":200,"verdict":{"soldier_id":1,"state":"ok"}},` +
		`{"index":1,"status":409,"error":"timestamp 100 is not after soldier 2's latest","code":"out_of_order","field":"timestamp","latest":500},` +
		`{"index":2,"status":422,"error":"heart_rate must be between 0 and 300 bpm","code":"out_of_range","field":"heart_rate"},` +
		`{"index":3,"status":200,"verdict":{"soldier_id":4,"state":"ok"}}],"accepted":2,"rejected":2}`)
	if ok, bad := w.advanceBatch(200, body); ok != 2 || bad != 2 {
		t.Fatalf("accepted %d, refused %d, want 2 and 2", ok, bad)
	}
	want := []int64{101, 501, 100, 101}
	for i, s := range w.soldiers {
		if s.ts != want[i] {
			t.Errorf("soldier %d at %d, want %d", s.id, s.ts, want[i])
		}
	}
	if ok, bad := w.advanceBatch(503, body); ok != 0 || bad != 0 || w.soldiers[0].ts != 101 {
		t.Error("a refused batch moved the soldiers")
	}
}

// FuzzAdvanceBatch: any body a server might answer a batch with neither
// panics nor counts more items than it names, nor moves a soldier back
// without an out-of-order refusal.
func FuzzAdvanceBatch(f *testing.F) {
	f.Add([]byte(`{"results":[{"index":0,"status":200,"verdict":{}},{"index":1,"status":409,"code":"out_of_order","latest":7}],"accepted":1,"rejected":1}`))
	f.Add([]byte(`{"index":99999999999999999999,"status":200}{"index":-1,"status":200}{"index":`))
	f.Add([]byte(`{"index":2,"status":409,"code":"out_of_order","latest":-5}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		w := newWorker(&Config{Conns: 1, Soldiers: 3, FirstID: 1, Start: 100}, "x", 0)
		ok, bad := w.advanceBatch(200, body)
		if n := uint64(bytes.Count(body, []byte(`{"index":`))); ok+bad > n {
			t.Fatalf("%d accepted and %d refused items from %d markers", ok, bad, n)
		}
		if !bytes.Contains(body, []byte(`"code":"out_of_order"`)) {
			for _, s := range w.soldiers {
				if s.ts < 100 {
					t.Fatalf("soldier %d moved back to %d", s.id, s.ts)
				}
			}
		}
	})
}

// FuzzReadResponse: any bytes on the connection give a status code or an
// error, never a panic.
func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 409 Conflict\r\nConnection: close\r\nContent-Length: 5\r\n\r\nabc"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w := newWorker(&Config{Conns: 1, Soldiers: 1, FirstID: 1}, "x", 0)
		w.br = bufio.NewReader(bytes.NewReader(data))
		code, body, err := w.readResponse()
		if err == nil && (code < 100 || code > 999) {
			t.Fatalf("code %d, body %q without an error", code, body)
		}
	})
}
