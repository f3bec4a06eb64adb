package httpapi

import (
	"math"
	"net/http"
	"strconv"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// The fields of an observation, as the prototype named them.
const (
	fSoldier = iota
	fTimestamp
	fHeartRate // fHeartRate+v is vital v
	fStamina
	fCoreTemp
	fSpO2
	fPhase
	fNextPhase
	fAmbient
	numObsFields
)

var obsFieldNames = [numObsFields]string{"soldier_id", "timestamp", "heart_rate", "stamina", "core_temp", "spo2", "phase", "next_phase", "ambient"}

// requiredObs are the fields an observation must carry: the prototype's.
const requiredObs = 1<<fSoldier | 1<<fTimestamp | 1<<fHeartRate | 1<<fStamina

// Limits of identifiers and timestamps.
const (
	maxSoldierID = math.MaxInt32
	maxTimestamp = 1<<53 - 1 // ticks must survive a float64 round trip
)

// obsFields is one decoded observation before defaults are applied.
type obsFields struct {
	soldier     int64
	ts          int64
	vals        [engine.NumVitals]float64
	phase, next engine.Phase
	ambient     float64
	seen        uint16      // bit per field present in the body (null included)
	null        engine.Mask // vitals sent as null: missing readings
}

func (f *obsFields) has(field int) bool { return f.seen&(1<<field) != 0 }

// vitalUnits describe each vital's number in messages.
var vitalRanges = func() (r [engine.NumVitals]featurestore.Feature) {
	for v := range engine.Vital(engine.NumVitals) {
		r[v] = featurestore.VitalFeature(v)
	}
	return r
}()

var ambientRange, _ = featurestore.FeatureByName("ambient")

// obsField returns the index of the observation field called key, or -1.
func obsField(key []byte) int {
	switch string(key) {
	case "soldier_id":
		return fSoldier
	case "timestamp":
		return fTimestamp
	case "heart_rate":
		return fHeartRate
	case "stamina":
		return fStamina
	case "core_temp":
		return fCoreTemp
	case "spo2":
		return fSpO2
	case "phase":
		return fPhase
	case "next_phase":
		return fNextPhase
	case "ambient":
		return fAmbient
	}
	return -1
}

// fieldValue is the scanned value of one field: its first byte says its
// JSON type; num is set for numbers, str for strings.
type fieldValue struct {
	kind byte // '0' number, '"' string, 'n' null, 't' boolean, '{' object, '[' array
	num  []byte
	str  []byte
}

// scanValue reads the value of a field into v. Strings and numbers are
// kept; objects, arrays and booleans are skipped (no field takes them).
func (l *lexer) scanValue(v *fieldValue) *apiError {
	*v = fieldValue{}
	var e *apiError
	switch c := l.peek(); {
	case c == '"':
		v.kind = '"'
		v.str, e = l.str()
	case c == '-' || ('0' <= c && c <= '9'):
		v.kind = '0'
		v.num, e = l.number()
	case c == 'n':
		v.kind = 'n'
		e = l.literal()
	case c == 't' || c == 'f':
		v.kind = 't'
		e = l.literal()
	case c == '{' || c == '[':
		v.kind = c
		e = l.skip(0)
	default:
		e = l.skip(0) // reports the syntax error
	}
	return e
}

func wrongType(field, want string, v *fieldValue) *apiError {
	return newError(http.StatusBadRequest, codeWrongType, field, "%s must be %s (got %s)", field, want, typeName(v.kind))
}

// set stores the value of field idx, or returns the rule it breaks.
func (f *obsFields) set(idx int, v *fieldValue) *apiError {
	switch idx {
	case fSoldier:
		return f.setSoldier(v)
	case fTimestamp:
		return f.setTimestamp(v)
	case fHeartRate, fStamina, fCoreTemp, fSpO2:
		return f.setVital(engine.Vital(idx-fHeartRate), v)
	case fPhase, fNextPhase:
		return f.setPhase(idx, v)
	case fAmbient:
		return f.setAmbient(v)
	}
	return nil
}

// setSoldier stores soldier_id: a whole number in [1, maxSoldierID].
func (f *obsFields) setSoldier(v *fieldValue) *apiError {
	name := obsFieldNames[fSoldier]
	if v.kind != '0' {
		return wrongType(name, "a positive integer", v)
	}
	id, whole, ok := parseInt(v.num, 1, maxSoldierID)
	if !whole {
		return newError(http.StatusBadRequest, codeWrongType, name, "soldier_id must be a whole number (got %s)", v.num)
	}
	if !ok {
		return newError(http.StatusUnprocessableEntity, codeOutOfRange, name, "soldier_id must be between 1 and %d (got %s)", maxSoldierID, v.num)
	}
	f.soldier = id
	return nil
}

// setTimestamp stores timestamp: whole unix seconds in [0, maxTimestamp].
func (f *obsFields) setTimestamp(v *fieldValue) *apiError {
	name := obsFieldNames[fTimestamp]
	if v.kind != '0' {
		return wrongType(name, "whole unix seconds", v)
	}
	ts, whole, ok := parseInt(v.num, 0, maxTimestamp)
	if !whole {
		return newError(http.StatusBadRequest, codeWrongType, name, "timestamp must be whole unix seconds (got %s)", v.num)
	}
	if !ok {
		return newError(http.StatusUnprocessableEntity, codeOutOfRange, name, "timestamp must be unix seconds between 0 and %d (got %s)", int64(maxTimestamp), v.num)
	}
	f.ts = ts
	return nil
}

// setVital stores a vital: a number in its feature's range, or null for a
// missing reading (NaN with its null bit).
func (f *obsFields) setVital(vital engine.Vital, v *fieldValue) *apiError {
	name := obsFieldNames[fHeartRate+int(vital)]
	rg := &vitalRanges[vital]
	switch v.kind {
	case 'n':
		f.null = f.null.With(vital)
		f.vals[vital] = math.NaN()
		return nil
	case '0':
	default:
		return wrongType(name, "a number in "+rg.Unit+", or null for a missing reading", v)
	}
	x, ok := parseFloat(v.num)
	if !ok {
		return newError(http.StatusUnprocessableEntity, codeOutOfRange, name, "%s must be a finite number (got %s)", name, v.num)
	}
	if !rg.Contains(x) {
		return rangeError(name, rg, v.num)
	}
	f.vals[vital] = x
	return nil
}

// setPhase stores phase or next_phase (idx) by name; null counts as
// absent.
func (f *obsFields) setPhase(idx int, v *fieldValue) *apiError {
	name := obsFieldNames[idx]
	if v.kind == 'n' {
		f.seen &^= 1 << idx // null: as if absent
		return nil
	}
	if v.kind != '"' {
		return wrongType(name, "one of rest, patrol, march, contact, recovery", v)
	}
	p, ok := phaseByName(v.str)
	if !ok {
		return newError(http.StatusUnprocessableEntity, codeInvalidValue, name,
			"%s must be one of rest, patrol, march, contact, recovery (got %s)", name, strconv.Quote(string(v.str)))
	}
	if idx == fPhase {
		f.phase = p
	} else {
		f.next = p
	}
	return nil
}

// setAmbient stores ambient: a number in ambientRange, °C; null counts as
// absent.
func (f *obsFields) setAmbient(v *fieldValue) *apiError {
	name := obsFieldNames[fAmbient]
	if v.kind == 'n' {
		f.seen &^= 1 << fAmbient
		return nil
	}
	if v.kind != '0' {
		return wrongType(name, "a number in °C", v)
	}
	x, ok := parseFloat(v.num)
	if !ok {
		return newError(http.StatusUnprocessableEntity, codeOutOfRange, name, "ambient must be a finite number (got %s)", v.num)
	}
	if !ambientRange.Contains(x) {
		return rangeError(name, &ambientRange, v.num)
	}
	f.ambient = x
	return nil
}

func rangeError(name string, rg *featurestore.Feature, raw []byte) *apiError {
	return newError(http.StatusUnprocessableEntity, codeOutOfRange, name, "%s must be between %g and %g %s (got %s)",
		name, rg.Min, rg.Max, rg.Unit, raw)
}

func phaseByName(s []byte) (engine.Phase, bool) {
	switch string(s) {
	case "rest":
		return engine.PhaseRest, true
	case "patrol":
		return engine.PhasePatrol, true
	case "march":
		return engine.PhaseMarch, true
	case "contact":
		return engine.PhaseContact, true
	case "recovery":
		return engine.PhaseRecovery, true
	}
	return 0, false
}

// objectFields is what decodeObject fills: a fixed set of named fields.
type objectFields interface {
	field(key []byte) int
	fieldName(idx int) string
	seenBits() *uint16
	set(idx int, v *fieldValue) *apiError
}

func (f *obsFields) field(key []byte) int     { return obsField(key) }
func (f *obsFields) fieldName(idx int) string { return obsFieldNames[idx] }
func (f *obsFields) seenBits() *uint16        { return &f.seen }

// decodeObject reads one JSON object into dst. A broken rule of a field
// (wrong type, unknown or duplicate field, a value out of range) is
// returned as rule, and the rest of the object is still read so that the
// lexer stands after it; malformed JSON is returned as fatal.
func decodeObject(l *lexer, dst objectFields, what string) (rule, fatal *apiError) {
	l.ws()
	if c := l.peek(); c != '{' {
		if l.i >= len(l.b) {
			return nil, l.syntax("unexpected end of input, expected %s", what)
		}
		var v fieldValue
		if e := l.scanValue(&v); e != nil {
			return nil, e
		}
		return newError(http.StatusBadRequest, codeWrongType, "", "expected %s, got %s", what, typeName(v.kind)), nil
	}
	l.i++
	l.ws()
	if l.peek() == '}' {
		l.i++
		return nil, nil
	}
	seen := dst.seenBits()
	for {
		l.ws()
		key, e := l.str()
		if e != nil {
			return nil, e
		}
		idx := dst.field(key)
		var unknown string
		if idx < 0 {
			unknown = string(key) // before the value's strings reuse the buffer
		}
		l.ws()
		if e := l.expect(':', "':' after an object key"); e != nil {
			return nil, e
		}
		l.ws()
		if e := l.scanValue(&l.val); e != nil {
			return nil, inValue(e, dst, idx, unknown)
		}
		valueEnd := l.i
		if rule == nil {
			switch {
			case idx < 0:
				rule = newError(http.StatusBadRequest, codeUnknownField, unknown, "unknown field %s", strconv.Quote(unknown))
			case *seen&(1<<idx) != 0:
				name := dst.fieldName(idx)
				rule = newError(http.StatusBadRequest, codeDuplicateField, name, "field %s appears twice", name)
			default:
				*seen |= 1 << idx
				rule = dst.set(idx, &l.val)
			}
		}
		l.ws()
		switch l.peek() {
		case ',':
			l.i++
			continue
		case '}':
			l.i++
			return rule, nil
		}
		e = l.expect('}', "',' or '}' in an object")
		if c := l.peek(); l.i == valueEnd && l.val.kind == '0' && (c == '.' || c == 'e' || c == 'E' || ('0' <= c && c <= '9')) {
			// A number that goes on where JSON ends it (a leading zero, 01):
			// still the field's value.
			e = inValue(e, dst, idx, unknown)
		}
		return nil, e
	}
}

// inValue names the field whose value holds the syntax error e (NaN,
// Infinity, 01, a broken string): idx is its index in dst, or -1 for the
// unknown field called unknown.
func inValue(e *apiError, dst objectFields, idx int, unknown string) *apiError {
	if e.field != "" {
		return e
	}
	switch {
	case idx >= 0:
		e.field = dst.fieldName(idx)
	case unknown != "":
		e.field = unknown
	}
	if e.field != "" {
		e.msg += " (in the value of " + strconv.Quote(e.field) + ")"
	}
	return e
}

// decodeObservation reads one observation object. rule is a broken field
// rule (the object was read to its end); fatal is malformed JSON.
func decodeObservation(l *lexer, f *obsFields) (rule, fatal *apiError) {
	*f = obsFields{}
	rule, fatal = decodeObject(l, f, "an observation object")
	if rule != nil || fatal != nil {
		return rule, fatal
	}
	if missing := requiredObs &^ f.seen; missing != 0 {
		for i := range numObsFields {
			if missing&(1<<i) != 0 {
				name := obsFieldNames[i]
				hint := ""
				if i >= fHeartRate {
					hint = " (send null for a missing reading)"
				}
				return newError(http.StatusBadRequest, codeMissingField, name, "%s is required%s", name, hint), nil
			}
		}
	}
	return nil, nil
}

// obsDefaults fill what an observation may leave out.
type obsDefaults struct {
	phase   engine.Phase
	ambient float64
}

// observation builds the engine observation: missing vitals as NaN with
// their Missing bit, absent phases and ambient from d, next_phase from
// phase when absent. Without "phase" the phase is a guess (d's), and the
// observation says so (PhaseGuessed): the scorer then judges heart rate
// against the soldier's own baseline.
func (f *obsFields) observation(d obsDefaults) engine.Observation {
	o := engine.Observation{Soldier: engine.SoldierID(f.soldier), T: f.ts, Values: f.vals,
		Phase: d.phase, Ambient: d.ambient}
	for v := range engine.Vital(engine.NumVitals) {
		if !f.has(fHeartRate+int(v)) || f.null.Has(v) {
			o.SetMissing(v)
		}
	}
	if f.has(fPhase) {
		o.Phase = f.phase
	} else {
		o.PhaseGuessed = true
	}
	o.NextPhase = o.Phase
	if f.has(fNextPhase) {
		o.NextPhase = f.next
	}
	if f.has(fAmbient) {
		o.Ambient = f.ambient
	}
	return o
}

// batchItem is one decoded item of a batch.
type batchItem struct {
	f   obsFields
	err *apiError
}

// decodeBatch reads a batch: an array of observations or an object
// {"observations": [...]}. Items that break a field rule keep their error;
// malformed JSON, an empty batch or more than max items fail the batch.
func decodeBatch(l *lexer, dst []batchItem, max int) ([]batchItem, *apiError) {
	dst = dst[:0]
	wrapped, e := openBatch(l)
	if e != nil {
		return dst, e
	}
	l.ws()
	if l.peek() == ']' {
		return dst, newError(http.StatusBadRequest, codeEmptyBatch, "observations", "the batch holds no observations")
	}
	for {
		if len(dst) == max {
			return dst, newError(http.StatusRequestEntityTooLarge, codeTooManyItems, "observations", "a batch holds at most %d observations", max)
		}
		dst = append(dst, batchItem{})
		it := &dst[len(dst)-1]
		rule, fatal := decodeObservation(l, &it.f)
		if fatal != nil {
			return dst, fatal
		}
		it.err = rule
		l.ws()
		if l.peek() == ',' {
			l.i++
			continue
		}
		if e := l.expect(']', "',' or ']' in the batch array"); e != nil {
			return dst, e
		}
		break
	}
	if wrapped {
		l.ws()
		if l.peek() == ',' {
			return dst, l.syntax("a batch object has one field, \"observations\"")
		}
		if e := l.expect('}', "'}' after the observations"); e != nil {
			return dst, e
		}
	}
	return dst, l.end()
}

// openBatch reads a batch up to and including the '[' of its
// observations: a bare array, or {"observations": [ when wrapped (then a
// '}' must follow the array).
func openBatch(l *lexer) (wrapped bool, e *apiError) {
	l.ws()
	switch l.peek() {
	case '[':
	case '{':
		wrapped = true
		l.i++
		l.ws()
		key, e := l.str()
		if e != nil {
			return false, e
		}
		if string(key) != "observations" {
			k := string(key)
			return false, newError(http.StatusBadRequest, codeUnknownField, k, "unknown field %s (a batch object has one field, \"observations\")", strconv.Quote(k))
		}
		l.ws()
		if e := l.expect(':', "':' after an object key"); e != nil {
			return false, e
		}
		l.ws()
		if l.peek() != '[' {
			var v fieldValue
			if e := l.scanValue(&v); e != nil {
				return false, e
			}
			return false, wrongType("observations", "an array of observation objects", &v)
		}
	default:
		if l.i >= len(l.b) {
			return false, l.syntax("unexpected end of input, expected a batch")
		}
		var v fieldValue
		if e := l.scanValue(&v); e != nil {
			return false, e
		}
		return false, newError(http.StatusBadRequest, codeWrongType, "", "a batch must be an array of observations or {\"observations\": [...]} (got %s)", typeName(v.kind))
	}
	l.i++ // '['
	return wrapped, nil
}
