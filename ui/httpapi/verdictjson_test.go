package httpapi

import (
	"math"
	"testing"
)

// TestParseVerdictJSONRoundTrip: what ParseVerdictJSON reads back from
// the JSON of real verdicts, alerts and a repeat among them, is what the
// verdicts held.
func TestParseVerdictJSONRoundTrip(t *testing.T) {
	f := newFixture(t, nil)
	var msgs [][]byte
	for ts := int64(1000); ts < 1012; ts++ {
		hr := 80.0
		if ts >= 1004 {
			hr = 230
		}
		msgs = append(msgs, []byte(obsJSON(5, ts, hr)))
	}
	res := f.api.ObserveJSON(msgs, nil)
	opened := 0
	for i, r := range res {
		got, ok, err := ParseVerdictJSON(r.Verdict)
		if err != nil || !ok {
			t.Fatalf("verdict %d: %v %v\n%s", i, ok, err, r.Verdict)
		}
		want, _ := f.mon.Latest(5)
		if i == len(res)-1 {
			if got.Soldier != want.Soldier || got.T != want.T || got.State != want.State || got.Kind != want.Kind ||
				got.Score != want.Score || got.Phase != want.Phase || got.Alert.Open != want.Alert.Open {
				t.Fatalf("read back %+v\nwant %+v", got, want)
			}
			for v := range got.Vitals {
				g, w := got.Vitals[v], want.Vitals[v]
				if g.Observed != w.Observed || g.Out != w.Out || g.Missing != w.Missing ||
					(g.Forecast[4] != w.Forecast[4] && !(math.IsNaN(g.Forecast[4]) && math.IsNaN(w.Forecast[4]))) {
					t.Fatalf("vital %d read back %+v, want %+v", v, g, w)
				}
			}
		}
		if got.Alert.Opened {
			opened++
			if r.Alert == nil {
				t.Fatalf("verdict %d read back as an alert opening, but none was published", i)
			}
		}
	}
	if opened != 1 {
		t.Fatalf("%d alert openings read back, want 1", opened)
	}
	rep := f.api.ObserveJSON(msgs[:1], nil)[0]
	if _, ok, err := ParseVerdictJSON(rep.Verdict); ok || err != nil {
		t.Fatalf("an unscored repeat %s: ok %v err %v", rep.Verdict, ok, err)
	}
	for _, bad := range []string{`{}`, `[`, `{"soldier_id":1,"timestamp":2,"state":"fine","kind":"none"}`,
		`{"soldier_id":1,"timestamp":2,"state":"ok","kind":"none","alerts":[{"channel":"x","kind":"none"}]}`,
		`{"soldier_id":1,"timestamp":2,"state":"ok","kind":"none","phase_seen":"asleep"}`} {
		if _, _, err := ParseVerdictJSON([]byte(bad)); err == nil {
			t.Errorf("%s read without an error", bad)
		}
	}
}

// FuzzParseVerdictJSON: no input makes the reader panic.
func FuzzParseVerdictJSON(f *testing.F) {
	f.Add([]byte(`{"soldier_id":1,"timestamp":2,"state":"alert","kind":"tachycardia","score":3,"phase":"rest","vitals":{"heart_rate":{"observed":190,"forecast":{"q02":60,"q98":120},"out":3}},"alerts":[{"channel":"heart_rate","kind":"tachycardia","since":2,"opened":true}]}`))
	f.Add([]byte(`{"soldier_id":1,"timestamp":2,"state":"not_scored","repeat":true}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok, err := ParseVerdictJSON(b)
		if err != nil && ok {
			t.Fatalf("ok with an error: %v", err)
		}
		_ = v
	})
}
