package series

import (
	"testing"
	"time"
)

// secs returns 1 Hz times 0 … n−1 s and labels that are 1 in the given
// half-open [from, to) second ranges.
func secs(n int, episodes ...[2]int) ([]time.Time, []bool) {
	t0 := time.Date(2022, 2, 7, 9, 0, 0, 0, time.UTC)
	ts, lab := make([]time.Time, n), make([]bool, n)
	for i := range n {
		ts[i] = t0.Add(time.Duration(i) * time.Second)
	}
	for _, e := range episodes {
		for i := e[0]; i < e[1]; i++ {
			lab[i] = true
		}
	}
	return ts, lab
}

func alertsAt(n int, rows ...int) []bool {
	a := make([]bool, n)
	for _, r := range rows {
		a[r] = true
	}
	return a
}

// TestOnsetRulesByHand checks every rule on a 1000 s file with episodes
// [300, 400) and [700, 800), answers worked out by hand:
//
//   - 100, 140, 190: one event (each less than 60 s after the previous
//     alert, though 190 is 90 s after 100), false.
//   - 291 (+295): detects onset 300 (in [290, 420]), delay −9 s.
//   - 360: a new event (65 s after 295) inside the episode: neither.
//   - 450: in the 120 s after the end at 400: not false.
//   - 520: 120 s after the end, no longer excluded: false.
//   - 689: one second before the window [690, 820] of onset 700 and
//     before its 10 s exclusion: false.
//   - 820: the window's last second: detects onset 700, delay +120 s.
//   - 950: false.
//
// Eligible: 800 label-0 rows less 2×120 recovery and 2×10 pre-onset rows,
// 540 s; 4 false alerts in 0.15 h is 26.67 per hour.
func TestOnsetRulesByHand(t *testing.T) {
	ts, lab := secs(1000, [2]int{300, 400}, [2]int{700, 800})
	al := alertsAt(1000, 100, 140, 190, 291, 295, 360, 450, 520, 689, 820, 950)
	r := StressPredictRules().Evaluate(ts, lab, al)
	if r.Onsets != 2 || r.Detected != 2 || r.Events != 8 || r.FalseAlerts != 4 {
		t.Fatalf("onsets %d detected %d events %d false %d, want 2 2 8 4", r.Onsets, r.Detected, r.Events, r.FalseAlerts)
	}
	if len(r.Delays) != 2 || r.Delays[0] != -9*time.Second || r.Delays[1] != 120*time.Second {
		t.Errorf("delays %v, want [-9s 2m0s]", r.Delays)
	}
	if r.Eligible != 540*time.Second {
		t.Errorf("eligible %v, want 9m0s", r.Eligible)
	}
	if got := r.FalsePerHour(); got < 26.666 || got > 26.667 {
		t.Errorf("false per hour %v, want 26.67", got)
	}
	if d, ok := r.MedianDelay(); !ok || d != 55500*time.Millisecond {
		t.Errorf("median delay %v %v, want 55.5s", d, ok)
	}
	if r.Recall() != 1 {
		t.Errorf("recall %v", r.Recall())
	}
}

func TestOnsetRulesEdges(t *testing.T) {
	rules := StressPredictRules()
	// An event 121 s after the onset misses it; inside the episode it is
	// not false either. One 11 s before misses it and is false.
	ts, lab := secs(1000, [2]int{300, 600})
	r := rules.Evaluate(ts, lab, alertsAt(1000, 421))
	if r.Detected != 0 || r.FalseAlerts != 0 || r.Events != 1 {
		t.Errorf("+121 s: detected %d false %d events %d, want 0 0 1", r.Detected, r.FalseAlerts, r.Events)
	}
	r = rules.Evaluate(ts, lab, alertsAt(1000, 289))
	if r.Detected != 0 || r.FalseAlerts != 1 {
		t.Errorf("−11 s: detected %d false %d, want 0 1", r.Detected, r.FalseAlerts)
	}
	// Only the earliest event in the window counts; the later one, inside
	// the episode, is not false.
	r = rules.Evaluate(ts, lab, alertsAt(1000, 305, 400))
	if r.Detected != 1 || r.Delays[0] != 5*time.Second || r.FalseAlerts != 0 || r.Events != 2 {
		t.Errorf("two events: %+v", r)
	}
	// A file that starts inside an episode has no onset there; its end
	// still starts a recovery.
	ts, lab = secs(600, [2]int{0, 100})
	r = rules.Evaluate(ts, lab, alertsAt(600, 50, 150, 250))
	if r.Onsets != 0 || r.FalseAlerts != 1 || r.Eligible != 380*time.Second {
		t.Errorf("starting inside: onsets %d false %d eligible %v, want 0 1 6m20s", r.Onsets, r.FalseAlerts, r.Eligible)
	}
	// A gap: each row counts its step to the next, at most 10 s.
	t0 := time.Date(2022, 2, 7, 9, 0, 0, 0, time.UTC)
	var gts []time.Time
	for i := range 10 {
		gts = append(gts, t0.Add(time.Duration(i)*time.Second))
	}
	for i := range 10 {
		gts = append(gts, t0.Add(time.Duration(110+i)*time.Second))
	}
	r = rules.Evaluate(gts, make([]bool, 20), make([]bool, 20))
	if r.Eligible != 29*time.Second || r.FalsePerHour() != 0 {
		t.Errorf("gap: eligible %v, want 29s", r.Eligible)
	}
	if _, ok := r.MedianDelay(); ok || r.Recall() != 0 {
		t.Error("nothing detected, yet a median delay or a recall")
	}
}

func TestOnsetResultAdd(t *testing.T) {
	a := OnsetResult{Onsets: 3, Detected: 1, Delays: []time.Duration{time.Second}, Events: 2, FalseAlerts: 1, Eligible: time.Hour}
	b := OnsetResult{Onsets: 3, Detected: 2, Delays: []time.Duration{3 * time.Second, 5 * time.Second}, Events: 4, FalseAlerts: 2, Eligible: time.Hour}
	s := a.Add(b)
	if s.Onsets != 6 || s.Detected != 3 || s.Events != 6 || s.FalseAlerts != 3 || s.Eligible != 2*time.Hour || s.FalsePerHour() != 1.5 || s.Recall() != 0.5 {
		t.Errorf("sum %+v", s)
	}
	if d, _ := s.MedianDelay(); d != 3*time.Second {
		t.Errorf("median %v, want 3s", d)
	}
	if len(a.Delays) != 1 {
		t.Error("Add changed its receiver")
	}
}
