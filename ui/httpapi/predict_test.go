package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

func TestPredictPrototypeContract(t *testing.T) {
	f := newFixture(t, nil)
	r := f.predict(`{"soldier_id": 1, "heart_rate": 190, "stamina": 100, "timestamp": 1234567890}`)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	for key, want := range map[string]any{"soldier_id": 1.0, "timestamp": 1234567890.0, "scorer": "threshold",
		"phase": "patrol", "next_phase": "patrol", "kind": "none"} {
		if r.json[key] != want {
			t.Errorf("%s = %v, want %v", key, r.json[key], want)
		}
	}
	if _, ok := r.json["anomaly"].(bool); !ok {
		t.Errorf("anomaly flag missing: %s", r.body)
	}
	// 190 bpm is above the threshold baseline's 180: one tick out of band is
	// "watch", the second opens a tachycardia alert (2 of 3).
	if r.str("state") != "watch" {
		t.Errorf("state %q after one reading of 190 bpm, want watch", r.str("state"))
	}
	vitals := r.json["vitals"].(map[string]any)
	hr := vitals["heart_rate"].(map[string]any)
	if hr["observed"] != 190.0 || hr["missing"] != false {
		t.Errorf("heart_rate verdict %v", hr)
	}
	fc := hr["forecast"].(map[string]any)
	if len(fc) != 5 || fc["q02"] != 40.0 || fc["q98"] != 180.0 || fc["q50"] != nil {
		t.Errorf("threshold forecast %v: want its band in q02/q98 and null between", fc)
	}
	if ct := vitals["core_temp"].(map[string]any); ct["missing"] != true || ct["observed"] != nil {
		t.Errorf("core_temp left out must be a missing reading: %v", ct)
	}
	r = f.predict(`{"soldier_id": 1, "heart_rate": 192, "stamina": 99, "timestamp": 1234567891}`)
	if r.status != 200 || r.json["anomaly"] != true || r.str("state") != "alert" || r.str("kind") != "tachycardia" {
		t.Fatalf("second 190+ reading: %d %s", r.status, r.body)
	}
	// The heart-rate channel opened. (core_temp and spo2 left out are
	// vitals this client's kit does not measure: no dropout, see
	// TestSensorSet.)
	opened := false
	for _, a := range r.json["alerts"].([]any) {
		a := a.(map[string]any)
		opened = opened || (a["channel"] == "heart_rate" && a["opened"] == true && a["kind"] == "tachycardia")
	}
	if !opened {
		t.Errorf("alerts %v: no heart-rate alert opened", r.json["alerts"])
	}
	// With all four vitals only the heart-rate channel opens.
	f.predict(obsJSON(2, 1, 195))
	r = f.predict(obsJSON(2, 2, 195))
	if alerts := r.json["alerts"].([]any); len(alerts) != 1 || alerts[0].(map[string]any)["channel"] != "heart_rate" {
		t.Errorf("all vitals, high heart rate: alerts %v", alerts)
	}
	if ex := r.json["model_weights"].(map[string]any); ex["vital"] != "heart_rate" {
		t.Errorf("explanation %v", ex)
	}
}

// TestSensorSet pins the rule of docs/http.md for a client whose kit lacks
// some vitals: a vital never reported since the soldier's series started
// raises no dropout, however long; a dropout alert opens only when every
// vital the kit has reported goes missing for 10 s.
func TestSensorSet(t *testing.T) {
	f := newFixture(t, nil)
	post := func(i int, hr, stamina string) *response {
		t.Helper()
		r := f.predict(fmt.Sprintf(`{"soldier_id": 3, "heart_rate": %s, "stamina": %s, "timestamp": %d}`, hr, stamina, 1000+i))
		if r.status != 200 {
			t.Fatalf("observation %d: %d %s", i+1, r.status, r.body)
		}
		return r
	}
	hasDropout := func(r *response) bool {
		for _, a := range r.json["alerts"].([]any) {
			if a.(map[string]any)["channel"] == "dropout" {
				return true
			}
		}
		return false
	}
	for i := range 30 { // heart rate and stamina only: never a dropout
		// Varying: a frozen value is a stuck sensor.
		if r := post(i, fmt.Sprint(78+i%5), fmt.Sprint(90-i%3)); r.str("state") != "ok" || hasDropout(r) {
			t.Fatalf("observation %d of a two-sensor kit: %s", i+1, r.body)
		}
	}
	// Both of the kit's vitals lost: a dropout after DefaultDropoutTicks.
	var r *response
	for i := 30; i < 30+detector.DefaultDropoutTicks; i++ {
		r = post(i, "null", "null")
		if i < 30+detector.DefaultDropoutTicks-1 && hasDropout(r) {
			t.Fatalf("dropout after %d silent observations: %s", i-29, r.body)
		}
	}
	if !hasDropout(r) || r.str("kind") != "dropout" {
		t.Fatalf("every measured vital missing for %d s: %s", detector.DefaultDropoutTicks, r.body)
	}
}

func TestPredictDefaultsAndNulls(t *testing.T) {
	f := newFixture(t, nil, WithDefaultPhase(engine.PhaseRest))
	r := f.predict(`{"soldier_id": 3, "heart_rate": 80, "stamina": 90, "timestamp": 100}`)
	if r.status != 200 || r.str("phase") != "rest" {
		t.Fatalf("no phase, no history: want the default phase rest: %d %s", r.status, r.body)
	}
	r = f.predict(`{"soldier_id": 3, "heart_rate": 80, "stamina": 90, "timestamp": 101, "phase": "march", "next_phase": "contact", "ambient": 31}`)
	if r.status != 200 || r.str("phase") != "march" || r.str("next_phase") != "contact" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// Without a phase the soldier continues with the next phase it announced.
	r = f.predict(`{"soldier_id": 3, "heart_rate": 80, "stamina": 90, "core_temp": null, "spo2": 97.5, "timestamp": 102}`)
	if r.status != 200 || r.str("phase") != "contact" || r.str("next_phase") != "contact" {
		t.Fatalf("phase after next_phase contact: %d %s", r.status, r.body)
	}
	row, ok, err := f.store.Latest(t.Context(), 3)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if !row.Missing.Has(engine.CoreTemp) || !math.IsNaN(row.Values[engine.CoreTemp]) || row.Values[engine.SpO2] != 97.5 || row.Ambient != DefaultAmbient {
		t.Errorf("stored row %+v: core_temp null must be missing, ambient the default", row)
	}
	// Integral numbers in other spellings are whole numbers.
	r = f.predict(`{"soldier_id": 3.0, "heart_rate": 8e1, "stamina": 90, "timestamp": 1.03e2}`)
	if r.status != 200 || r.json["timestamp"] != 103.0 {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// TestPredictBadInput: every rule gets a 4xx JSON error naming the field and
// the rule, and nothing is written.
func TestPredictBadInput(t *testing.T) {
	ok := func(extra string) string {
		return `{"soldier_id": 7, "heart_rate": 80, "stamina": 90, "timestamp": 1700000000` + extra + `}`
	}
	cases := []struct {
		name, body string
		headers    []string
		status     int
		code       string
		field      string
		contains   string
	}{
		{"content type form", ok(""), []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", "", "application/json"},
		{"content type missing", ok(""), []string{"Content-Type", ""}, 415, "unsupported_media_type", "", "application/json"},
		{"content type text", ok(""), []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", "", ""},
		{"empty body", "", nil, 400, "invalid_json", "", "end of input"},
		{"not JSON", "soldier 7 hr 80", nil, 400, "invalid_json", "", "byte 0"},
		{"truncated", `{"soldier_id": 7, "heart_rate": 8`, nil, 400, "invalid_json", "", ""},
		{"trailing data", ok("") + `{}`, nil, 400, "invalid_json", "", "after the JSON value"},
		{"array", `[1,2]`, nil, 400, "wrong_type", "", "an array"},
		{"unknown field", ok(`, "blood_type": "O"`), nil, 400, "unknown_field", "blood_type", "blood_type"},
		{"unknown field case", `{"Soldier_ID": 7, "heart_rate": 80, "stamina": 90, "timestamp": 1}`, nil, 400, "unknown_field", "Soldier_ID", ""},
		{"duplicate field", ok(`, "heart_rate": 81`), nil, 400, "duplicate_field", "heart_rate", "twice"},
		{"string NaN", `{"soldier_id": 7, "heart_rate": "NaN", "stamina": 90, "timestamp": 1}`, nil, 400, "wrong_type", "heart_rate", "got a string"},
		{"string number", `{"soldier_id": 7, "heart_rate": "80", "stamina": 90, "timestamp": 1}`, nil, 400, "wrong_type", "heart_rate", ""},
		{"bare NaN", `{"soldier_id": 7, "heart_rate": NaN, "stamina": 90, "timestamp": 1}`, nil, 400, "invalid_json", "", ""},
		{"Infinity", `{"soldier_id": 7, "heart_rate": Infinity, "stamina": 90, "timestamp": 1}`, nil, 400, "invalid_json", "", ""},
		{"huge exponent", `{"soldier_id": 7, "heart_rate": 1e999, "stamina": 90, "timestamp": 1}`, nil, 422, "out_of_range", "heart_rate", "finite"},
		{"boolean", `{"soldier_id": 7, "heart_rate": true, "stamina": 90, "timestamp": 1}`, nil, 400, "wrong_type", "heart_rate", "boolean"},
		{"object", `{"soldier_id": 7, "heart_rate": {"v": 80}, "stamina": 90, "timestamp": 1}`, nil, 400, "wrong_type", "heart_rate", "object"},
		{"negative heart rate", `{"soldier_id": 7, "heart_rate": -5, "stamina": 90, "timestamp": 1}`, nil, 422, "out_of_range", "heart_rate", "between 0 and 300"},
		{"impossible heart rate", `{"soldier_id": 7, "heart_rate": 350, "stamina": 90, "timestamp": 1}`, nil, 422, "out_of_range", "heart_rate", "350"},
		{"stamina above 100", `{"soldier_id": 7, "heart_rate": 80, "stamina": 100.5, "timestamp": 1}`, nil, 422, "out_of_range", "stamina", ""},
		{"spo2 above 100", ok(`, "spo2": 101`), nil, 422, "out_of_range", "spo2", ""},
		{"core temperature", ok(`, "core_temp": 50`), nil, 422, "out_of_range", "core_temp", "25 and 45"},
		{"ambient", ok(`, "ambient": 80`), nil, 422, "out_of_range", "ambient", ""},
		{"missing soldier_id", `{"heart_rate": 80, "stamina": 90, "timestamp": 1}`, nil, 400, "missing_field", "soldier_id", "required"},
		{"missing heart_rate", `{"soldier_id": 7, "stamina": 90, "timestamp": 1}`, nil, 400, "missing_field", "heart_rate", "null"},
		{"missing timestamp", `{"soldier_id": 7, "heart_rate": 80, "stamina": 90}`, nil, 400, "missing_field", "timestamp", ""},
		{"soldier_id zero", `{"soldier_id": 0, "heart_rate": 80, "stamina": 90, "timestamp": 1}`, nil, 422, "out_of_range", "soldier_id", "between 1 and"},
		{"soldier_id negative", `{"soldier_id": -3, "heart_rate": 80, "stamina": 90, "timestamp": 1}`, nil, 422, "out_of_range", "soldier_id", ""},
		{"soldier_id too big", `{"soldier_id": 2147483648, "heart_rate": 80, "stamina": 90, "timestamp": 1}`, nil, 422, "out_of_range", "soldier_id", ""},
		{"soldier_id fraction", `{"soldier_id": 1.5, "heart_rate": 80, "stamina": 90, "timestamp": 1}`, nil, 400, "wrong_type", "soldier_id", "whole"},
		{"soldier_id string", `{"soldier_id": "7", "heart_rate": 80, "stamina": 90, "timestamp": 1}`, nil, 400, "wrong_type", "soldier_id", ""},
		{"soldier_id null", `{"soldier_id": null, "heart_rate": 80, "stamina": 90, "timestamp": 1}`, nil, 400, "wrong_type", "soldier_id", "null"},
		{"timestamp fraction", `{"soldier_id": 7, "heart_rate": 80, "stamina": 90, "timestamp": 1.5}`, nil, 400, "wrong_type", "timestamp", "whole unix seconds"},
		{"timestamp negative", `{"soldier_id": 7, "heart_rate": 80, "stamina": 90, "timestamp": -1}`, nil, 422, "out_of_range", "timestamp", ""},
		{"timestamp beyond 2^53", `{"soldier_id": 7, "heart_rate": 80, "stamina": 90, "timestamp": 9007199254740993}`, nil, 422, "out_of_range", "timestamp", ""},
		{"timestamp in the future", `{"soldier_id": 7, "heart_rate": 80, "stamina": 90, "timestamp": 1700000301}`, nil, 422, "too_far_in_future", "timestamp", "server clock"},
		{"unknown phase", ok(`, "phase": "sleeping"`), nil, 422, "invalid_value", "phase", "rest, patrol"},
		{"phase number", ok(`, "phase": 2`), nil, 400, "wrong_type", "phase", ""},
		{"bad escape", `{"soldier_id": 7, "heart_rate": 80, "stamina": 90, "timestamp": 1, "phase": "\x"}`, nil, 400, "invalid_json", "", "escape"},
		{"deep nesting", `{"x": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, nil, 400, "invalid_json", "", "nested"},
	}
	f := newFixture(t, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do("POST", "/predict", c.body, c.headers...)
			if r.status != c.status || r.str("code") != c.code {
				t.Fatalf("status %d code %q, want %d %q: %s", r.status, r.str("code"), c.status, c.code, r.body)
			}
			if c.field != "" && r.str("field") != c.field {
				t.Errorf("field %q, want %q: %s", r.str("field"), c.field, r.body)
			}
			if !strings.Contains(r.str("error"), c.contains) || r.str("error") == "" {
				t.Errorf("error %q does not say %q", r.str("error"), c.contains)
			}
		})
	}
	if n := f.stored(7); n != 0 {
		t.Fatalf("%d rows written for rejected observations", n)
	}
	if st := f.mon.Stats(); st.Observations != 0 {
		t.Fatalf("monitor ingested %d observations", st.Observations)
	}
}

func TestPredictOutOfOrder(t *testing.T) {
	f := newFixture(t, nil, WithReorderWindow(5*time.Second))
	if r := f.predict(obsJSON(2, 1000, 80)); r.status != 200 {
		t.Fatal(r.status, string(r.body))
	}
	for _, c := range []struct {
		ts   int64
		hr   float64
		code string
	}{
		{1000, 81, "timestamp_conflict"}, // another reading at a stored timestamp
		{994, 80, "out_of_order"},        // more than the 5 s window late
	} {
		r := f.predict(obsJSON(2, c.ts, c.hr))
		if r.status != http.StatusConflict || r.str("code") != c.code || r.str("field") != "timestamp" || r.json["latest"] != 1000.0 {
			t.Fatalf("timestamp %d (hr %v) after 1000: %d %s", c.ts, c.hr, r.status, r.body)
		}
	}
	if n := f.stored(2); n != 1 {
		t.Fatalf("%d rows stored, want 1", n)
	}
}

// TestPredictLateAndRepeated: a repeat is idempotent (the original verdict
// marked "repeat" while it is the latest, an unscored answer after), a
// reading up to the reorder window late is stored in time order and
// answered unscored with "late": true.
func TestPredictLateAndRepeated(t *testing.T) {
	testLateAndRepeated(t, func(opts ...Option) *fixture { return newFixture(t, nil, opts...) })
}

// testLateAndRepeated is TestPredictLateAndRepeated on the fixtures mk
// builds (each on an empty store).
func testLateAndRepeated(t *testing.T, mk func(opts ...Option) *fixture) {
	f := mk(WithReorderWindow(5 * time.Second))
	first := f.predict(obsJSON(2, 1000, 190))
	if first.status != 200 || first.str("state") != "watch" {
		t.Fatal(first.status, string(first.body))
	}
	r := f.predict(obsJSON(2, 1000, 190))
	if r.status != 200 || r.json["repeat"] != true || r.str("state") != "watch" || r.json["vitals"] == nil {
		t.Fatalf("repeat of the latest: %d %s", r.status, r.body)
	}
	delete(r.json, "repeat")
	if !reflect.DeepEqual(r.json, first.json) {
		t.Fatalf("repeat answered %s, the original %s", r.body, first.body)
	}
	if r := f.predict(obsJSON(2, 1003, 80)); r.status != 200 || r.json["late"] != nil || r.json["repeat"] != nil {
		t.Fatalf("next reading: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		ts   int64
		hr   float64
		flag string
	}{
		{1001, 80, "late"},    // 2 s late
		{998, 80, "late"},     // 5 s late: before the first, inside the window
		{1001, 80, "repeat"},  // a late reading repeated
		{1000, 190, "repeat"}, // no longer the latest: not kept
	} {
		r := f.predict(obsJSON(2, c.ts, c.hr))
		if r.status != 200 || r.json[c.flag] != true || r.json["scored"] != false || r.str("state") != "not_scored" ||
			r.json["anomaly"] != false || r.json["timestamp"] != float64(c.ts) || r.json["soldier_id"] != 2.0 {
			t.Fatalf("timestamp %d: %d %s; want %s", c.ts, r.status, r.body, c.flag)
		}
	}
	w, err := f.store.Window(context.Background(), 2, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ts []int64
	for _, o := range w {
		ts = append(ts, o.T)
	}
	if !slices.Equal(ts, []int64{998, 1000, 1001, 1003}) {
		t.Fatalf("stored ticks %v", ts)
	}
	if st := f.mon.Stats(); st.Observations != 4 || st.Scored != 2 {
		t.Fatalf("stats %+v: want 4 rows, 2 scored", st)
	}
	m := string(f.do("GET", "/metrics", "").body)
	if !strings.Contains(m, `chakra_late_readings_total{outcome="late"} 2`) || !strings.Contains(m, `chakra_late_readings_total{outcome="repeat"} 3`) {
		t.Errorf("metrics: %s", m)
	}
	// Window 0: repeats only.
	f = mk(WithReorderWindow(0))
	f.predict(obsJSON(2, 1000, 80))
	if r := f.predict(obsJSON(2, 999, 80)); r.status != http.StatusConflict || r.str("code") != "out_of_order" {
		t.Fatalf("window 0, 1 s late: %d %s", r.status, r.body)
	}
	if r := f.predict(obsJSON(2, 1000, 80)); r.status != 200 || r.json["repeat"] != true {
		t.Fatalf("window 0, repeat: %d %s", r.status, r.body)
	}
}

func TestPredictBodyLimit(t *testing.T) {
	f := newFixture(t, nil)
	big := `{"soldier_id": 1, "heart_rate": 80, "stamina": 90, "timestamp": 1, "phase": "` + strings.Repeat("a", DefaultBodyLimit) + `"}`
	r := f.predict(big)
	if r.status != http.StatusRequestEntityTooLarge || r.str("code") != "body_too_large" || !strings.Contains(r.str("error"), "1048576") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// Also when the client does not say how long the body is.
	small := newFixture(t, nil, WithBodyLimit(100))
	req := strings.NewReader(strings.Repeat(" ", 200) + obsJSON(1, 1, 80))
	rr := doReader(t, small.api, req)
	if rr.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked body over the limit: %d %s", rr.status, rr.body)
	}
}

func TestWrongMethodAndPath(t *testing.T) {
	f := newFixture(t, nil)
	for _, c := range []struct{ method, path, allow string }{
		{"GET", "/predict", "POST"},
		{"PUT", "/predict/batch", "POST"},
		{"POST", "/health", "GET, HEAD"},
		{"DELETE", "/soldiers/1", "GET, HEAD, PUT"},
		{"POST", "/alerts", "GET"},
		{"POST", "/metrics", "GET, HEAD"},
	} {
		r := f.do(c.method, c.path, "")
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != c.allow || r.str("code") != "method_not_allowed" {
			t.Errorf("%s %s: %d Allow=%q %s", c.method, c.path, r.status, r.header.Get("Allow"), r.body)
		}
	}
	r := f.do("GET", "/nope", "")
	if r.status != 404 || r.str("code") != "not_found" {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
}

func TestWarmingUp(t *testing.T) {
	mk := func() detector.Scorer {
		sc, err := detector.NewZScore()
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	warm, err := MeasureWarmup(mk(), 500)
	if err != nil {
		t.Fatal(err)
	}
	if warm != detector.DefaultZWindow {
		t.Fatalf("measured warm-up %d, want the z-score window %d", warm, detector.DefaultZWindow)
	}
	f := newFixture(t, mk(), WithWarmup(warm))
	for i := range warm + 1 {
		// Every vital varies: a value frozen from the first reading is a
		// stuck sensor by the stuck tracker's population prior.
		b, _ := json.Marshal(map[string]any{"soldier_id": 4, "timestamp": 1000 + i, "heart_rate": 70 + i%5,
			"stamina": 90 + 0.1*float64(i%3), "core_temp": 37.2 + 0.01*float64(i%4), "spo2": 97 + i%2})
		r := f.predict(string(b))
		if r.status != 200 {
			t.Fatal(r.status, string(r.body))
		}
		if i < warm {
			wu, _ := r.json["warmup"].(map[string]any)
			// Judged from the first observation on the population prior;
			// the countdown reaches 1 at the last one before the model's.
			if r.str("state") != "ok" || r.str("basis") != "population" || wu["observations_needed"] != float64(warm-i) || r.json["anomaly"] != false {
				t.Fatalf("observation %d: %s", i+1, r.body)
			}
			continue
		}
		if r.str("state") == "warming_up" || r.json["warmup"] != nil || r.str("basis") != "model" {
			t.Fatalf("observation %d still warming up: %s", i+1, r.body)
		}
		q50 := r.json["vitals"].(map[string]any)["heart_rate"].(map[string]any)["forecast"].(map[string]any)["q50"]
		if q, ok := q50.(float64); !ok || q < 70 || q > 75 {
			t.Fatalf("forecast median %v after warm-up", q50)
		}
	}
	r := f.do("GET", "/health", "")
	if r.json["model"].(map[string]any)["warmup_observations"] != float64(warm) {
		t.Errorf("health %s", r.body)
	}
	// The same countdown for a soldier sent in batches of 7 seconds.
	var items []map[string]any
	for i := range warm + 1 {
		items = append(items, map[string]any{"soldier_id": 6, "timestamp": 1000 + i, "heart_rate": 70 + i%5,
			"stamina": 90 + 0.1*float64(i%3), "core_temp": 37.2 + 0.01*float64(i%4), "spo2": 97 + i%2})
	}
	for start := 0; start < len(items); start += 7 {
		b, _ := json.Marshal(items[start:min(start+7, len(items))])
		r := f.do("POST", "/predict/batch", string(b))
		if r.status != 200 {
			t.Fatal(r.status, string(r.body))
		}
		for j, res := range r.json["results"].([]any) {
			i := start + j
			v := res.(map[string]any)["verdict"].(map[string]any)
			wu, _ := v["warmup"].(map[string]any)
			if i < warm && wu["observations_needed"] != float64(warm-i) || i == warm && wu != nil {
				t.Fatalf("batch item %d (observation %d): warmup %v", j, i+1, v["warmup"])
			}
		}
	}
}

func TestSoldierEndpoints(t *testing.T) {
	f := newFixture(t, nil, WithReserved(func(id engine.SoldierID) bool { return id == 99 }, "is simulated"))
	r := f.do("GET", "/soldiers/5", "")
	if r.status != 404 || r.str("code") != "not_found" {
		t.Fatalf("unknown soldier: %d %s", r.status, r.body)
	}
	r = f.do("PUT", "/soldiers/5", `{"age": 40, "fitness": "high", "resting_hr": 52, "mass": 90}`)
	if r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	p := r.json["profile"].(map[string]any)
	if p["age"] != 40.0 || p["hr_max"] != 180.0 || p["fitness"] != "high" || p["known"] != true || p["acclimatised"] != 0.5 {
		t.Errorf("profile %v: hr_max follows age, the rest defaults", p)
	}
	got, known, err := f.mon.Profile(t.Context(), 5)
	if err != nil || !known || got.RestingHR != 52 || got.Fitness != engine.FitnessHigh {
		t.Fatalf("stored profile %+v known=%v err=%v", got, known, err)
	}
	for i := range 3 {
		if r := f.predict(obsJSON(5, int64(500+i), 60)); r.status != 200 {
			t.Fatal(r.status, string(r.body))
		}
	}
	r = f.do("GET", "/soldiers/5?n=2", "")
	if r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	win := r.json["window"].([]any)
	if len(win) != 2 || win[1].(map[string]any)["timestamp"] != 502.0 || win[0].(map[string]any)["heart_rate"] != 60.0 {
		t.Errorf("window %v", win)
	}
	if l := r.json["latest"].(map[string]any); l["timestamp"] != 502.0 {
		t.Errorf("latest %v", l)
	}
	if r.json["profile"].(map[string]any)["resting_hr"] != 52.0 {
		t.Errorf("profile in GET %v", r.json["profile"])
	}
	// A profile set after the first verdicts says the scorer keeps its own.
	if r := f.do("PUT", "/soldiers/5", `{"age": 41}`); r.status != 200 || !strings.Contains(r.str("note"), "already has verdicts") {
		t.Errorf("late put: %d %s", r.status, r.body)
	}

	for _, c := range []struct {
		method, path, body string
		status             int
		code, field        string
	}{
		{"PUT", "/soldiers/6", `{"age": 5}`, 422, "out_of_range", "age"},
		{"PUT", "/soldiers/6", `{"age": "old"}`, 400, "wrong_type", "age"},
		{"PUT", "/soldiers/6", `{"fitness": "elite"}`, 422, "invalid_value", "fitness"},
		{"PUT", "/soldiers/6", `{"resting_hr": 100, "hr_max": 100}`, 422, "invalid_value", "resting_hr"},
		{"PUT", "/soldiers/6", `{"shoe_size": 44}`, 400, "unknown_field", "shoe_size"},
		{"PUT", "/soldiers/6", `{"soldier_id": 7}`, 422, "invalid_value", "soldier_id"},
		{"PUT", "/soldiers/6", `{"squad": 1.5}`, 400, "wrong_type", "squad"},
		{"PUT", "/soldiers/6", `{"mass": 1e400}`, 422, "out_of_range", "mass"},
		{"PUT", "/soldiers/6", `{"age": 30,}`, 400, "invalid_json", ""},
		{"PUT", "/soldiers/99", `{"age": 30}`, 409, "simulated_soldier", "id"},
		{"GET", "/soldiers/abc", "", 404, "not_found", "id"},
		{"GET", "/soldiers/0", "", 404, "not_found", "id"},
		{"GET", "/soldiers/007", "", 404, "not_found", "id"},
		{"GET", "/soldiers/5?n=0", "", 400, "invalid_value", "n"},
		{"GET", "/soldiers/5?n=9999", "", 400, "invalid_value", "n"},
	} {
		r := f.do(c.method, c.path, c.body)
		if r.status != c.status || r.str("code") != c.code || r.str("field") != c.field || r.str("error") == "" {
			t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, r.status, r.body)
		}
	}
	if _, known, _ := f.mon.Profile(t.Context(), 6); known {
		t.Error("a rejected profile was stored")
	}
	if r := f.do("PUT", "/soldiers/6", `{"age": 30}`, "Content-Type", "text/plain"); r.status != 415 {
		t.Errorf("put text/plain: %d", r.status)
	}
	if r := f.predict(obsJSON(99, 1, 80)); r.status != 409 || r.str("code") != "simulated_soldier" {
		t.Errorf("predict for a simulated soldier: %d %s", r.status, r.body)
	}
}

func TestHealthAndReady(t *testing.T) {
	f := newFixture(t, nil, WithModelInfo(ModelInfo{Scorer: "threshold", Version: "abc123", Note: "test"}), WithStoreName("memory"))
	f.predict(obsJSON(1, 1, 80))
	f.predict(obsJSON(2, 1, 80))
	r := f.do("GET", "/health", "")
	if r.status != 200 || r.str("status") != "ok" || r.json["soldiers_tracked"] != 2.0 || r.json["observations"] != 2.0 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json["model"].(map[string]any)
	if m["scorer"] != "threshold" || m["version"] != "abc123" {
		t.Errorf("model %v", m)
	}
	if st := r.json["store"].(map[string]any); st["status"] != "ok" || st["name"] != "memory" {
		t.Errorf("store %v", st)
	}
	r = f.do("GET", "/ready", "")
	if r.status != 200 || r.json["ready"] != true {
		t.Fatalf("ready %d %s", r.status, r.body)
	}
	if r := f.do("HEAD", "/ready", ""); r.status != 200 {
		t.Errorf("HEAD /ready: %d", r.status)
	}
	f.api.Drain()
	if r := f.do("GET", "/ready", ""); r.status != 503 || r.str("code") != "shutting_down" {
		t.Errorf("ready while draining: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/health", ""); r.status != 200 || r.str("status") != "shutting_down" {
		t.Errorf("health while draining: %d %s", r.status, r.body)
	}
	// A closed store: not ready, predict answers 503 and says why.
	f.store.Close()
	g := newFixtureOn(t, f.store, nil)
	if r := g.do("GET", "/ready", ""); r.status != 503 || r.str("code") != "store_unavailable" {
		t.Errorf("ready on a closed store: %d %s", r.status, r.body)
	}
	if r := g.predict(obsJSON(1, 2, 80)); r.status != 503 || r.str("code") != "shutting_down" {
		t.Errorf("predict on a closed store: %d %s", r.status, r.body)
	}
	if r := g.do("GET", "/health", ""); r.status != 200 || r.str("status") != "degraded" {
		t.Errorf("health on a closed store: %d %s", r.status, r.body)
	}
}

func TestTokenAuth(t *testing.T) {
	f := newFixture(t, nil, WithToken("s3cret-token"))
	for _, path := range []string{"/health", "/ready", "/metrics", "/soldiers/1", "/nope"} {
		for _, auth := range []string{"", "Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token2", "Basic s3cret-token", "s3cret-token", "Bearer "} {
			r := f.do("GET", path, "", "Authorization", auth)
			if r.status != 401 || r.str("code") != "unauthorized" || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("GET %s with %q: %d %s", path, auth, r.status, r.body)
			}
		}
	}
	if r := f.do("POST", "/predict", obsJSON(1, 1, 80), "Authorization", "Bearer s3cret-token"); r.status != 200 {
		t.Errorf("right token: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/health", "", "Authorization", "bearer s3cret-token"); r.status != 200 {
		t.Errorf("scheme is case-insensitive: %d", r.status)
	}
	if r := f.do("POST", "/predict", obsJSON(2, 1, 80)); r.status != 401 {
		t.Errorf("predict without token: %d", r.status)
	}
	if f.stored(2) != 0 {
		t.Error("an unauthorised observation was written")
	}
}

func TestOpenProbes(t *testing.T) {
	f := newFixture(t, nil, WithToken("s3cret-token"), WithOpenProbes(true))
	for _, path := range []string{"/health", "/ready"} {
		for _, method := range []string{"GET", "HEAD"} {
			if r := f.do(method, path, ""); r.status != 200 {
				t.Errorf("%s %s without a token: %d %s", method, path, r.status, r.body)
			}
		}
		if r := f.do("POST", path, ""); r.status != 401 {
			t.Errorf("POST %s without a token: %d, want 401 (only GET and HEAD are open)", path, r.status)
		}
	}
	for _, path := range []string{"/metrics", "/soldiers/1", "/nope", "/health/x"} {
		if r := f.do("GET", path, ""); r.status != 401 {
			t.Errorf("GET %s without a token: %d %s", path, r.status, r.body)
		}
	}
	if r := f.do("POST", "/predict", obsJSON(2, 1, 80)); r.status != 401 {
		t.Errorf("predict without token: %d", r.status)
	}
	if f.stored(2) != 0 {
		t.Error("an unauthorised observation was written")
	}
}

// panicScorerAdapter panics in Score: the server must answer 500 and live
// on.
type panicScorerAdapter struct{}

func (panicScorerAdapter) Name() string { return "panic" }
func (panicScorerAdapter) Score([]featurestore.Window, []detector.Verdict) ([]detector.Verdict, error) {
	panic("scorer bug")
}

var errSomethingElse = errors.New("something else")

func TestPanicBecomes500(t *testing.T) {
	f := newFixture(t, panicScorerAdapter{})
	r := f.predict(obsJSON(1, 1, 80))
	if r.status != 500 || r.str("error") != "internal error" || r.str("code") != "internal" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "scorer bug") {
		t.Error("the panic value reached the client")
	}
	if r := f.do("GET", "/health", ""); r.status != 200 {
		t.Fatalf("after a panic: %d", r.status)
	}
	r = f.do("GET", "/metrics", "")
	if !strings.Contains(string(r.body), `chakra_http_requests_total{code="500",route="predict"} 1`) {
		t.Errorf("the 500 is not counted:\n%s", r.body)
	}
}

func TestErrorMappingUnknownIsInternal(t *testing.T) {
	e, internal := toAPIError(fmt.Errorf("wrapped: %w", errSomethingElse))
	if !internal || e.status != 500 || e.msg != "internal error" {
		t.Fatalf("%+v internal=%v", e, internal)
	}
}
