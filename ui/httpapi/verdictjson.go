package httpapi

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// verdictWire is the verdict JSON appendVerdict writes, as ParseVerdictJSON
// reads it back.
type verdictWire struct {
	Soldier   *int64   `json:"soldier_id"`
	T         *int64   `json:"timestamp"`
	State     string   `json:"state"`
	Kind      string   `json:"kind"`
	Score     *float64 `json:"score"`
	Phase     string   `json:"phase"`
	NextPhase string   `json:"next_phase"`
	Basis     string   `json:"basis"`
	PhaseSeen string   `json:"phase_seen"`
	Vitals    map[string]struct {
		Observed *float64            `json:"observed"`
		Missing  bool                `json:"missing"`
		Forecast map[string]*float64 `json:"forecast"`
		Out      *float64            `json:"out"`
		Imputed  bool                `json:"imputed"`
		Stuck    bool                `json:"stuck"`
	} `json:"vitals"`
	Alerts []struct {
		Channel string `json:"channel"`
		Kind    string `json:"kind"`
		Since   int64  `json:"since"`
		Opened  bool   `json:"opened"`
	} `json:"alerts"`
}

// ParseVerdictJSON reads a verdict as POST /predict answers it (and the
// Kafka verdict topic carries it) back into a detector.Verdict: soldier,
// timestamp (as T), state, kind, score, phases and the activity the phase
// check saw (PhaseSeen), each vital's reading,
// forecast quantiles and distance out of band, and the alert channels,
// from which the incident's open, opened, since and kind are rebuilt. The
// explanation, the evidence and the attribution are not read. An answer
// without a verdict (state "not_scored": a repeat or late reading this
// process did not score) gives ok false and no error.
func ParseVerdictJSON(b []byte) (v detector.Verdict, ok bool, err error) {
	var w verdictWire
	if err := json.Unmarshal(b, &w); err != nil {
		return v, false, fmt.Errorf("verdict JSON: %w", err)
	}
	if w.Soldier == nil || w.T == nil {
		return v, false, fmt.Errorf("verdict JSON: soldier_id and timestamp are required")
	}
	v.Soldier, v.T = engine.SoldierID(*w.Soldier), *w.T
	if w.State == "not_scored" {
		return v, false, nil
	}
	st, found := -1, false
	for i := range detector.StateWarmingUp + 1 {
		if i.String() == w.State {
			st, found = int(i), true
		}
	}
	if !found {
		return v, false, fmt.Errorf("verdict JSON: unknown state %q", w.State)
	}
	v.State = detector.State(st)
	if v.Kind, err = engine.ParseKind(w.Kind); err != nil {
		return v, false, fmt.Errorf("verdict JSON: kind: %w", err)
	}
	if w.Score != nil {
		v.Score = *w.Score
	}
	if w.Phase != "" {
		if v.Phase, err = engine.ParsePhase(w.Phase); err != nil {
			return v, false, fmt.Errorf("verdict JSON: phase: %w", err)
		}
	}
	if w.PhaseSeen != "" {
		found := false
		for a, n := range phaseSeenNames {
			if n != "" && n == w.PhaseSeen {
				v.PhaseSeen, found = detector.Activity(a), true
			}
		}
		if !found {
			return v, false, fmt.Errorf("verdict JSON: unknown phase_seen %q", w.PhaseSeen)
		}
	}
	v.NextPhase = v.Phase
	if w.NextPhase != "" {
		if v.NextPhase, err = engine.ParsePhase(w.NextPhase); err != nil {
			return v, false, fmt.Errorf("verdict JSON: next_phase: %w", err)
		}
	}
	for i := range engine.Vital(engine.NumVitals) {
		vv := &v.Vitals[i]
		vv.Observed = math.NaN()
		for q := range vv.Forecast {
			vv.Forecast[q] = math.NaN()
		}
		wv, has := w.Vitals[i.String()]
		if !has {
			vv.Missing = true
			continue
		}
		if wv.Observed != nil {
			vv.Observed = *wv.Observed
		}
		vv.Missing = wv.Missing || wv.Observed == nil
		for q, key := range quantileKeys {
			if x := wv.Forecast[key]; x != nil {
				vv.Forecast[q] = *x
			}
		}
		if wv.Out != nil {
			vv.Out = *wv.Out
		}
		vv.Imputed, vv.Stuck = wv.Imputed, wv.Stuck
		vv.Prior = w.Basis == "population"
		vv.Personal = w.Basis == "personal" && i == engine.HeartRate
	}
	for _, a := range w.Alerts {
		c := -1
		for i := range detector.Channel(detector.NumChannels) {
			if i.String() == a.Channel {
				c = int(i)
			}
		}
		if c < 0 {
			return v, false, fmt.Errorf("verdict JSON: unknown alert channel %q", a.Channel)
		}
		k, err := engine.ParseKind(a.Kind)
		if err != nil {
			return v, false, fmt.Errorf("verdict JSON: alert kind: %w", err)
		}
		v.Channels[c] = detector.ChannelAlert{Open: true, Opened: a.Opened, Kind: k, Since: a.Since}
		if !v.Alert.Open || a.Since < v.Alert.Since {
			v.Alert.Since = a.Since
		}
		v.Alert.Open = true
		v.Alert.Extended = v.Alert.Extended || a.Opened
	}
	if v.Alert.Open {
		v.Alert.Kind = v.Kind
		// A channel that opened at this tick opened the incident when the
		// incident is this tick's; else it extended an open one.
		if v.Alert.Extended && v.Alert.Since == v.T {
			v.Alert.Opened, v.Alert.Extended = true, false
		}
	}
	return v, true, nil
}
