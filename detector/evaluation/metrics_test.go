package evaluation

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

func ev(s engine.SoldierID, start, end int64, k engine.AnomalyKind, p engine.Phase) Event {
	return Event{Label: engine.Label{Soldier: s, Start: start, End: end, Kind: k}, Phase: p}
}

func al(s engine.SoldierID, t int64, c detector.Channel, k engine.AnomalyKind, p engine.Phase) Alert {
	return Alert{Soldier: s, T: t, Channel: c, Kind: k, Phase: p}
}

func TestTallyHandMade(t *testing.T) {
	const (
		tachy = engine.KindTachycardia
		heat  = engine.KindHeatStrain
		drop  = engine.KindDropout
		rest  = engine.PhaseRest
		cont  = engine.PhaseContact
	)
	r := Run{
		Events: []Event{
			ev(1, 100, 130, tachy, cont),             // detected at 102 (delay 2), right kind
			ev(1, 500, 900, heat, rest),              // detected at 800 (delay 300), first alert says tachycardia
			ev(2, 100, 104, drop, rest),              // detected at 108 (grace 5 → until 109): delay 8
			ev(2, 300, 310, tachy, rest),             // missed: only alert for soldier 3 at that time
			ev(3, 50, 50, engine.KindArtefact, rest), // not an event
			ev(3, 1000, 1002, drop, cont),            // missed: alert at 1008 is past the grace
		},
		Alerts: []Alert{
			al(1, 102, detector.ChannelHeartRate, tachy, cont),             // true (tachy)
			al(1, 103, detector.ChannelSpO2, engine.KindBradycardia, cont), // true, attributed to tachy event
			al(1, 800, detector.ChannelHeartRate, tachy, rest),             // true, attributed to heat
			al(1, 800, detector.ChannelCoreTemp, heat, rest),               // true (heat); kind correct at the first tick
			al(2, 108, detector.ChannelDropout, drop, rest),                // true within grace
			al(3, 305, detector.ChannelHeartRate, tachy, rest),             // false (wrong soldier)
			al(3, 51, detector.ChannelHeartRate, tachy, rest),              // false, on the artefact (grace)
			al(3, 1008, detector.ChannelDropout, drop, cont),               // false, past grace
		},
	}
	r.Exposure[rest] = 3 * 3600
	r.Exposure[cont] = 3600
	tl := NewTally(MatchConfig{Grace: 5})
	tl.Add(&r)

	o := tl.Overall()
	if o.Events != 5 || o.Detected != 3 || o.TrueAlerts != 5 || o.FalseAlerts != 3 {
		t.Fatalf("overall counts %+v", o.Counts)
	}
	near(t, "precision", o.Precision, 5.0/8)
	near(t, "recall", o.Recall, 3.0/5)
	near(t, "f1", o.F1, 2*(5.0/8)*(3.0/5)/(5.0/8+3.0/5))
	near(t, "delay median", o.DelayMedian, 8) // delays 2, 8, 300
	near(t, "delay p90", o.DelayP90, 300)
	near(t, "kind accuracy", o.KindAccuracy, 1) // heat: a heat alert opened at the first tick too
	near(t, "false/soldier-hour", o.FalsePerSoldierHour, 3.0/4)
	if tl.ArtefactHits() != 1 {
		t.Errorf("artefact hits %d, want 1", tl.ArtefactHits())
	}
	if tl.DataQualityFalse() != 1 {
		t.Errorf("data-quality false alerts %d, want 1", tl.DataQualityFalse())
	}

	tk := tl.Kind(tachy)
	// tachy events: 2, detected 1; true alerts attributed: 2 (HR at 102, SpO2 at 103);
	// false alerts classified tachy: 2 (305, 51).
	if tk.Events != 2 || tk.Detected != 1 || tk.TrueAlerts != 2 || tk.FalseAlerts != 2 {
		t.Errorf("tachycardia counts %+v", tk.Counts)
	}
	near(t, "tachy precision", tk.Precision, 0.5)
	near(t, "tachy false/soldier-hour", tk.FalsePerSoldierHour, 2.0/4) // by the alert's kind, over all 4 soldier-hours
	hk := tl.Kind(heat)
	if hk.TrueAlerts != 2 || hk.Detected != 1 {
		t.Errorf("heat counts %+v", hk.Counts)
	}
	near(t, "heat delay", hk.DelayMedian, 300)
	dk := tl.Kind(drop)
	if dk.Events != 2 || dk.Detected != 1 || dk.TrueAlerts != 1 || dk.FalseAlerts != 1 {
		t.Errorf("dropout counts %+v", dk.Counts)
	}

	c := tl.Contact()
	// contact: events tachy(1) detected, dropout(3) missed; alerts 102, 103 true, 1008 false.
	if c.Events != 2 || c.Detected != 1 || c.TrueAlerts != 2 || c.FalseAlerts != 1 {
		t.Errorf("contact counts %+v", c.Counts)
	}
	near(t, "contact false/soldier-hour", c.FalsePerSoldierHour, 1)
	ot := tl.Other()
	near(t, "other false/soldier-hour", ot.FalsePerSoldierHour, 2.0/3)

	// Undefined rates are null in JSON.
	b, err := json.Marshal(tl.Kind(engine.KindStuck))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"recall":null`) {
		t.Errorf("no events of a kind: %s, want recall null", b)
	}
}

func TestPercentile(t *testing.T) {
	xs := []int64{5, 1, 4, 2, 3, 10, 7, 8, 9, 6}
	near(t, "median", percentile(xs, 0.5), 5)
	near(t, "p90", percentile(xs, 0.9), 9)
	near(t, "p100", percentile(xs, 1), 10)
	if !math.IsNaN(percentile(nil, 0.5)) {
		t.Error("percentile of nothing is not NaN")
	}
}

func TestTallyProbation(t *testing.T) {
	const (
		tachy = engine.KindTachycardia
		rest  = engine.PhaseRest
	)
	r := Run{
		First: 1000,
		Events: []Event{
			ev(1, 990, 1100, tachy, rest),  // under way before the run: left out
			ev(2, 1030, 1040, tachy, rest), // starts inside the probation: left out
			ev(3, 1200, 1210, tachy, rest), // scored: detected at 1201
			ev(4, 1300, 1310, tachy, rest), // scored: missed
		},
		Alerts: []Alert{
			al(1, 1020, detector.ChannelHeartRate, tachy, rest), // inside the probation: ignored
			al(1, 1070, detector.ChannelHeartRate, tachy, rest), // after it, on a left-out event: neither true nor false
			al(3, 1201, detector.ChannelHeartRate, tachy, rest), // true
			al(5, 1500, detector.ChannelHeartRate, tachy, rest), // false
		},
	}
	tl := NewTally(MatchConfig{Grace: 5, Probation: 60})
	tl.Add(&r)
	o := tl.Overall()
	if o.Events != 2 || o.Detected != 1 || o.TrueAlerts != 1 || o.FalseAlerts != 1 {
		t.Fatalf("with probation: counts %+v, want 2 events, 1 detected, 1 true and 1 false alert", o.Counts)
	}
	tl = NewTally(MatchConfig{Grace: 5})
	tl.Add(&r)
	if o := tl.Overall(); o.Events != 4 || o.Detected != 2 || o.TrueAlerts != 3 || o.FalseAlerts != 1 {
		t.Fatalf("without probation: counts %+v, want 4 events, 2 detected, 3 true, 1 false", o.Counts)
	}
	// Soldier 1's event was under way at the first tick: its own slice, its
	// delay from that tick (1020 − 1000), not from its start (990).
	as := tl.AtStart()
	if as.Events != 1 || as.Detected != 1 || len(as.Delays) != 1 || as.Delays[0] != 20 {
		t.Fatalf("under way at start: %+v, want 1 event detected after 20 s", as.Counts)
	}
	if !math.IsNaN(as.Precision) || !math.IsNaN(as.F1) || !math.IsNaN(as.FalsePerSoldierHour) {
		t.Errorf("under way at start owns no alerts: precision %v, F1 %v, false rate %v, want NaN", as.Precision, as.F1, as.FalsePerSoldierHour)
	}
	if dr := NewDetectorReport("x", nil, tl, 0); dr.AtStartInTime != 1 {
		t.Errorf("caught within %d s: %d, want 1", StartWindow, dr.AtStartInTime)
	}
	tl = NewTally(MatchConfig{Grace: 5, Probation: 60})
	tl.Add(&r)
	if as := tl.AtStart(); as.Events != 0 {
		t.Errorf("with probation the events under way at start are left out, got %d", as.Events)
	}
}

func TestCollectorLeavesProbationOutOfExposure(t *testing.T) {
	col := NewCollector(1, MatchConfig{Probation: 2})
	lab := engine.Label{Soldier: 1, Start: 10, End: 20, Kind: engine.KindDropout}
	for tick := int64(10); tick < 15; tick++ {
		f := engine.Frame{T: tick, Obs: []engine.Observation{{Soldier: 1, T: tick, Phase: engine.PhaseMarch}}, Truth: []engine.Label{lab}}
		col.Frame(&f)
		col.Verdicts(0, []detector.Verdict{{Soldier: 1, T: tick, Channels: [detector.NumChannels]detector.ChannelAlert{detector.ChannelDropout: {Opened: tick == 13}}}})
	}
	r := col.Run(0)
	if r.First != 10 || r.Exposure[engine.PhaseMarch] != 3 || len(r.Events) != 1 || len(r.Alerts) != 1 || r.Alerts[0].T != 13 {
		t.Fatalf("run %+v: want first 10, 3 march ticks of exposure, one event, one alert at 13", r)
	}
}

func TestFmtNum(t *testing.T) {
	for x, want := range map[float64]string{math.NaN(): "—", 0.508: "0.508", 23.5: "23.5", 703: "703", 1657.5: "1658", 12345: "12345"} {
		if got := fmtNum(x); got != want {
			t.Errorf("fmtNum(%v) = %q, want %q", x, got, want)
		}
	}
}
