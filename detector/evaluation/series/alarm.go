package series

import "math"

// Alarm turns a score stream into alert openings with hysteresis: an alert
// opens at the row whose score first reaches On, stays open (without
// re-alerting) while the score is at or above Off, and closes below Off.
// Only the opening row is reported, so one incident is one alert. After an
// opening, no new alert can open for Refractory rows.
type Alarm struct {
	On, Off    float64
	Refractory int

	open   bool
	opened bool // an alert has opened at least once
	since  int  // rows since the last opening
}

// Step takes the next row's score and reports whether an alert opens there.
func (a *Alarm) Step(score float64) bool {
	a.since++
	if a.open {
		if score < a.Off {
			a.open = false
		}
		return false
	}
	if score >= a.On && !a.refractory() {
		a.open, a.opened, a.since = true, true, 0
		return true
	}
	return false
}

func (a *Alarm) refractory() bool { return a.opened && a.since <= a.Refractory }

// Open reports whether an alert is open.
func (a *Alarm) Open() bool { return a.open }

// Filter steps the alarm and returns the score to report with the alert:
// while an alert stays open after its opening row, and during the
// refractory rows after an opening, the reported score is capped at Off, so
// only an incident's first row carries its full score. This is the
// score-side counterpart of reporting only the opening row, as Numenta's
// likelihood filter keeps only the first of a run of red-zone likelihoods;
// it keeps a threshold chosen on the scores consistent with the alerts.
func (a *Alarm) Filter(score float64) (float64, bool) {
	capped := a.open || (a.opened && a.since+1 <= a.Refractory)
	alert := a.Step(score)
	if capped && !alert {
		score = math.Min(score, a.Off)
	}
	return score, alert
}
