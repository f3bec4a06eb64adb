package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

var fuzzSeeds = []string{
	`{"soldier_id": 1, "heart_rate": 190, "stamina": 100, "timestamp": 1234567890}`,
	`{"soldier_id": 7, "heart_rate": null, "stamina": 50.5, "core_temp": 37.25, "spo2": 98, "timestamp": 1e9, "phase": "march", "next_phase": "contact", "ambient": -4.5}`,
	`{"soldier_id": 2.0, "heart_rate": 0.000001, "stamina": 1E2, "timestamp": 0}`,
	`{"soldier_id": 1, "heart_rate": "NaN", "stamina": 100, "timestamp": 1}`,
	`{"soldier_id": 1, "heart_rate": 1e999, "stamina": 100, "timestamp": 1}`,
	`{"soldier_id": 1, "heart_rate": 80, "stamina": 100, "timestamp": 1, "phase": "r\u0065st"}`,
	`{"soldier_id": 1, "heart_rate": 80, "stamina": 100, "timestamp": 1, "\ud83d\ude00": 1}`,
	`{"soldier_id": 1, "soldier_id": 2}`,
	`[{"soldier_id": 1}]`,
	`{"soldier_id": -0, "heart_rate": -0.0, "stamina": 100, "timestamp": 1}`,
	`{"soldier_id": 1, "heart_rate": 80, "stamina": 100, "timestamp": 123456789012345678901234567890}`,
	`{"soldier_id": 1, "heart_rate": 80.00000000000000000001, "stamina": 99.999999999999999999, "timestamp": 1}`,
	`{"x": [1, {"y": [true, false, null, "s\n"]}], "soldier_id": 1}`,
	"{\"soldier_id\": 1, \"phase\": \"\xff\"}",
	``, `{`, `nul`, ` `,
}

// stdObs is what encoding/json makes of an observation body, to check our
// decoder against.
type stdObs struct {
	SoldierID *float64 `json:"soldier_id"`
	Timestamp *float64 `json:"timestamp"`
	HeartRate *float64 `json:"heart_rate"`
	Stamina   *float64 `json:"stamina"`
	CoreTemp  *float64 `json:"core_temp"`
	SpO2      *float64 `json:"spo2"`
	Phase     *string  `json:"phase"`
	NextPhase *string  `json:"next_phase"`
	Ambient   *float64 `json:"ambient"`
}

// FuzzDecodeObservation: the decoder never panics; what it accepts is valid
// JSON that encoding/json reads to the same values, and a valid
// observation once defaults are applied.
func FuzzDecodeObservation(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var l lexer
		l.reset(data)
		var o obsFields
		rule, fatal := decodeObservation(&l, &o)
		if fatal == nil {
			fatal = l.end()
		}
		for _, e := range []*apiError{rule, fatal} {
			if e != nil && (e.status < 400 || e.status >= 500 || e.code == "" || e.msg == "") {
				t.Fatalf("error %+v is not a complete 4xx", e)
			}
		}
		if fatal != nil && !json.Valid(data) && fatal.code != codeInvalidJSON {
			// Invalid JSON may be reported as a field rule only if the rule
			// came first; a fatal error about invalid JSON must say so.
			t.Fatalf("invalid JSON reported as %q", fatal.code)
		}
		if fatal != nil || rule != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		var std stdObs
		d := json.NewDecoder(bytes.NewReader(data))
		d.DisallowUnknownFields()
		if err := d.Decode(&std); err != nil {
			t.Fatalf("accepted %q, encoding/json says %v", data, err)
		}
		if *std.SoldierID != float64(o.soldier) || *std.Timestamp != float64(o.ts) {
			t.Fatalf("id/timestamp %d/%d, encoding/json %v/%v", o.soldier, o.ts, *std.SoldierID, *std.Timestamp)
		}
		for v, p := range []*float64{std.HeartRate, std.Stamina, std.CoreTemp, std.SpO2} {
			vital := engine.Vital(v)
			switch {
			case p == nil:
				if o.has(fHeartRate+v) && !o.null.Has(vital) {
					t.Fatalf("%v: we read %v, encoding/json null or absent", vital, o.vals[v])
				}
			case *p != o.vals[v]:
				t.Fatalf("%v: we read %v, encoding/json %v", vital, o.vals[v], *p)
			}
		}
		obs := o.observation(obsDefaults{phase: engine.PhasePatrol, ambient: 20})
		if err := featurestore.ValidateObservation(&obs); err != nil {
			t.Fatalf("accepted observation is invalid: %v", err)
		}
		if std.Phase != nil && *std.Phase != obs.Phase.String() {
			t.Fatalf("phase %v, encoding/json %q", obs.Phase, *std.Phase)
		}
	})
}

// FuzzPredictHandler: whatever the body, the server answers without
// panicking (a panic would be a 500), with a JSON body, and writes a row
// only for a 200.
func FuzzPredictHandler(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	fx := newFixture(f, nil)
	f.Fuzz(func(t *testing.T, body string) {
		before := fx.mon.Stats().Observations
		for _, path := range []string{"/predict", "/predict/batch"} {
			r := doHandler(t, fx.api, "POST", path, body)
			if r.status == 500 || r.json == nil {
				t.Fatalf("%s %q: %d %s", path, body, r.status, r.body)
			}
			if r.status != 200 && (r.str("error") == "" || r.str("code") == "") {
				t.Fatalf("%s %q: error body %s", path, body, r.body)
			}
			after := fx.mon.Stats().Observations
			if r.status != 200 && after != before {
				t.Fatalf("%s %q: %d answered, yet %d rows written", path, body, r.status, after-before)
			}
			before = after
		}
		r := doHandler(t, fx.api, "PUT", "/soldiers/3", body)
		if r.status == 500 || r.json == nil {
			t.Fatalf("PUT %q: %d %s", body, r.status, r.body)
		}
	})
}

// FuzzAppendString: every string, valid UTF-8 or not, encodes to a JSON
// string that decodes to the same text (invalid bytes as U+FFFD).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\" back\\ nl\n tab\t ctl\x01", "\u2028\u2029", "\xff\xfe", "日本語"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q encoded as invalid JSON %s: %v", s, b, err)
		}
		if want := replaceInvalid(s); got != want {
			t.Fatalf("%q → %s → %q, want %q", s, b, got, want)
		}
	})
}

// replaceInvalid replaces each byte that is not part of valid UTF-8 with
// U+FFFD, as appendString does.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for an invalid byte
		i += size
	}
	return b.String()
}

// FuzzAppendFloat: numbers come out as valid JSON within half a unit of
// their last significant digit.
func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, 1, -1, 37.5, 0.1234567, 123456789, 1e-7, 1e22, 999999.7, math.NaN(), math.Inf(1), 5e-324} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		for _, prec := range []int{-1, outPrec} {
			b := appendFloat(nil, x, prec)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				if string(b) != "null" {
					t.Fatalf("%v → %s", x, b)
				}
				continue
			}
			var got float64
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%v (prec %d) → invalid JSON %s", x, prec, b)
			}
			tol := 0.0
			if prec > 0 {
				tol = math.Abs(x) * 5.000001 * math.Pow(10, -float64(prec))
			}
			if math.Abs(got-x) > tol {
				t.Fatalf("%v (prec %d) → %s, off by %g", x, prec, b, got-x)
			}
		}
	})
}
