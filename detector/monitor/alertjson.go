package monitor

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// AlertRecord is an alert (a soldier's incident, see detector.Alert) as it
// leaves the process: the /alerts stream, and anything that forwards alerts
// (Alertmanager, webhooks) builds on this one shape. Its JSON:
//
//	{"id":"14-1748768436","soldier_id":14,"kind":"bradycardia","check":"band","vital":"heart_rate",
//	 "vitals":["heart_rate"],"sentence":"bradycardia: heart_rate 38 bpm below …","opened_at":1748768436,
//	 "tick":36,"phase":"rest","next_phase":"rest","channel":"stamina",
//	 "evidence":{"value":38,"expected":61,"lo":52,"hi":70,"out":-0.8,"unit":18,"ticks":0},
//	 "attribution":{"target":"q02","bound":52.3,"inputs":[{"name":"heart_rate","value":-1.9},…],
//	                "steps":[…],"step_ticks":3,"now":12.5,"peak_ticks_ago":[0,0]}}
//
// A refined alert (detector.RefineTicks) is sent again with the same id
// and opened_at, "refined":true, its new kind and explanation. opened_at
// is unix seconds in every mode (a simulated battlefield's ticks
// are counted from its start time); id is stable for the incident's life.
// Numbers a check does not have (a dropout's reading) are null;
// attribution is absent without a forecast (prior, dropout, stuck checks,
// baselines).
type AlertRecord struct {
	ID          string             `json:"id"`
	Soldier     engine.SoldierID   `json:"soldier_id"`
	Kind        string             `json:"kind"`
	Check       string             `json:"check"`
	Vital       string             `json:"vital"`
	Vitals      []string           `json:"vitals"`
	Sentence    string             `json:"sentence"`
	OpenedAt    int64              `json:"opened_at"`
	Tick        int64              `json:"tick"`
	Phase       string             `json:"phase"`
	NextPhase   string             `json:"next_phase"`
	Channel     string             `json:"channel"`
	Refined     bool               `json:"refined,omitempty"`
	Evidence    EvidenceRecord     `json:"evidence"`
	Attribution *AttributionRecord `json:"attribution,omitempty"`
}

// EvidenceRecord is detector.Evidence in JSON (see there for each check's
// meaning of the fields).
type EvidenceRecord struct {
	Value    Number `json:"value"`
	Expected Number `json:"expected"`
	Lo       Number `json:"lo"`
	Hi       Number `json:"hi"`
	Out      Number `json:"out"`
	Unit     Number `json:"unit"`
	Ticks    int    `json:"ticks"`
}

// AttributionRecord is detector.Attribution in JSON: the inputs ranked by
// |value|, the time strip oldest first (StepTicks ticks per step), the
// scored reading's own share (now) and the peak of the strip, now included,
// in ticks before the alert ([0,0]: the scored reading).
type AttributionRecord struct {
	Target    string       `json:"target"`
	Bound     Number       `json:"bound"`
	Inputs    []InputShare `json:"inputs"`
	Steps     []Number     `json:"steps"`
	StepTicks int          `json:"step_ticks"`
	Now       Number       `json:"now"`
	Peak      [2]int       `json:"peak_ticks_ago"`
}

// InputShare is one input variable's attribution.
type InputShare struct {
	Name  string `json:"name"`
	Value Number `json:"value"`
}

// Number is a float that encodes NaN and ±Inf as null.
type Number float64

// MarshalJSON encodes n, or null when it is not finite.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', 6, 64), nil
}

// UnmarshalJSON decodes a number or null (NaN).
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Number(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Number(f)
	return nil
}

// NewAlertRecord returns the record of the incident open in v (its
// Alert), opened at unix seconds openedAt.
func NewAlertRecord(v *detector.Verdict, openedAt int64) AlertRecord {
	a := &v.Alert
	ev := &a.Evidence
	r := AlertRecord{ID: strconv.FormatInt(int64(v.Soldier), 10) + "-" + strconv.FormatInt(openedAt, 10),
		Soldier: v.Soldier, Kind: a.Kind.String(), Check: ev.Check.String(), Vital: ev.Vital.String(),
		Sentence: detector.Sentence(a.Kind, ev, v.Phase, v.NextPhase), OpenedAt: openedAt, Tick: a.Since,
		Phase: v.Phase.String(), NextPhase: v.NextPhase.String(), Channel: ev.Channel.String(), Refined: a.Refined,
		Evidence: EvidenceRecord{Value: Number(ev.Value), Expected: Number(ev.Expected), Lo: Number(ev.Lo),
			Hi: Number(ev.Hi), Out: Number(ev.Out), Unit: Number(ev.Unit), Ticks: ev.Ticks}}
	for _, x := range ev.Vitals() {
		r.Vitals = append(r.Vitals, x.String())
	}
	if at := a.Attribution; at != nil {
		ar := &AttributionRecord{Target: at.Target, Bound: Number(at.Bound), StepTicks: at.Block, Now: Number(at.Now)}
		for _, i := range at.Ranked() {
			name := strconv.Itoa(i)
			if i < len(at.VarNames) {
				name = at.VarNames[i]
			}
			ar.Inputs = append(ar.Inputs, InputShare{Name: name, Value: Number(at.Vars[i])})
		}
		for _, x := range at.Steps {
			ar.Steps = append(ar.Steps, Number(x))
		}
		ar.Peak[0], ar.Peak[1] = at.PeakAgo()
		r.Attribution = ar
	}
	return r
}

// AlertJSON returns the JSON of the incident open in v, opened at unix
// seconds openedAt (see AlertRecord).
func AlertJSON(v *detector.Verdict, openedAt int64) []byte {
	r := NewAlertRecord(v, openedAt)
	b, err := json.Marshal(&r)
	if err != nil {
		// Every field of AlertRecord encodes: Number maps what JSON
		// cannot hold to null.
		panic("monitor: encode alert: " + err.Error())
	}
	return b
}
