package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// results returns the per-item statuses of a batch response.
func results(t *testing.T, r *response) []map[string]any {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("batch status %d: %s", r.status, r.body)
	}
	var out []map[string]any
	for i, x := range r.json["results"].([]any) {
		m := x.(map[string]any)
		if m["index"] != float64(i) {
			t.Fatalf("result %d has index %v", i, m["index"])
		}
		out = append(out, m)
	}
	return out
}

func statuses(rs []map[string]any) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprint(r["status"]))
	}
	return strings.Join(s, " ")
}

func TestBatch(t *testing.T) {
	f := newFixture(t, nil, WithReorderWindow(0)) // late readings: TestBatchLate
	body := "[" + obsJSON(1, 10, 80) + "," + `{"soldier_id": 2, "heart_rate": -1, "stamina": 90, "timestamp": 10}` + "," + obsJSON(3, 10, 80) + "]"
	r := f.do("POST", "/predict/batch", body)
	rs := results(t, r)
	if statuses(rs) != "200 422 200" || r.json["accepted"] != 2.0 || r.json["rejected"] != 1.0 {
		t.Fatalf("%s", r.body)
	}
	if rs[1]["code"] != "out_of_range" || rs[1]["field"] != "heart_rate" || rs[1]["error"] == "" {
		t.Errorf("bad item %v", rs[1])
	}
	if v := rs[2]["verdict"].(map[string]any); v["soldier_id"] != 3.0 || v["timestamp"] != 10.0 {
		t.Errorf("verdict of item 2 %v", v)
	}
	if f.stored(2) != 0 || f.stored(1) != 1 || f.stored(3) != 1 {
		t.Fatal("only the valid items are written")
	}

	// The object form; one soldier twice (two rounds); one out of order
	// against the store; one out of order within the batch.
	body = `{"observations": [` + strings.Join([]string{
		obsJSON(1, 11, 80), obsJSON(1, 12, 81), obsJSON(3, 9, 80), obsJSON(4, 5, 80), obsJSON(4, 4, 80), obsJSON(5, 1, 80),
	}, ",") + `]}`
	r = f.do("POST", "/predict/batch", body)
	rs = results(t, r)
	if statuses(rs) != "200 200 409 200 409 200" {
		t.Fatalf("statuses %s: %s", statuses(rs), r.body)
	}
	if rs[2]["code"] != "out_of_order" || rs[2]["latest"] != 10.0 || rs[4]["code"] != "out_of_order" {
		t.Errorf("out-of-order items %v %v", rs[2], rs[4])
	}
	if f.stored(1) != 3 || f.stored(3) != 1 || f.stored(4) != 1 || f.stored(5) != 1 {
		t.Fatal("rows after the second batch")
	}

	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"empty array", `[]`, 400, "empty_batch"},
		{"empty object", `{"observations": []}`, 400, "empty_batch"},
		{"not a batch", `42`, 400, "wrong_type"},
		{"single object", obsJSON(9, 1, 80), 400, "unknown_field"},
		{"observations not array", `{"observations": {}}`, 400, "wrong_type"},
		{"extra key", `{"observations": [` + obsJSON(9, 1, 80) + `], "x": 1}`, 400, "invalid_json"},
		{"malformed item", `[` + obsJSON(9, 1, 80) + `, {"soldier_id": ]`, 400, "invalid_json"},
		{"trailing comma", `[` + obsJSON(9, 1, 80) + `,]`, 400, "invalid_json"},
		{"trailing data", `[` + obsJSON(9, 1, 80) + `] x`, 400, "invalid_json"},
	} {
		r := f.do("POST", "/predict/batch", c.body)
		if r.status != c.status || r.str("code") != c.code || r.str("error") == "" {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	if f.stored(9) != 0 {
		t.Error("a refused batch wrote rows")
	}
}

func TestBatchLimit(t *testing.T) {
	f := newFixture(t, nil, WithMaxBatch(3))
	items := make([]string, 4)
	for i := range items {
		items[i] = obsJSON(i+1, 1, 80)
	}
	r := f.do("POST", "/predict/batch", "["+strings.Join(items, ",")+"]")
	if r.status != http.StatusRequestEntityTooLarge || r.str("code") != "too_many_items" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if f.stored(1) != 0 {
		t.Fatal("an oversized batch wrote rows")
	}
}

// downStore fails every write as unavailable, like a Redis that is gone.
type downStore struct{ featurestore.Online }

func (downStore) WriteFrame(context.Context, []engine.Observation) error {
	return fmt.Errorf("redis write: %w: connection refused", featurestore.ErrUnavailable)
}

func TestBatchStoreDown(t *testing.T) {
	mem, err := featurestore.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, downStore{mem}, nil)
	r := f.do("POST", "/predict/batch", "["+obsJSON(1, 1, 80)+","+obsJSON(2, 1, 80)+"]")
	if r.status != 503 || r.str("code") != "store_unavailable" {
		t.Fatalf("all items failed on the store: %d %s", r.status, r.body)
	}
	// With an invalid item beside, the answer is per item.
	r = f.do("POST", "/predict/batch", "["+obsJSON(1, 1, 80)+`,{"soldier_id": 0, "heart_rate": 1, "stamina": 1, "timestamp": 1}]`)
	if rs := results(t, r); statuses(rs) != "503 422" || rs[0]["code"] != "store_unavailable" {
		t.Fatalf("%s", r.body)
	}
	if r := f.predict(obsJSON(1, 1, 80)); r.status != 503 || r.str("code") != "store_unavailable" || strings.Contains(r.str("error"), "refused") {
		t.Fatalf("predict: %d %s", r.status, r.body)
	}
}

// TestReleaseKeepsTickBuffers: the buffers of a batch of a 100-soldier tick
// go back to the pool with the request state; those of a batch over 256
// items are dropped.
func TestReleaseKeepsTickBuffers(t *testing.T) {
	f := newFixture(t, nil)
	tick := &reqState{out: make([]byte, 0, 200<<10), vs: make([]detector.Verdict, 0, 100), obs: make([]engine.Observation, 0, 100)}
	f.api.release(tick)
	if cap(tick.out) == 0 || cap(tick.vs) == 0 || cap(tick.obs) == 0 {
		t.Errorf("a tick's buffers were dropped: out %d, verdicts %d, observations %d", cap(tick.out), cap(tick.vs), cap(tick.obs))
	}
	big := &reqState{out: make([]byte, 0, 1<<20), vs: make([]detector.Verdict, 0, 1000), items: make([]batchItem, 0, 1000)}
	f.api.release(big)
	if big.out != nil || big.vs != nil || big.items != nil {
		t.Errorf("a 1000-item batch's buffers were kept: out %d, verdicts %d, items %d", cap(big.out), cap(big.vs), cap(big.items))
	}
}

// TestBatchLate: the rules of TestPredictLateAndRepeated item by item in a
// batch, also between a soldier's items of one batch (a reordering gateway).
func TestBatchLate(t *testing.T) {
	f := newFixture(t, nil, WithReorderWindow(5*time.Second))
	rs := results(t, f.do("POST", "/predict/batch", "["+obsJSON(1, 10, 80)+","+obsJSON(2, 10, 80)+"]"))
	if statuses(rs) != "200 200" {
		t.Fatal(rs)
	}
	body := "[" + strings.Join([]string{
		obsJSON(1, 13, 80), // new
		obsJSON(1, 12, 80), // late against the item before it
		obsJSON(1, 13, 80), // repeat of this batch's first item, still the latest
		obsJSON(1, 10, 80), // repeat of the first batch's, no longer the latest
		obsJSON(1, 12, 81), // another reading at a stored timestamp
		obsJSON(2, 4, 80),  // 6 s late
		obsJSON(2, 9, 80),  // late against the store
	}, ",") + "]"
	r := f.do("POST", "/predict/batch", body)
	rs = results(t, r)
	if statuses(rs) != "200 200 200 200 409 409 200" || r.json["accepted"] != 5.0 {
		t.Fatalf("statuses %s: %s", statuses(rs), r.body)
	}
	verdict := func(i int) map[string]any { return rs[i]["verdict"].(map[string]any) }
	if v := verdict(0); v["late"] != nil || v["repeat"] != nil || v["state"] != "ok" {
		t.Errorf("item 0 %v", v)
	}
	if v := verdict(1); v["late"] != true || v["scored"] != false || v["timestamp"] != 12.0 {
		t.Errorf("item 1 %v", v)
	}
	if v := verdict(2); v["repeat"] != true || v["state"] != "ok" || v["vitals"] == nil {
		t.Errorf("item 2 %v", v)
	}
	if v := verdict(3); v["repeat"] != true || v["scored"] != false {
		t.Errorf("item 3 %v", v)
	}
	if rs[4]["code"] != "timestamp_conflict" || rs[5]["code"] != "out_of_order" || rs[5]["latest"] != 10.0 {
		t.Errorf("refused items %v %v", rs[4], rs[5])
	}
	if v := verdict(6); v["late"] != true || v["soldier_id"] != 2.0 {
		t.Errorf("item 6 %v", v)
	}
	if f.stored(1) != 3 || f.stored(2) != 2 {
		t.Fatalf("rows stored: soldier 1 %d, soldier 2 %d", f.stored(1), f.stored(2))
	}
}
