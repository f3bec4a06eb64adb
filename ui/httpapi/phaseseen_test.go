package httpapi

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector"
)

// restingInContact is the body of observation i of a soldier whose client
// reports "contact" throughout while the soldier rests: stamina recovering
// 4.8 points a minute from 60 until full, heart rate 72 ± 1 bpm, normal
// SpO2 and core temperature; from rise on, the heart rate goes to
// 118 ± 1 bpm (a tachycardia at rest) for five minutes, with a time
// constant of tau seconds (0: a step).
func restingInContact(id, i, rise int, tau float64) string {
	const start = 1_699_990_000
	noise := float64((i*7)%5-2) / 2 // -1 … 1, deterministic
	hr := 72 + noise
	if i >= rise && i < rise+300 {
		hr += 46
		if tau > 0 {
			hr -= math.Round(46 * math.Exp(-float64(i-rise+1)/tau))
		}
	}
	m := map[string]any{"soldier_id": id, "timestamp": start + i, "phase": "contact",
		"heart_rate": hr, "stamina": math.Min(100, 60+0.08*float64(i)),
		"core_temp": 37.0 + 0.01*float64(i%4), "spo2": 97 + i%2}
	b, _ := json.Marshal(m)
	return string(b)
}

// TestPredictContactReportedAtRest: the client reports "contact" for a
// resting soldier whose heart rate goes to 118 bpm at t = 420 s and stays
// there for five minutes. The phase check judges the phase wrong, the
// answer says what it saw in "phase_seen", and the tachycardia opens an
// alert on the heart-rate channel: within two minutes when the heart rate
// climbs as a body's does (time constant 3 s), and before the five minutes
// end when it steps up 46 bpm in one second, which the glitch rule holds
// as a sensor artefact for two minutes (last session's build, on the
// step: "watch" at 420, "ok" from 540, no alert; the personal baseline
// judged only from 617).
func TestPredictContactReportedAtRest(t *testing.T) {
	for _, c := range []struct {
		name   string
		tau    float64
		within int
	}{{"ramp", 3, 2 * detector.PersonalHold}, {"step", 0, 300}} {
		t.Run(c.name, func(t *testing.T) { contactReportedAtRest(t, c.tau, c.within) })
	}
}

func contactReportedAtRest(t *testing.T, tau float64, within int) {
	sc, err := detector.Default()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, sc)
	const rise = 420
	opened, seen, personal := -1, -1, -1
	for i := range rise + 300 {
		r := f.predict(restingInContact(5, i, rise, tau))
		if r.str("basis") == "personal" && personal < 0 {
			personal = i
		}
		if r.status != 200 {
			t.Fatalf("observation %d: %d %s", i, r.status, r.body)
		}
		if r.str("phase") != "contact" {
			t.Fatalf("observation %d: phase %q, want the reported contact", i, r.str("phase"))
		}
		ps, has := r.json["phase_seen"]
		if has && seen < 0 {
			seen = i
		}
		if has && ps != "resting" && ps != "not_in_contact" {
			t.Fatalf("observation %d: phase_seen %v", i, ps)
		}
		// The field reads back, and says what the monitor keeps.
		back, _, err := ParseVerdictJSON(r.body)
		latest, _ := f.mon.Latest(5)
		if err != nil || back.PhaseSeen != latest.PhaseSeen || has != (latest.PhaseSeen != detector.ActivityNone) {
			t.Fatalf("observation %d: phase_seen %v read back as %v (%v), kept %v", i, ps, back.PhaseSeen, err, latest.PhaseSeen)
		}
		if i%30 == 0 || (i >= rise && i < rise+180 && i%10 == 0) {
			t.Logf("%d: state %s basis %s phase_seen %v hr out %v", i, r.str("state"), r.str("basis"), ps,
				r.json["vitals"].(map[string]any)["heart_rate"].(map[string]any)["out"])
		}
		for _, a := range r.json["alerts"].([]any) {
			if a := a.(map[string]any); a["opened"] == true {
				if i < rise || a["channel"] != "heart_rate" || a["kind"] != "tachycardia" {
					t.Fatalf("observation %d: alert %v", i, a)
				}
				if opened < 0 {
					opened = i
				}
			}
		}
	}
	t.Logf("phase_seen from %d, basis personal from %d, tachycardia opened at %d", seen, personal, opened)
	if seen < 0 || seen > rise {
		t.Errorf("phase_seen first at observation %d, want before the rise at %d", seen, rise)
	}
	// The baseline learnt while the disagreement was counted: it judges
	// once it holds PersonalWarmup readings, not PersonalWarmup after the
	// phase was judged wrong.
	if lead := detector.PersonalWarmup + detector.PersonalLevel - detector.PhaseMismatchHold; personal < seen || personal > seen+lead+1 {
		t.Errorf("basis personal from observation %d, want within %d s of the phase judged wrong at %d", personal, lead, seen)
	}
	if opened < rise || opened > rise+within {
		t.Errorf("tachycardia opened at observation %d, want within %d s of the rise at %d", opened, within, rise)
	}
}
