package alertsink

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// describe and toAlertmanager turn each check's incident into the labels
// and summary a medic sees.
func TestDescribe(t *testing.T) {
	band := opening(21, 96, engine.KindBradycardia).Verdict
	band.Alert.Attribution = &detector.Attribution{Vital: engine.HeartRate, Target: "q98", Bound: 80,
		VarNames: []string{"heart_rate", "stamina", "phase", "ambient"}, Vars: []float64{-1.9, 0.4, 0.01, -0.2}, Block: 3}

	dropout := verdict(7, 40)
	dropout.Alert = detector.Alert{Open: true, Opened: true, Since: 40, Kind: engine.KindDropout, Evidence: detector.Evidence{
		Check: detector.CheckDropout, Vital: engine.HeartRate, Missing: engine.Mask(0).With(engine.HeartRate).With(engine.SpO2),
		Value: math.NaN(), Expected: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Out: math.NaN(), Unit: math.NaN(), Ticks: 10,
		Channel: detector.ChannelDropout}}

	stuck := verdict(8, 50)
	stuck.Alert = detector.Alert{Open: true, Opened: true, Since: 50, Kind: engine.KindStuck, Evidence: detector.Evidence{
		Check: detector.CheckStuck, Vital: engine.CoreTemp, Missing: engine.Mask(0).With(engine.CoreTemp), Value: 37.25,
		Expected: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Out: math.NaN(), Unit: math.NaN(), Ticks: 40, Channel: detector.ChannelStuck}}

	for _, c := range []struct {
		name   string
		v      detector.Verdict
		squad  int
		labels string
		who    string
	}{
		{"band", band, 2, "alertname=ChakraSoldierAlert check=band kind=bradycardia severity=critical soldier=21 squad=03 vital=heart_rate",
			"soldier 21 (squad 03): "},
		{"dropout", dropout, -1, "alertname=ChakraSoldierAlert check=dropout kind=dropout severity=warning soldier=7 vital=heart_rate,spo2",
			"soldier 7: "},
		{"stuck", stuck, 0, "alertname=ChakraSoldierAlert check=stuck kind=stuck severity=info soldier=8 squad=01 vital=core_temp",
			"soldier 8 (squad 01): "},
	} {
		t.Run(c.name, func(t *testing.T) {
			openedAt := start.Unix() + c.v.Alert.Since
			a := describe(&c.v, openedAt, c.squad)
			am := a.toAlertmanager("http://127.0.0.1:8000/soldiers/1", nil)
			var got []string
			for _, k := range []string{"alertname", "check", "kind", "severity", "soldier", "squad", "vital"} {
				if v, ok := am.Labels[k]; ok {
					got = append(got, k+"="+v)
				}
			}
			if s := strings.Join(got, " "); s != c.labels {
				t.Errorf("labels\n%s\nwant\n%s", s, c.labels)
			}
			if want := c.who + a.Record.Sentence; am.Annotations["summary"] != want || a.Record.Sentence == "" {
				t.Errorf("summary %q, want %q", am.Annotations["summary"], want)
			}
			if am.Annotations["alert_id"] != a.Record.ID || !am.StartsAt.Equal(time.Unix(openedAt, 0)) {
				t.Errorf("alert_id %q (record %q), startsAt %v", am.Annotations["alert_id"], a.Record.ID, am.StartsAt)
			}
			if am.Annotations["evidence"] == "" || am.GeneratorURL != am.Annotations["link"] {
				t.Errorf("annotations %v", am.Annotations)
			}
		})
	}
	a := describe(&band, start.Unix()+96, 2)
	if got := a.toAlertmanager("", nil).Annotations["attribution"]; got != "q98 moved by heart_rate -1.9, stamina +0.4, ambient -0.2" {
		t.Errorf("attribution annotation %q", got)
	}
}
