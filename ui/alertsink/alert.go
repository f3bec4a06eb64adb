package alertsink

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Alert is one soldier's incident from its opening to its closing, as the
// sinks deliver it: the detector's alert record (monitor.AlertRecord: id,
// kind, check, vital, sentence, evidence, attribution, opened_at) with the
// soldier's squad and a severity.
type Alert struct {
	Record   monitor.AlertRecord
	Squad    int    // 0-based; −1 when unknown
	Severity string // critical, warning or info (see severityOf)
	Since    int64  // the tick it opened at (names the incident with the soldier)
	OpenedAt time.Time
}

// describe is the one place that turns an opening verdict into an Alert,
// and toAlertmanager the one place that maps an Alert to Alertmanager's
// labels and annotations. v opened its incident (v.Alert) at unix seconds
// openedAt; squad is the soldier's (−1: unknown).
func describe(v *detector.Verdict, openedAt int64, squad int) Alert {
	return Alert{Record: monitor.NewAlertRecord(v, openedAt), Squad: squad, Severity: severityOf(v.Alert.Kind),
		Since: v.Alert.Since, OpenedAt: time.Unix(openedAt, 0).UTC()}
}

// severityOf ranks a kind for paging: a collapse or heat strain is
// critical, a tachycardia, stamina crash or dropout (the soldier may be
// down with the radio) a warning, a stuck sensor info. Severity is a
// label, so it is fixed when the alert opens.
func severityOf(k engine.AnomalyKind) string {
	switch k {
	case engine.KindBradycardia, engine.KindHeatStrain:
		return "critical"
	case engine.KindTachycardia, engine.KindStaminaCrash, engine.KindDropout:
		return "warning"
	}
	return "info"
}

// amAlert is an alert of Alertmanager's v2 API (POST /api/v2/alerts).
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       *time.Time        `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// AlertName is the alertname label of every soldier alert.
const AlertName = "ChakraSoldierAlert"

// who names the soldier (and squad) at the head of a summary.
func (a *Alert) who() string {
	s := "soldier " + strconv.FormatInt(int64(a.Record.Soldier), 10)
	if a.Squad >= 0 {
		s += fmt.Sprintf(" (squad %02d)", a.Squad+1)
	}
	return s
}

// labels are an alert's Alertmanager labels, which name it: alertname,
// soldier, squad, kind, vital (the missing or stuck vitals, comma-separated,
// for a dropout or a stuck sensor), check, severity.
func (a *Alert) labels() map[string]string {
	r := &a.Record
	vital := r.Vital
	if r.Check == detector.CheckDropout.String() || r.Check == detector.CheckStuck.String() {
		vital = strings.Join(r.Vitals, ",")
	}
	l := map[string]string{
		"alertname": AlertName,
		"soldier":   strconv.FormatInt(int64(r.Soldier), 10),
		"kind":      r.Kind,
		"vital":     vital,
		"check":     r.Check,
		"severity":  a.Severity,
	}
	if a.Squad >= 0 {
		l["squad"] = fmt.Sprintf("%02d", a.Squad+1)
	}
	return l
}

// toAlertmanager is the alert as Alertmanager's API takes it: labels;
// annotations summary (who, and the record's sentence), evidence (the
// record's evidence, JSON), attribution (the three inputs that moved the
// forecast most, when there is one), alert_id (the record's id), link (when
// link is not empty, also the generatorURL); startsAt the opening; endsAt
// only when it closed.
func (a *Alert) toAlertmanager(link string, endsAt *time.Time) amAlert {
	r := &a.Record
	ev, _ := json.Marshal(r.Evidence) // Number encodes what JSON cannot hold as null
	ann := map[string]string{"summary": a.who() + ": " + r.Sentence, "evidence": string(ev), "alert_id": r.ID}
	if at := r.Attribution; at != nil && len(at.Inputs) > 0 {
		var parts []string
		for _, in := range at.Inputs[:min(3, len(at.Inputs))] {
			parts = append(parts, fmt.Sprintf("%s %+.3g", in.Name, float64(in.Value)))
		}
		ann["attribution"] = at.Target + " moved by " + strings.Join(parts, ", ")
	}
	if link != "" {
		ann["link"] = link
	}
	return amAlert{Labels: a.labels(), Annotations: ann, StartsAt: a.OpenedAt, EndsAt: endsAt, GeneratorURL: link}
}
