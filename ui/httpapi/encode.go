package httpapi

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// The JSON encoder of the responses: append functions writing into a
// caller's buffer, so a response costs no allocation once the buffer has
// grown. NaN and ±Inf, which JSON cannot carry, are written as null.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' { // valid JSON, but not JavaScript
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFloat appends x with prec significant digits (-1: the shortest
// representation that round-trips), or null if x is NaN or infinite.
func appendFloat(b []byte, x float64, prec int) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	if x == 0 {
		return append(b, '0')
	}
	abs := math.Abs(x)
	if prec > 0 && prec <= 15 && abs >= 1e-6 && abs < 1e15 {
		return appendSig(b, x, prec)
	}
	if abs < 1e-6 || abs >= 1e21 {
		return strconv.AppendFloat(b, x, 'e', prec, 64)
	}
	return strconv.AppendFloat(b, x, 'f', -1, 64)
}

// appendSig appends x (1e-6 ≤ |x| < 1e15) rounded to prec significant
// digits in plain decimal notation, trailing zeros dropped: 37.50000001 →
// 37.5, 0.123456789 → 0.123457. It is several times faster than strconv's
// shortest formatting, which matters at ~70 numbers per verdict.
func appendSig(b []byte, x float64, prec int) []byte {
	if x < 0 {
		b = append(b, '-')
		x = -x
	}
	// e: the decimal exponent, 10^e ≤ x < 10^(e+1), found by table lookup
	// (math.Log10 costs more than the rest of this function).
	e := 0
	if x >= 1 {
		for e+1 < len(pow10) && x >= pow10[e+1] {
			e++
		}
	} else {
		for e > -len(pow10)+1 && x < negPow10[-e] {
			e--
		}
	}
	k := prec - 1 - e // x·10^k has prec digits before the point
	var m float64
	switch {
	case k >= 0 && k < len(pow10):
		m = math.Round(x * pow10[k])
	case k < 0 && -k < len(pow10):
		m = math.Round(x / pow10[-k])
	default:
		return strconv.AppendFloat(b, x, 'g', prec, 64)
	}
	if m >= pow10[prec] { // rounded up to one more digit (or e was one short)
		m = math.Round(m / 10)
		k--
	}
	u := uint64(m)
	if k <= 0 {
		b = strconv.AppendUint(b, u, 10)
		for range -k {
			b = append(b, '0')
		}
		return b
	}
	// Drop trailing zeros of the fraction, then print u with k decimals.
	for k > 0 && u%10 == 0 {
		u /= 10
		k--
	}
	var digits [32]byte
	i := len(digits)
	for range k {
		i--
		digits[i] = byte('0' + u%10)
		u /= 10
	}
	if k > 0 {
		i--
		digits[i] = '.'
	}
	for first := true; first || u > 0; first = false {
		i--
		digits[i] = byte('0' + u%10)
		u /= 10
	}
	return append(b, digits[i:]...)
}

// negPow10[i] is 10^-i (rounded: only for finding exponents).
var negPow10 = [...]float64{1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10,
	1e-11, 1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// key appends "name": after a comma unless first.
func appendKey(b []byte, name string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// outPrec is the number of significant digits of model outputs (forecasts,
// scores, weights): more would be noise.
const outPrec = 6

// quantileKeys name the forecast quantiles in JSON: q02, q10, q50, q90, q98.
var quantileKeys = func() (k [detector.NumQuantiles]string) {
	for i, q := range detector.QuantileLevels {
		k[i] = "q" + strconv.Itoa(int(math.Round(q*100)))
		if len(k[i]) == 2 {
			k[i] = "q0" + k[i][1:]
		}
	}
	return k
}()

// verdictExtras is what a verdict's JSON says beside the verdict itself.
type verdictExtras struct {
	scorer string
	warmup int // observations the scorer needs; 0 unknown
	// seen gives how many earlier observations of a soldier the scorer had
	// when it scored its verdict at t (monitor.Seen); nil or !ok: unknown.
	seen func(id engine.SoldierID, t int64) (int, bool)
}

// needed is the warm-up countdown of v: how many observations of the
// soldier, this one included, the scorer must still see before it
// forecasts (the model judges the one after them). Without the count of
// observations seen it is the whole warm-up.
func (x *verdictExtras) needed(v *detector.Verdict) int {
	if x.seen == nil {
		return x.warmup
	}
	n, ok := x.seen(v.Soldier, v.T)
	if !ok {
		return x.warmup
	}
	return max(1, x.warmup-n)
}

// appendVerdict appends the JSON of a verdict:
//
//	{"soldier_id", "timestamp", "anomaly", "state", "kind", "score", "phase",
//	 "next_phase", "scorer", "basis", "phase_seen" (only while the phase check
//	 judges the reported phase wrong), "warmup" (only while warming up), "vitals":
//	 {name: {"observed", "missing", "forecast": {q02…q98}, "out", "imputed",
//	 "stuck"}}, "alerts": [{"channel", "kind", "since", "opened"}],
//	 "model_weights": {"vital", "variables": [{"name", "weight"}], "attention"}}
func appendVerdict(b []byte, v *detector.Verdict, x verdictExtras) []byte {
	b = append(b, `{"soldier_id":`...)
	b = strconv.AppendInt(b, int64(v.Soldier), 10)
	b = appendKey(b, "timestamp", false)
	b = strconv.AppendInt(b, v.T, 10)
	b = appendKey(b, "anomaly", false)
	b = appendBool(b, v.State == detector.StateAlert)
	b = appendKey(b, "state", false)
	b = appendString(b, v.State.String())
	b = appendKey(b, "kind", false)
	b = appendString(b, v.Kind.String())
	b = appendKey(b, "score", false)
	b = appendFloat(b, v.Score, outPrec)
	b = appendKey(b, "phase", false)
	b = appendString(b, v.Phase.String())
	b = appendKey(b, "next_phase", false)
	b = appendString(b, v.NextPhase.String())
	if x.scorer != "" {
		b = appendKey(b, "scorer", false)
		b = appendString(b, x.scorer)
	}
	b = appendKey(b, "basis", false)
	b = appendString(b, basis(v))
	if n := phaseSeenName(v.PhaseSeen); n != "" {
		b = appendKey(b, "phase_seen", false)
		b = appendString(b, n)
	}
	if (v.State == detector.StateWarmingUp || v.Vitals[engine.HeartRate].Prior) && x.warmup > 0 {
		b = append(b, `,"warmup":{"observations_needed":`...)
		b = strconv.AppendInt(b, int64(x.needed(v)), 10)
		b = append(b, '}')
	}
	b = append(b, `,"vitals":`...)
	b = appendVitals(b, &v.Vitals)
	b = append(b, `,"alerts":`...)
	b = appendAlerts(b, &v.Channels)
	b = append(b, `,"model_weights":`...)
	b = appendExplanation(b, &v.Explanation, v.State != detector.StateWarmingUp)
	return append(b, '}')
}

// appendVitals appends {name: {"observed", "missing", "forecast": {q02…q98},
// "out", "imputed", "stuck"}} for every vital; a missing reading's
// "observed" is null.
func appendVitals(b []byte, vs *[engine.NumVitals]detector.VitalVerdict) []byte {
	b = append(b, '{')
	for i := range vs {
		vv := &vs[i]
		b = appendKey(b, engine.Vital(i).String(), i == 0)
		b = append(b, `{"observed":`...)
		if vv.Missing {
			b = append(b, "null"...)
		} else {
			b = appendFloat(b, vv.Observed, -1)
		}
		b = appendKey(b, "missing", false)
		b = appendBool(b, vv.Missing)
		b = append(b, `,"forecast":{`...)
		for q := range vv.Forecast {
			b = appendKey(b, quantileKeys[q], q == 0)
			b = appendFloat(b, vv.Forecast[q], outPrec)
		}
		b = append(b, '}')
		b = appendKey(b, "out", false)
		b = appendFloat(b, vv.Out, outPrec)
		b = appendKey(b, "imputed", false)
		b = appendBool(b, vv.Imputed)
		b = appendKey(b, "stuck", false)
		b = appendBool(b, vv.Stuck)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendAlerts appends [{"channel", "kind", "since", "opened"}] for the
// channels open or opened by this verdict.
func appendAlerts(b []byte, chs *[detector.NumChannels]detector.ChannelAlert) []byte {
	b = append(b, '[')
	first := true
	for c := range chs {
		ch := &chs[c]
		if !ch.Open && !ch.Opened {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"channel":`...)
		b = appendString(b, detector.Channel(c).String())
		b = appendKey(b, "kind", false)
		b = appendString(b, ch.Kind.String())
		b = appendKey(b, "since", false)
		b = strconv.AppendInt(b, ch.Since, 10)
		b = appendKey(b, "opened", false)
		b = appendBool(b, ch.Opened)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendExplanation appends {"vital", "variables": [{"name", "weight"}],
// "attention": [...]}; vital is null when nothing was forecast.
func appendExplanation(b []byte, e *detector.Explanation, forecast bool) []byte {
	b = append(b, `{"vital":`...)
	if forecast {
		b = appendString(b, e.Vital.String())
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"variables":[`...)
	n := min(e.NumVars, len(e.VarNames), len(e.VarWeights))
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, e.VarNames[i])
		b = appendKey(b, "weight", false)
		b = appendFloat(b, e.VarWeights[i], outPrec)
		b = append(b, '}')
	}
	b = append(b, `],"attention":[`...)
	for i := range min(e.AttentionLen, len(e.Attention)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, e.Attention[i], outPrec)
	}
	return append(b, "]}"...)
}

// appendObservation appends one stored row as the JSON of an observation,
// the shape POST /predict takes (missing readings as null).
func appendObservation(b []byte, o *engine.Observation) []byte {
	b = append(b, `{"soldier_id":`...)
	b = strconv.AppendInt(b, int64(o.Soldier), 10)
	b = appendKey(b, "timestamp", false)
	b = strconv.AppendInt(b, o.T, 10)
	for v := range engine.Vital(engine.NumVitals) {
		b = appendKey(b, v.String(), false)
		if x, ok := o.Value(v); ok {
			b = appendFloat(b, x, -1)
		} else {
			b = append(b, "null"...)
		}
	}
	b = appendKey(b, "phase", false)
	b = appendString(b, o.Phase.String())
	b = appendKey(b, "next_phase", false)
	b = appendString(b, o.NextPhase.String())
	b = appendKey(b, "ambient", false)
	b = appendFloat(b, o.Ambient, -1)
	return append(b, '}')
}

// appendProfile appends a soldier's static covariates, the shape PUT
// /soldiers/{id} takes, with "known": false for defaults.
func appendProfile(b []byte, p *engine.Profile, known bool) []byte {
	b = append(b, `{"soldier_id":`...)
	b = strconv.AppendInt(b, int64(p.ID), 10)
	b = appendKey(b, "known", false)
	b = appendBool(b, known)
	b = appendKey(b, "squad", false)
	b = strconv.AppendInt(b, int64(p.Squad), 10)
	b = appendKey(b, "age", false)
	b = appendFloat(b, p.Age, -1)
	b = appendKey(b, "fitness", false)
	b = appendString(b, p.Fitness.String())
	b = appendKey(b, "resting_hr", false)
	b = appendFloat(b, p.RestingHR, -1)
	b = appendKey(b, "hr_max", false)
	b = appendFloat(b, p.HRMax, -1)
	b = appendKey(b, "mass", false)
	b = appendFloat(b, p.Mass, -1)
	b = appendKey(b, "acclimatised", false)
	b = appendFloat(b, p.Acclimatised, -1)
	b = appendKey(b, "base_core_temp", false)
	b = appendFloat(b, p.BaseCoreTemp, -1)
	return append(b, '}')
}

// appendErrorFields appends "error", "code" and, if set, "field" and
// "latest" (without braces).
func appendErrorFields(b []byte, e *apiError) []byte {
	b = append(b, `"error":`...)
	b = appendString(b, e.msg)
	b = appendKey(b, "code", false)
	b = appendString(b, e.code)
	if e.field != "" {
		b = appendKey(b, "field", false)
		b = appendString(b, e.field)
	}
	if e.hasLat {
		b = appendKey(b, "latest", false)
		b = strconv.AppendInt(b, e.latest, 10)
	}
	return b
}

// appendError appends a JSON error body.
func appendError(b []byte, e *apiError) []byte {
	b = append(b, '{')
	b = appendErrorFields(b, e)
	return append(b, '}')
}

// phaseSeenNames are the values of "phase_seen", by detector.Activity.
var phaseSeenNames = [...]string{
	detector.ActivityResting: "resting",
	detector.ActivitySteady:  "not_in_contact",
	detector.ActivityWorking: "working",
	detector.ActivityHard:    "working_hard",
}

// phaseSeenName returns the "phase_seen" value of activity a ("" for
// none: the field is left out).
func phaseSeenName(a detector.Activity) string {
	if int(a) < len(phaseSeenNames) {
		return phaseSeenNames[a]
	}
	return ""
}

// basis names what the verdict judged the readings against: "model" (the
// scorer's forecast), "population" (the population prior for the
// soldier's profile and phase, before the scorer can forecast it),
// "personal" (the observation named no phase: heart rate was judged
// against the soldier's own baseline, the other vitals against the model)
// or "none" (warming up without a prior).
func basis(v *detector.Verdict) string {
	personal := false
	for i := range v.Vitals {
		if v.Vitals[i].Prior {
			return "population"
		}
		personal = personal || v.Vitals[i].Personal
	}
	if personal {
		return "personal"
	}
	if v.State == detector.StateWarmingUp {
		return "none"
	}
	return "model"
}
