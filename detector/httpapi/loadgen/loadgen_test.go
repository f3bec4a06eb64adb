package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/httpapi"
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
