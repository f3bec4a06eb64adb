package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Reference is the do-nothing handler of the load benchmark: POST /predict
// reads the body with the same limits, decodes the observation with the
// same decoder, and answers a verdict of the same shape built from the
// observation alone — no store, no scorer, no metrics, no monitor. The
// ratio of the real server's throughput and latency to the reference's,
// measured side by side, is what the pipeline costs. Any other path is 404.
type Reference struct {
	explain bool
	scorer  string
	pool    sync.Pool
	varName []string
}

// NewReference returns the reference handler. With explain its verdicts
// carry an explanation the size of the TFT's (11 variable weights, 30
// attention weights), as the real server's do with the TFT; without, an
// empty one, as with a baseline scorer.
func NewReference(explain bool, scorer string) *Reference {
	h := &Reference{explain: explain, scorer: scorer,
		varName: []string{"hr", "stamina", "core_temp", "spo2", "d_hr", "d_stamina", "d_core_temp", "d_spo2", "phase", "imputed", "ambient"}}
	h.pool.New = func() any { return &reqState{} }
	return h
}

// ServeHTTP implements http.Handler.
func (h *Reference) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rs := h.pool.Get().(*reqState)
	defer func() {
		rs.lex.b = nil
		if cap(rs.body) > keepBytes {
			rs.body = nil
		}
		h.pool.Put(rs)
	}()
	if r.URL.Path != "/predict" {
		rs.out = appendError(rs.out[:0], &apiError{status: http.StatusNotFound, code: codeNotFound, msg: "the reference handler serves POST /predict only"})
		writeJSON(w, http.StatusNotFound, rs.out)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		rs.out = appendError(rs.out[:0], &apiError{status: http.StatusMethodNotAllowed, code: codeMethod, msg: "method " + strconv.Quote(r.Method) + " not allowed on /predict (allowed: POST)"})
		writeJSON(w, http.StatusMethodNotAllowed, rs.out)
		return
	}
	if e := readJSONBody(r, rs, DefaultBodyLimit); e != nil {
		rs.out = appendError(rs.out[:0], e)
		writeJSON(w, e.status, rs.out)
		return
	}
	rs.lex.reset(rs.body)
	rule, fatal := decodeObservation(&rs.lex, &rs.f)
	if fatal == nil {
		fatal = rs.lex.end()
	}
	if fatal == nil {
		fatal = rule
	}
	if fatal != nil {
		rs.out = appendError(rs.out[:0], fatal)
		writeJSON(w, fatal.status, rs.out)
		return
	}
	o := rs.f.observation(obsDefaults{phase: DefaultPhase, ambient: DefaultAmbient})
	var v detector.Verdict
	h.fill(&v, &o)
	rs.out = appendVerdict(rs.out[:0], &v, verdictExtras{scorer: h.scorer})
	writeJSON(w, http.StatusOK, rs.out)
}

// fill builds a plausible verdict from the observation alone: a band of
// ±5 % around each reading and, with explain, flat weights.
func (h *Reference) fill(v *detector.Verdict, o *engine.Observation) {
	v.Soldier, v.T, v.Phase, v.NextPhase, v.State = o.Soldier, o.T, o.Phase, o.NextPhase, detector.StateOK
	for i := range v.Vitals {
		vv := &v.Vitals[i]
		x, ok := o.Value(engine.Vital(i))
		vv.Observed, vv.Missing = x, !ok
		c := x
		if !ok {
			c = math.NaN()
		}
		for q, lvl := range detector.QuantileLevels {
			vv.Forecast[q] = c * (0.9512345 + 0.1*lvl)
		}
	}
	if h.explain {
		e := &v.Explanation
		e.VarNames = h.varName
		e.NumVars = len(h.varName)
		for i := range e.NumVars {
			e.VarWeights[i] = (1 + 0.01*float64(i)) / (float64(e.NumVars) + 0.55)
		}
		e.AttentionLen = 30
		for i := range e.AttentionLen {
			e.Attention[i] = (1 + 0.001*float64(i)) / 30.4
		}
	}
}
