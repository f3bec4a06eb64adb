package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// maxLogEntries bounds the alert log; older entries fall off.
const maxLogEntries = 1000

// alertEntry is one alert opening in the log.
type alertEntry struct {
	t        int64
	at       time.Time
	soldier  engine.SoldierID
	index    int // the soldier's index on the board
	squad    int
	kind     engine.AnomalyKind
	channels string  // channels that opened, e.g. "heart_rate,spo2"
	score    float64 // largest |Out|, band-widths
	reason   string  // one line: observed vs expected
	acked    bool
	truth    int8 // +1 true alert, −1 false alert (truth overlay)
}

// severity names an alert's severity from its score in band-widths; the
// data-quality channels (no band) are "data".
func (e *alertEntry) severity() string {
	switch {
	case math.IsNaN(e.score) || e.score == 0:
		return "data"
	case e.score >= 3:
		return "high"
	case e.score >= 1.5:
		return "med"
	default:
		return "low"
	}
}

// alertLog is a bounded list of alert openings, oldest first.
type alertLog struct {
	entries []alertEntry
	dropped int // entries that fell off the front
	rev     uint64
}

func (l *alertLog) add(e alertEntry) {
	if len(l.entries) == maxLogEntries {
		copy(l.entries, l.entries[1:])
		l.entries = l.entries[:maxLogEntries-1]
		l.dropped++
	}
	l.entries = append(l.entries, e)
	l.rev++
}

// refine updates the entry of the incident refined in v (its kind and
// reason; see detector.RefineTicks).
func (l *alertLog) refine(v *detector.Verdict) {
	for i := len(l.entries) - 1; i >= 0; i-- {
		if e := &l.entries[i]; e.soldier == v.Soldier && e.t == v.Alert.Since {
			e.kind, e.reason = v.Alert.Kind, reason(v)
			l.rev++
			return
		}
	}
}

// truncateFrom drops the entries that opened at tick t or later.
func (l *alertLog) truncateFrom(t int64) {
	n := len(l.entries)
	for n > 0 && l.entries[n-1].t >= t {
		n--
	}
	if n < len(l.entries) {
		l.entries = l.entries[:n]
		l.rev++
	}
}

// unacked counts the entries not yet acknowledged.
func (l *alertLog) unacked() int {
	n := 0
	for i := range l.entries {
		if !l.entries[i].acked {
			n++
		}
	}
	return n
}

// ackSoldier acknowledges every entry of one soldier; it returns how many.
func (l *alertLog) ackSoldier(id engine.SoldierID) int {
	n := 0
	for i := range l.entries {
		if e := &l.entries[i]; e.soldier == id && !e.acked {
			e.acked = true
			n++
		}
	}
	if n > 0 {
		l.rev++
	}
	return n
}

// newAlertEntry describes the opening verdict v of a soldier's incident.
func newAlertEntry(v *detector.Verdict, at time.Time, index, squad int) alertEntry {
	var chans []string
	for c := range detector.Channel(detector.NumChannels) {
		if v.Channels[c].Opened {
			chans = append(chans, c.String())
		}
	}
	return alertEntry{t: v.T, at: at, soldier: v.Soldier, index: index, squad: squad, kind: v.Alert.Kind,
		channels: strings.Join(chans, ","), score: v.Score, reason: reason(v)}
}

// reason explains the alert open in v in one line: its sentence (built
// from the evidence of the check that opened it) without the kind.
func reason(v *detector.Verdict) string {
	if !v.Alert.Open {
		return vitalReason(v, v.Explanation.Vital) + " in " + v.Phase.String()
	}
	s := detector.Sentence(v.Alert.Kind, &v.Alert.Evidence, v.Phase, v.NextPhase)
	return strings.TrimPrefix(s, v.Alert.Kind.String()+": ")
}

// vitalReason says where vital x stood against its band.
func vitalReason(v *detector.Verdict, x engine.Vital) string {
	vv := &v.Vitals[x]
	if vv.Missing || math.IsNaN(vv.Observed) {
		return x.String() + " missing"
	}
	lo, hi := vv.Forecast[0], vv.Forecast[detector.NumQuantiles-1]
	where := "inside"
	switch {
	case vv.Out > 0:
		where = "above"
	case vv.Out < 0:
		where = "below"
	}
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return fmt.Sprintf("%s %s %s (%+.1f bw)", x, fmtValue(x, vv.Observed), x.Unit(), vv.Out)
	}
	return fmt.Sprintf("%s %s %s %s %s–%s (%+.1f bw)", x, fmtValue(x, vv.Observed), x.Unit(), where,
		fmtValue(x, lo), fmtValue(x, hi), vv.Out)
}

// fmtValue formats a reading with the precision its vital deserves.
func fmtValue(x engine.Vital, f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	if x == engine.CoreTemp {
		return fmt.Sprintf("%.1f", f)
	}
	return fmt.Sprintf("%.0f", f)
}
