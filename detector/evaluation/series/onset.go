package series

import (
	"slices"
	"time"
)

// OnsetRules are the detection rules of an onset benchmark (the
// Stress-Predict rules of docs/realhr.md): a label column is 1 during the
// episodes to detect and 0 elsewhere, and a detector's alert column marks
// the rows where its alerts open.
//
//   - Onset: a row whose label is 1 after a row whose label is 0 (a file
//     starting inside an episode has no onset there).
//   - Events: alerts debounced: an alert less than Debounce after the
//     previous alert belongs to the same event, which starts at its first
//     alert.
//   - Detection: an onset is detected when an event starts in
//     [onset − Before, onset + After] (both ends included); the delay is
//     that event's start − onset (the earliest such event). One event
//     detects at most one onset.
//   - False alert: an event that detects no onset and starts on a row whose
//     label is 0, except within Recovery after an episode ends (the end is
//     the first 0 row after it; excluded are rows with t − end < Recovery)
//     and within Before before an onset (onset − Before ≤ t < onset).
//   - Eligible time: the time of the label-0 rows not excluded, each row
//     counting its step to the next row, at most MaxStep (the last row
//     counts the step before it, at most MaxStep).
type OnsetRules struct {
	Before, After, Debounce, Recovery, MaxStep time.Duration
}

// StressPredictRules returns the rules the Stress-Predict data was measured
// with: detection in [−10 s, +120 s], alerts debounced over 60 s, no false
// alert counted in the 120 s after a task nor in the 10 s before one; a
// row counts at most 10 s of eligible time.
func StressPredictRules() OnsetRules {
	return OnsetRules{Before: 10 * time.Second, After: 120 * time.Second, Debounce: 60 * time.Second,
		Recovery: 120 * time.Second, MaxStep: 10 * time.Second}
}

// OnsetResult is the outcome of OnsetRules on one or more files; results
// of several files add with Add.
type OnsetResult struct {
	Onsets, Detected int
	Delays           []time.Duration // one per detected onset, in onset order
	Events           int             // debounced alert events
	FalseAlerts      int
	Eligible         time.Duration // time in which a false alert could have been counted
}

// Recall returns Detected/Onsets (0 without onsets).
func (r OnsetResult) Recall() float64 {
	if r.Onsets == 0 {
		return 0
	}
	return float64(r.Detected) / float64(r.Onsets)
}

// FalsePerHour returns false alerts per eligible hour (0 without eligible
// time).
func (r OnsetResult) FalsePerHour() float64 {
	if r.Eligible <= 0 {
		return 0
	}
	return float64(r.FalseAlerts) / r.Eligible.Hours()
}

// MedianDelay returns the median detection delay (the mean of the two
// middle ones for an even count) and false when nothing was detected.
func (r OnsetResult) MedianDelay() (time.Duration, bool) {
	n := len(r.Delays)
	if n == 0 {
		return 0, false
	}
	d := slices.Clone(r.Delays)
	slices.Sort(d)
	if n%2 == 1 {
		return d[n/2], true
	}
	return (d[n/2-1] + d[n/2]) / 2, true
}

// Add returns the sum of r and o.
func (r OnsetResult) Add(o OnsetResult) OnsetResult {
	return OnsetResult{
		Onsets: r.Onsets + o.Onsets, Detected: r.Detected + o.Detected,
		Delays: append(slices.Clone(r.Delays), o.Delays...),
		Events: r.Events + o.Events, FalseAlerts: r.FalseAlerts + o.FalseAlerts,
		Eligible: r.Eligible + o.Eligible,
	}
}

// Evaluate applies the rules to one file: times, labels (true = inside an
// episode) and alerts (true where an alert opens), one per row, in file
// order with non-decreasing times. It panics if the slices differ in
// length (a programmer error).
func (rules OnsetRules) Evaluate(times []time.Time, label, alert []bool) OnsetResult {
	if len(label) != len(times) || len(alert) != len(times) {
		panic("series: OnsetRules.Evaluate: times, labels and alerts differ in length")
	}
	ep := episodeEdges(times, label)
	events := rules.events(times, alert)
	res := OnsetResult{Onsets: len(ep.onsets), Events: len(events)}
	used := make([]bool, len(events))
	for _, o := range ep.onsets {
		for k, i := range events {
			t := times[i]
			if used[k] || t.Before(o.Add(-rules.Before)) || t.After(o.Add(rules.After)) {
				continue
			}
			used[k] = true
			res.Detected++
			res.Delays = append(res.Delays, t.Sub(o))
			break
		}
	}
	for k, i := range events {
		if !used[k] && !label[i] && !rules.excluded(times[i], ep) {
			res.FalseAlerts++
		}
	}
	res.Eligible = rules.eligible(times, label, ep)
	return res
}

// episodes holds the times where labelled episodes start (onsets) and
// end (ends: the first row after one).
type episodes struct {
	onsets, ends []time.Time
}

// episodeEdges returns where the labelled episodes of a file start and end.
func episodeEdges(times []time.Time, label []bool) episodes {
	var ep episodes
	for i := 1; i < len(times); i++ {
		switch {
		case label[i] && !label[i-1]:
			ep.onsets = append(ep.onsets, times[i])
		case !label[i] && label[i-1]:
			ep.ends = append(ep.ends, times[i])
		}
	}
	return ep
}

// excluded reports whether time t counts neither for nor against a
// detector: within Recovery after an episode ends, or within Before ahead
// of one.
func (rules OnsetRules) excluded(t time.Time, ep episodes) bool {
	for _, e := range ep.ends {
		if !t.Before(e) && t.Sub(e) < rules.Recovery {
			return true
		}
	}
	for _, o := range ep.onsets {
		if t.Before(o) && !t.Before(o.Add(-rules.Before)) {
			return true
		}
	}
	return false
}

// events debounces the alerts: it returns the row of each event's first
// alert, an alert opening a new event when Debounce has passed since the
// previous alert.
func (rules OnsetRules) events(times []time.Time, alert []bool) []int {
	var events []int
	var lastAlert time.Time
	for i, a := range alert {
		if !a {
			continue
		}
		if len(events) == 0 || times[i].Sub(lastAlert) >= rules.Debounce {
			events = append(events, i)
		}
		lastAlert = times[i]
	}
	return events
}

// eligible returns the time during which a false alert could be raised:
// the steps of the rows outside episodes and not excluded, each to the
// next row (the last row: from the previous one), capped at MaxStep.
func (rules OnsetRules) eligible(times []time.Time, label []bool, ep episodes) time.Duration {
	var total time.Duration
	for i := range times {
		if label[i] || rules.excluded(times[i], ep) {
			continue
		}
		var step time.Duration
		switch {
		case i+1 < len(times):
			step = times[i+1].Sub(times[i])
		case i > 0:
			step = times[i].Sub(times[i-1])
		}
		total += min(max(step, 0), rules.MaxStep)
	}
	return total
}
