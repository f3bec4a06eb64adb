package series

import (
	"slices"
	"strings"
	"time"
)

// hrColumnNames are value-column names (any case, spaces, dashes and
// underscores ignored) that are heart rate whatever their values.
var hrColumnNames = []string{"heartrate", "hr", "bpm", "pulse", "pulserate"}

// HRProbe is how many rows with a value AutoFactory looks at before it
// decides whether an unnamed column is heart rate.
const HRProbe = 60

// IsHRColumn reports whether a value column's name says it is heart rate:
// heart_rate, hr, bpm, pulse, pulse_rate (any case; spaces, dashes and
// underscores ignored).
func IsHRColumn(name string) bool {
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
	return slices.Contains(hrColumnNames, n)
}

// LooksLikeHR reports whether the first HRProbe rows with a value of a
// column (times and values of those rows, in order) look like heart rate
// sampled about once a second: at least 95 % of the values in [30, 220]
// bpm (a few artefacts are allowed) and the median step between them in
// [0.25 s, 5 s]. Fewer rows than HRProbe is no.
func LooksLikeHR(times []time.Time, values []float64) bool {
	if len(values) < HRProbe || len(times) != len(values) {
		return false
	}
	out := 0
	for _, v := range values {
		if !(v >= 30 && v <= 220) {
			out++
		}
	}
	if float64(out) > 0.05*float64(len(values)) {
		return false
	}
	steps := make([]time.Duration, len(times)-1)
	for i := range steps {
		steps[i] = times[i+1].Sub(times[i])
	}
	slices.Sort(steps)
	m := steps[len(steps)/2]
	return m >= 250*time.Millisecond && m <= 5*time.Second
}

// AutoFactory picks a detector per stream without looking ahead: a column
// named as heart rate (IsHRColumn) gets hr from its first row; any other
// column is fed to both detectors for its first HRProbe rows with a value,
// reporting other's scores and alerts, and then keeps hr if those rows look
// like heart rate at about 1 Hz (LooksLikeHR), else other. A stream that is
// not heart rate therefore scores exactly as other alone (hr only watched);
// a heart-rate stream's first HRProbe rows carry other's output, which for
// the detectors here is 0 and no alert that early.
func AutoFactory(hr, other Factory) Factory {
	return Factory{Name: "auto", New: func(info Info) (Detector, error) {
		h, err := hr.New(info)
		if err != nil {
			return nil, err
		}
		if IsHRColumn(info.Column) {
			return h, nil
		}
		o, err := other.New(info)
		if err != nil {
			return nil, err
		}
		return &autoDetector{hr: h, other: o}, nil
	}}
}

// autoDetector is AutoFactory's detector for a column not named as heart
// rate.
type autoDetector struct {
	hr, other Detector
	chosen    Detector // nil while probing
	times     []time.Time
	values    []float64
}

// Observe implements Detector.
func (a *autoDetector) Observe(t time.Time, x float64, ok bool) (float64, bool) {
	if a.chosen != nil {
		return a.chosen.Observe(t, x, ok)
	}
	a.hr.Observe(t, x, ok)
	score, alert := a.other.Observe(t, x, ok)
	if ok {
		a.times = append(a.times, t)
		a.values = append(a.values, x)
	}
	if len(a.values) == HRProbe {
		a.chosen = a.other
		if LooksLikeHR(a.times, a.values) {
			a.chosen = a.hr
		}
		a.times, a.values = nil, nil
	}
	return score, alert
}

// Chosen returns the name of the detector a stream's auto detector has
// settled on: "hr", "other", or "" while it is still probing. It is for
// reports and tests.
func Chosen(d Detector) string {
	a, isAuto := d.(*autoDetector)
	switch {
	case !isAuto:
		if _, isHR := d.(*HR); isHR {
			return "hr"
		}
		return "other"
	case a.chosen == nil:
		return ""
	case a.chosen == a.hr:
		return "hr"
	}
	return "other"
}
