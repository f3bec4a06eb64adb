package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// TestObserveJSONLikePredict: a stream message gets exactly the answer
// POST /predict gives the same body, a redelivery its original verdict
// marked as a repeat (nothing written twice), a broken message its error
// without stopping the others.
func TestObserveJSONLikePredict(t *testing.T) {
	a := newFixture(t, nil)
	b := newFixture(t, nil)
	var msgs [][]byte
	for ts := int64(1000); ts < 1005; ts++ {
		msgs = append(msgs, []byte(obsJSON(7, ts, 70+float64(ts-1000))))
	}
	got := a.api.ObserveJSON(msgs, nil)
	if len(got) != len(msgs) {
		t.Fatalf("%d answers for %d messages", len(got), len(msgs))
	}
	for i, ans := range got {
		want := b.predict(string(msgs[i]))
		if ans.Err != nil || want.status != 200 {
			t.Fatalf("message %d: err %v, /predict %d %s", i, ans.Err, want.status, want.body)
		}
		if string(ans.Verdict) != string(want.body) {
			t.Fatalf("message %d: stream answer\n%s\n/predict answer\n%s", i, ans.Verdict, want.body)
		}
		if ans.Soldier != 7 || ans.T != 1000+int64(i) || ans.Repeat || ans.Late {
			t.Fatalf("message %d: %+v", i, ans)
		}
	}
	// The last one again: a redelivery.
	again := a.api.ObserveJSON(msgs[4:], nil)[0]
	if !again.Repeat || again.Err != nil {
		t.Fatalf("redelivery: %+v", again)
	}
	var orig, rep map[string]any
	_ = json.Unmarshal(got[4].Verdict, &orig)
	if err := json.Unmarshal(again.Verdict, &rep); err != nil {
		t.Fatal(err)
	}
	if rep["repeat"] != true || rep["state"] != orig["state"] || rep["score"] != orig["score"] {
		t.Fatalf("redelivery answered %s, the original %s", again.Verdict, got[4].Verdict)
	}
	if n := a.stored(7); n != 5 {
		t.Fatalf("%d rows stored after a redelivery, want 5", n)
	}

	// A whole poll redelivered (a rebalance aborted its transaction):
	// 40 soldiers' repeats in one round, more than a POST
	// /predict/batch may retry, each answered as a repeat.
	var poll [][]byte
	for id := 100; id < 140; id++ {
		poll = append(poll, []byte(obsJSON(id, 2000, 75)))
	}
	a.api.ObserveJSON(poll, nil)
	for i, r := range a.api.ObserveJSON(poll, nil) {
		if r.Err != nil || !r.Repeat {
			t.Fatalf("redelivered item %d: %+v", i, r)
		}
	}

	mixed := [][]byte{
		[]byte(`{"soldier_id": 8, "timestamp": 1000`),                                   // cut short
		[]byte(`{"soldier_id": 8, "timestamp": 1000, "heart_rate": -5, "stamina": 90}`), // out of range
		[]byte(`{"soldier_id": 8, "timestamp": 1000, "heart_rate": 80}`),                // stamina missing
		[]byte(obsJSON(8, 1001, 80)),                                                    // fine
		[]byte(strings.Repeat(" ", 2<<20)),                                              // too large
	}
	res := a.api.ObserveJSON(mixed, nil)
	codes := []string{"invalid_json", "out_of_range", "missing_field", "", "body_too_large"}
	for i, r := range res {
		var e struct{ Code string }
		if r.ErrJSON != nil {
			if err := json.Unmarshal(r.ErrJSON, &e); err != nil {
				t.Fatalf("message %d: error body %q: %v", i, r.ErrJSON, err)
			}
		}
		if e.Code != codes[i] || (codes[i] == "") != (r.Err == nil) || r.Retry {
			t.Fatalf("message %d: code %q err %v retry %v, want %q", i, e.Code, r.Err, r.Retry, codes[i])
		}
	}
	if !errors.Is(res[1].Err, ErrInvalid) || !errors.Is(res[0].Err, ErrBadRequest) {
		t.Fatalf("errors do not match their sentinels: %v, %v", res[0].Err, res[1].Err)
	}
	if res[1].Soldier != 8 || res[0].Soldier != -1 {
		t.Fatalf("soldier of a rule break %d, of broken JSON %d", res[1].Soldier, res[0].Soldier)
	}
}

// TestObserveJSONAlert: a verdict that opens an alert carries the /alerts
// event data.
func TestObserveJSONAlert(t *testing.T) {
	f := newFixture(t, nil)
	sub := f.mon.SubscribeAlerts(4)
	defer sub.Close()
	var msgs [][]byte
	for ts := int64(1000); ts < 1010; ts++ {
		msgs = append(msgs, []byte(obsJSON(3, ts, 230)))
	}
	res := f.api.ObserveJSON(append([][]byte{[]byte(obsJSON(3, 999, 80))}, msgs...), nil)
	if res[0].Alert != nil {
		t.Fatalf("a normal reading has an alert: %s", res[0].Alert)
	}
	i := 1
	for i < len(res) && res[i].Alert == nil {
		i++
	}
	if i == len(res) {
		t.Fatalf("heart rate 230 for 10 s opened no alert: %s", res[len(res)-1].Verdict)
	}
	ev := <-sub.C()
	if want := string(f.api.appendAlertData(nil, &ev.Verdict)); string(res[i].Alert) != want {
		t.Fatalf("alert\n%s\nthe /alerts event\n%s", res[i].Alert, want)
	}
}

// TestStreamMetricsAlwaysExported: the Kafka metrics are on /metrics
// without a stream (0), count what the stream reports, and a stream error
// turns /ready to 503.
func TestStreamMetricsAlwaysExported(t *testing.T) {
	f := newFixture(t, nil)
	names := []string{"chakra_kafka_consumer_lag 0", "chakra_kafka_produce_errors_total 0",
		"chakra_kafka_dead_letters_total 0", "chakra_kafka_consumed_total 0"}
	body := string(f.do("GET", "/metrics", "").body)
	for _, n := range names {
		if !strings.Contains(body, "\n"+n+"\n") {
			t.Errorf("/metrics lacks %q", n)
		}
	}
	st := f.api.Stream()
	st.Consumed(3)
	st.DeadLetter()
	st.ProduceError()
	st.SetLag(42)
	body = string(f.do("GET", "/metrics", "").body)
	for _, n := range []string{"chakra_kafka_consumer_lag 42", "chakra_kafka_produce_errors_total 1",
		"chakra_kafka_dead_letters_total 1", "chakra_kafka_consumed_total 3"} {
		if !strings.Contains(body, "\n"+n+"\n") {
			t.Errorf("/metrics lacks %q", n)
		}
	}
	if r := f.do("GET", "/ready", ""); r.status != 200 {
		t.Fatalf("/ready %d before a stream error", r.status)
	}
	st.SetHealth(errors.New("kafka: brokers 127.0.0.1:1 unreachable"))
	r := f.do("GET", "/ready", "")
	if r.status != 503 || r.str("code") != "stream_unavailable" || !strings.Contains(r.str("error"), "127.0.0.1:1") {
		t.Fatalf("/ready with the stream down: %d %s", r.status, r.body)
	}
	st.SetHealth(nil)
	if r := f.do("GET", "/ready", ""); r.status != 200 {
		t.Fatalf("/ready %d after the stream recovered", r.status)
	}
}

// TestAppendObservationJSONRoundTrip: what a producer writes with
// AppendObservationJSON is read back as the same observation.
func TestAppendObservationJSONRoundTrip(t *testing.T) {
	f := newFixture(t, nil)
	o := engine.Observation{Soldier: 12, T: 1000, Phase: engine.Phase(1), NextPhase: engine.Phase(2), Ambient: 24.5}
	o.Values = [engine.NumVitals]float64{81, 77.5, 37.4, math.NaN()}
	o.SetMissing(engine.SpO2)
	b := AppendObservationJSON(nil, &o)
	res := f.api.ObserveJSON([][]byte{b}, nil)
	if res[0].Err != nil {
		t.Fatalf("%s: %v", b, res[0].Err)
	}
	rows, err := f.store.Window(t.Context(), 12, 10, nil)
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows %v, %v", rows, err)
	}
	got := rows[0]
	if got.Soldier != o.Soldier || got.T != o.T || got.Phase != o.Phase || got.NextPhase != o.NextPhase ||
		got.Ambient != o.Ambient || got.Missing != o.Missing || got.Values[0] != 81 || got.Values[1] != 77.5 {
		t.Fatalf("stored %+v from %s", got, b)
	}
}

// FuzzObserveJSON: any message, alone or beside a good one, gets exactly
// one answer: a verdict or an error with its JSON body, never both; the
// good message is scored whatever its neighbour holds.
func FuzzObserveJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		fx := newFixture(t, nil)
		good := []byte(obsJSON(99, 1000, 80))
		res := fx.api.ObserveJSON([][]byte{msg, good}, nil)
		if len(res) != 2 {
			t.Fatalf("%d answers for 2 messages", len(res))
		}
		for i, r := range res {
			if (r.Err == nil) == (r.Verdict == nil) || (r.Err == nil) != (r.ErrJSON == nil) {
				t.Fatalf("answer %d: err %v, verdict %q, error body %q", i, r.Err, r.Verdict, r.ErrJSON)
			}
			if r.Err == nil && !json.Valid(r.Verdict) || r.Err != nil && !json.Valid(r.ErrJSON) {
				t.Fatalf("answer %d is not JSON: %q %q", i, r.Verdict, r.ErrJSON)
			}
		}
		if res[1].Err != nil && !(res[0].Err == nil && res[0].Soldier == 99) {
			t.Fatalf("the good message failed beside %q: %v", msg, res[1].Err)
		}
	})
}

// FuzzParseObservationJSON: whatever the input, an observation or an
// error; an observation is written back by AppendObservationJSON into a
// body that reads as the same observation.
func FuzzParseObservationJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseObservationJSON(b)
		if err != nil {
			return
		}
		again, err := ParseObservationJSON(AppendObservationJSON(nil, &o))
		if err != nil {
			t.Fatalf("%q read, written back, refused: %v", b, err)
		}
		if again.Soldier != o.Soldier || again.T != o.T || again.Missing != o.Missing || again.Phase != o.Phase {
			t.Fatalf("%q: %+v, written and read back %+v", b, o, again)
		}
	})
}
