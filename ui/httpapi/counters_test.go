package httpapi

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// TestCountVerdictsBatch: counting a batch of verdicts adds, per state and
// kind and per alert kind opened, what counting them one at a time adds:
// mixed states, kinds, several channel openings in one verdict, a kind
// that is no event (not counted as an opening) and an out-of-range state
// (not counted at all).
func TestCountVerdictsBatch(t *testing.T) {
	var vs []detector.Verdict
	add := func(n int, st detector.State, k engine.AnomalyKind, opened ...engine.AnomalyKind) {
		for range n {
			v := detector.Verdict{State: st, Kind: k}
			for i, o := range opened {
				v.Channels[i] = detector.ChannelAlert{Opened: true, Kind: o}
			}
			vs = append(vs, v)
		}
	}
	add(5, detector.StateOK, engine.KindNone)
	add(3, detector.StateWatch, engine.KindNone)
	add(2, detector.StateAlert, engine.KindTachycardia, engine.KindTachycardia)
	add(1, detector.StateAlert, engine.KindBradycardia, engine.KindBradycardia, engine.KindHeatStrain)
	add(1, detector.StateAlert, engine.KindTachycardia, engine.KindArtefact)
	add(1, detector.State(99), engine.KindNone)
	one, batch := newMetrics(&Server{}), newMetrics(&Server{})
	for i := range vs {
		one.countVerdicts(vs[i : i+1])
	}
	batch.countVerdicts(vs)
	for st := range detector.State(len(one.verdictChild)) {
		for k := range engine.AnomalyKind(engine.NumKinds) {
			if got, want := value(t, batch.verdicts.WithLabelValues(st.String(), k.String())),
				value(t, one.verdicts.WithLabelValues(st.String(), k.String())); got != want {
				t.Errorf("verdicts %v/%v: batch %v, one at a time %v", st, k, got, want)
			}
		}
	}
	for k := range engine.AnomalyKind(engine.NumKinds) {
		if one.alertChild[k] == nil {
			continue
		}
		if got, want := value(t, batch.alertChild[k]), value(t, one.alertChild[k]); got != want {
			t.Errorf("alerts opened %v: batch %v, one at a time %v", k, got, want)
		}
	}
	if got := value(t, batch.verdicts.WithLabelValues("alert", "tachycardia")); got != 3 {
		t.Errorf("alert/tachycardia verdicts: %v, want 3", got)
	}
	if got := value(t, batch.alertChild[engine.KindTachycardia]); got != 2 {
		t.Errorf("tachycardia openings: %v, want 2", got)
	}
}

// value reads a counter.
func value(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
