package series

// Alarm turns a score stream into alert openings with hysteresis: an alert
// opens at the row whose score first reaches On, stays open (without
// re-alerting) while the score is at or above Off, and closes below Off.
// Only the opening row is reported, so one incident is one alert.
type Alarm struct {
	On, Off float64
	open    bool
}

// Step takes the next row's score and reports whether an alert opens there.
func (a *Alarm) Step(score float64) bool {
	if a.open {
		if score < a.Off {
			a.open = false
		}
		return false
	}
	if score >= a.On {
		a.open = true
		return true
	}
	return false
}

// Open reports whether an alert is open.
func (a *Alarm) Open() bool { return a.open }

// Filter steps the alarm and returns the score to report with the alert:
// while an alert stays open after its opening row, the reported score is
// capped at Off, so only an incident's first row carries its full score.
// This is the score-side counterpart of reporting only the opening row, as
// Numenta's likelihood filter keeps only the first of a run of red-zone
// likelihoods.
func (a *Alarm) Filter(score float64) (float64, bool) {
	wasOpen := a.open
	alert := a.Step(score)
	if wasOpen && a.open {
		score = min(score, a.Off)
	}
	return score, alert
}
