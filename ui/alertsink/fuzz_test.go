package alertsink

import (
	"encoding/json"
	"testing"
)

// FuzzSilences feeds GET /api/v2/silences answers (outside input) through
// the decoding and matching the poll does: nothing panics, only active
// silences are kept, and a silence without matchers matches nothing.
func FuzzSilences(f *testing.F) {
	f.Add(`[{"id":"a","matchers":[{"name":"soldier","value":"14","isRegex":false,"isEqual":true},{"name":"kind","value":"bradycardia","isRegex":false}],"startsAt":"2026-12-07T05:00:00Z","endsAt":"2026-12-07T06:00:00Z","createdBy":"alice","comment":"x","status":{"state":"active"}}]`)
	f.Add(`[{"matchers":[{"name":"squad","value":"0[13]","isRegex":true,"isEqual":false}],"status":{"state":"active"}}]`)
	f.Add(`[{"matchers":[{"name":"squad","value":"(","isRegex":true}],"status":{"state":"active"}}]`)
	f.Add(`[{"matchers":[],"status":{"state":"active"}},{"status":{"state":"expired"}}]`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, body string) {
		var all []amSilence
		if json.Unmarshal([]byte(body), &all) != nil {
			return
		}
		act := activeSilences(all)
		labels := map[string]string{"alertname": AlertName, "soldier": "14", "kind": "bradycardia", "squad": "03"}
		for i := range act {
			if act[i].s.Status == nil || act[i].s.Status.State != "active" {
				t.Fatalf("kept a silence that is not active: %+v", act[i].s)
			}
			if m := act[i].matches(labels); m && len(act[i].s.Matchers) == 0 {
				t.Fatal("a silence without matchers matched")
			}
		}
	})
}

// Matchers behave as Alertmanager's: regular expressions anchored, a
// missing label the empty string, isEqual false negating.
func TestSilenceMatching(t *testing.T) {
	labels := map[string]string{"soldier": "14", "squad": "03", "kind": "bradycardia"}
	for _, c := range []struct {
		m    []amMatcher
		want bool
	}{
		{[]amMatcher{{Name: "soldier", Value: "14", IsEqual: true}}, true},
		{[]amMatcher{{Name: "soldier", Value: "1", IsRegex: true, IsEqual: true}}, false}, // anchored
		{[]amMatcher{{Name: "squad", Value: "0[13]", IsRegex: true, IsEqual: true}}, true},
		{[]amMatcher{{Name: "squad", Value: "03", IsEqual: false}}, false},
		{[]amMatcher{{Name: "team", Value: "", IsEqual: true}}, true}, // missing label is ""
		{[]amMatcher{{Name: "soldier", Value: "14", IsEqual: true}, {Name: "kind", Value: "heat_strain", IsEqual: true}}, false},
	} {
		st := "active"
		s := amSilence{Matchers: c.m}
		s.Status = &struct {
			State string `json:"state"`
		}{st}
		act := activeSilences([]amSilence{s})
		if len(act) != 1 {
			t.Fatalf("%+v not kept", c.m)
		}
		if got := act[0].matches(labels); got != c.want {
			t.Errorf("%+v matches = %v, want %v", c.m, got, c.want)
		}
	}
}
