package httpapi

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// intOracle is what parseInt must say of raw, worked out with math/big:
// the exact rational value of the JSON number, whole or not, within
// [lo, hi] or not.
func intOracle(raw string, lo, hi int64) (v int64, whole, inRange bool) {
	r, ok := new(big.Rat).SetString(raw)
	if !ok {
		panic("oracle cannot read " + raw)
	}
	if !r.IsInt() {
		return 0, false, false
	}
	n := r.Num()
	if n.Cmp(big.NewInt(lo)) < 0 || n.Cmp(big.NewInt(hi)) > 0 {
		return 0, true, false
	}
	return n.Int64(), true, true
}

// TestParseIntBoundaries checks parseInt against exact arithmetic at the
// edges where a uint64 or a float64 would wrap or round: 2^53, 2^63, 2^64
// and beyond, many digits, fractions too small for a float64, exponents.
func TestParseIntBoundaries(t *testing.T) {
	cases := []string{
		"0", "-0", "-0.0", "0e5", "0.000", "1", "-1", "7", "7.0", "7e0", "7E+0", "70e-1", "1.5e1", "1.5", "0.5",
		"9007199254740991", "9007199254740992", "9007199254740993", "9007199254740991.0", "9007199254740991.5",
		"9007199254740993e0", "2147483647", "2147483648", "2147483647.0000000000000000001",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"18446744073709551615", "18446744073709551616", "18446744073709551621", "36893488147419103237",
		"1844674407370955162", "184467440737095516210", "1.8446744073709551621e19", "18446744073709551621e-19",
		"99999999999999999999", "100000000000000000000", "123456789012345678901234567890",
		"1.0000000000000000001", "1.00000000000000000000000000000", "100000000000000000000000000000e-29",
		"1e3", "1e18", "1e19", "1e20", "1e308", "1e999", "1e-999", "1e100000", "1e-100000", "5e-1", "50e-1",
		"0.00000000000000000000000000001e29", "1" + strings.Repeat("0", 400) + "e-400",
		"-18446744073709551621", "-1e-999",
	}
	ranges := [][2]int64{{0, maxTimestamp}, {1, maxSoldierID}, {0, 1 << 20}, {0, math.MaxInt64}}
	for _, raw := range cases {
		for _, rg := range ranges {
			checkParseInt(t, raw, rg[0], rg[1])
		}
	}
	// Exponents too large for the oracle.
	for _, c := range []struct {
		raw             string
		whole, inRanges bool
	}{{"1e1000000000", true, false}, {"1e-1000000000", false, false}, {"0e1000000000", true, true}, {"-0e-1000000000", true, true}} {
		if _, whole, ok := parseInt([]byte(c.raw), 0, 10); whole != c.whole || ok != c.inRanges {
			t.Errorf("parseInt(%s) whole %v in range %v, want %v %v", c.raw, whole, ok, c.whole, c.inRanges)
		}
	}
}

// TestParseIntRandom compares parseInt with exact arithmetic on random
// numbers around the boundaries.
func TestParseIntRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	bases := []string{"9007199254740991", "9223372036854775807", "18446744073709551615", "2147483647", "1048576"}
	for range 20000 {
		var b strings.Builder
		if rng.IntN(8) == 0 {
			b.WriteByte('-')
		}
		base := bases[rng.IntN(len(bases))]
		// Perturb the last digits, maybe add digits.
		cut := rng.IntN(len(base)) + 1
		b.WriteString(base[:cut])
		for range len(base) - cut + rng.IntN(3) - 1 {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		if b.Len() == 0 || b.String() == "-" {
			b.WriteByte('1')
		}
		if rng.IntN(3) == 0 {
			b.WriteByte('.')
			for range rng.IntN(4) + 1 {
				b.WriteByte("00000123456789"[rng.IntN(14)])
			}
		}
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&b, "e%d", rng.IntN(41)-20)
		}
		raw := b.String()
		if raw[0] == '0' && len(raw) > 1 && raw[1] >= '0' && raw[1] <= '9' {
			continue // not JSON
		}
		checkParseInt(t, raw, 0, maxTimestamp)
		checkParseInt(t, raw, 1, maxSoldierID)
	}
}

func checkParseInt(t *testing.T, raw string, lo, hi int64) {
	t.Helper()
	var l lexer
	l.reset([]byte(raw))
	num, e := l.number()
	if e != nil || l.i != len(raw) {
		t.Fatalf("%s is not a JSON number: %v", raw, e)
	}
	v, whole, ok := parseInt(num, lo, hi)
	wv, wwhole, wok := intOracle(raw, lo, hi)
	if whole != wwhole || ok != wok || (ok && v != wv) {
		t.Errorf("parseInt(%s, %d, %d) = %d, whole %v, in range %v; want %d, %v, %v", raw, lo, hi, v, whole, ok, wv, wwhole, wok)
	}
}

// TestIntegerFieldsDoNotWrap: an integer that does not fit its field is a
// 4xx naming the field, on every endpoint that takes one, and nothing is
// written; valid spellings of a boundary value are accepted.
func TestIntegerFieldsDoNotWrap(t *testing.T) {
	const hr = `"heart_rate": 80, "stamina": 90`
	tests := []struct {
		method, path, body string
		status             int
		code, field        string
	}{
		// 2^64+5 would wrap to soldier 5; 2^64 to timestamp 0.
		{"POST", "/predict", `{"soldier_id": 18446744073709551621, "timestamp": 1, ` + hr + `}`, 422, "out_of_range", "soldier_id"},
		{"POST", "/predict", `{"soldier_id": 5, "timestamp": 18446744073709551616, ` + hr + `}`, 422, "out_of_range", "timestamp"},
		{"POST", "/predict", `{"soldier_id": 5, "timestamp": 18446744073709551615, ` + hr + `}`, 422, "out_of_range", "timestamp"},
		{"POST", "/predict", `{"soldier_id": 5, "timestamp": 9223372036854775808, ` + hr + `}`, 422, "out_of_range", "timestamp"},
		{"POST", "/predict", `{"soldier_id": 5, "timestamp": 9223372036854775807, ` + hr + `}`, 422, "out_of_range", "timestamp"},
		{"POST", "/predict", `{"soldier_id": 5, "timestamp": 9007199254740992, ` + hr + `}`, 422, "out_of_range", "timestamp"},
		{"POST", "/predict", `{"soldier_id": 2147483648, "timestamp": 1, ` + hr + `}`, 422, "out_of_range", "soldier_id"},
		{"POST", "/predict", `{"soldier_id": 123456789012345678901234567890, "timestamp": 1, ` + hr + `}`, 422, "out_of_range", "soldier_id"},
		{"POST", "/predict", `{"soldier_id": 1e19, "timestamp": 1, ` + hr + `}`, 422, "out_of_range", "soldier_id"},
		{"POST", "/predict", `{"soldier_id": -0, "timestamp": 1, ` + hr + `}`, 422, "out_of_range", "soldier_id"},
		{"POST", "/predict", `{"soldier_id": -18446744073709551621, "timestamp": 1, ` + hr + `}`, 422, "out_of_range", "soldier_id"},
		{"POST", "/predict", `{"soldier_id": 5.0000000000000000001, "timestamp": 1, ` + hr + `}`, 400, "wrong_type", "soldier_id"},
		{"POST", "/predict", `{"soldier_id": 05, "timestamp": 1, ` + hr + `}`, 400, "invalid_json", "soldier_id"},
		{"POST", "/predict", `{"soldier_id": 5, "timestamp": 00, ` + hr + `}`, 400, "invalid_json", "timestamp"},
		{"POST", "/predict/batch", `[{"soldier_id": 18446744073709551621, "timestamp": 1, ` + hr + `}]`, 200, "out_of_range", "soldier_id"},
		{"POST", "/predict/batch", `[{"soldier_id": 5, "timestamp": 18446744073709551616, ` + hr + `}]`, 200, "out_of_range", "timestamp"},
		{"PUT", "/soldiers/5", `{"squad": 18446744073709551616}`, 422, "out_of_range", "squad"},
		{"PUT", "/soldiers/5", `{"squad": 18446744073709551617}`, 422, "out_of_range", "squad"},
		{"PUT", "/soldiers/5", `{"soldier_id": 18446744073709551621}`, 422, "out_of_range", "soldier_id"},
		{"PUT", "/soldiers/5", `{"squad": 1048577}`, 422, "out_of_range", "squad"},
	}
	for _, tt := range tests {
		f := newFixture(t, nil)
		r := f.do(tt.method, tt.path, tt.body)
		if r.status != tt.status {
			t.Errorf("%s %s %s: status %d, want %d: %s", tt.method, tt.path, tt.body, r.status, tt.status, r.body)
			continue
		}
		got := r.json
		if tt.path == "/predict/batch" {
			results, _ := r.json["results"].([]any)
			if len(results) != 1 {
				t.Errorf("%s: results %s", tt.body, r.body)
				continue
			}
			got, _ = results[0].(map[string]any)
		}
		if got["code"] != tt.code || got["field"] != tt.field {
			t.Errorf("%s %s %s: code %v field %v, want %s %s: %s", tt.method, tt.path, tt.body, got["code"], got["field"], tt.code, tt.field, r.body)
		}
		if n := f.mon.Stats().Observations; n != 0 {
			t.Errorf("%s: %d observations written", tt.body, n)
		}
		for _, id := range []int{0, 5} {
			if n := f.stored(engine.SoldierID(id)); n != 0 {
				t.Errorf("%s: soldier %d has %d rows", tt.body, id, n)
			}
		}
	}
	// The largest values that fit are accepted, however spelled.
	f := newFixture(t, nil, WithClock(func() time.Time { return time.Unix(maxTimestamp, 0) }))
	for i, id := range []string{"2147483647", "2147483647.0", "2.147483647e9", "21474836470e-1"} {
		body := fmt.Sprintf(`{"soldier_id": %s, "timestamp": %d, %s}`, id, 9007199254740991-10+i, hr)
		if r := f.predict(body); r.status != 200 {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
	if n := f.stored(engine.SoldierID(math.MaxInt32)); n != 4 {
		t.Errorf("soldier 2147483647 has %d rows, want 4", n)
	}
}

// TestSyntaxErrorNamesField: NaN, Infinity and other invalid JSON inside a
// field's value name that field; invalid JSON between fields does not.
func TestSyntaxErrorNamesField(t *testing.T) {
	tests := []struct{ body, field string }{
		{`{"soldier_id": 1, "timestamp": 1, "heart_rate": NaN, "stamina": 90}`, "heart_rate"},
		{`{"soldier_id": 1, "timestamp": 1, "heart_rate": 80, "stamina": Infinity}`, "stamina"},
		{`{"soldier_id": 1, "timestamp": 1, "heart_rate": -Infinity, "stamina": 90}`, "heart_rate"},
		{`{"soldier_id": 1, "timestamp": 1, "heart_rate": 80, "stamina": 90, "ambient": nan}`, "ambient"},
		{`{"soldier_id": 1, "timestamp": 1, "heart_rate": 1.e5, "stamina": 90}`, "heart_rate"},
		{`{"soldier_id": 1, "timestamp": 1, "heart_rate": 80, "stamina": 90, "extra": [1, NaN]}`, "extra"},
		{`{"soldier_id": 1, "timestamp": 1, "heart_rate": 80 90, "stamina": 90}`, ""},
		{`{"soldier_id": 1, "timestamp": 1 "heart_rate": 80, "stamina": 90}`, ""},
		{`{"soldier_id": 1, NaN: 1}`, ""},
	}
	f := newFixture(t, nil)
	for _, path := range []string{"/predict", "/predict/batch"} {
		for _, tt := range tests {
			body := tt.body
			if path == "/predict/batch" {
				body = "[" + body + "]"
			}
			r := f.do("POST", path, body)
			if r.status != 400 || r.str("code") != "invalid_json" {
				t.Errorf("%s %s: %d %s", path, body, r.status, r.body)
				continue
			}
			if got, _ := r.json["field"].(string); got != tt.field {
				t.Errorf("%s %s: field %q, want %q: %s", path, body, got, tt.field, r.body)
			}
		}
	}
	if n := f.mon.Stats().Observations; n != 0 {
		t.Errorf("%d observations written", n)
	}
}
