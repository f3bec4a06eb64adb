package session

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Aux record kinds and the version of their payloads.
const (
	// KindVerdicts names the aux record holding one frame's verdicts.
	KindVerdicts = "verdicts"
	// KindSession names the aux record, after the first frame, that says
	// what produced the verdicts.
	KindSession = "session"
	// Version is the newest encoding version this build writes. It reads
	// it and versions 1 (before alerts carried their incident: a version 1
	// verdict replays with a zero Alert) and 2 (before the phase check: a
	// record none of whose verdicts carries the phase check's fields is
	// still written as version 2, so recordings without them keep their
	// bytes; one that does is version 3, which a version-2 build refuses
	// with ErrVersion instead of misreading it).
	Version = 3
)

// metaVersion is the version the session record is written with: its
// layout has not changed since version 2, and recordings keep their bytes.
const metaVersion = 2

// readable reports whether this build reads encoding version v.
func readable(v int64) bool { return v >= 1 && v <= Version }

// versionOf is the encoding version a verdicts record of vs is written
// in: 3 when a verdict carries the phase check's fields (PhaseSeen, or an
// open alert's Evidence.Seen), else 2.
func versionOf(vs []detector.Verdict) int {
	for i := range vs {
		if vs[i].PhaseSeen != detector.ActivityNone || (vs[i].Alert.Open && vs[i].Alert.Evidence.Seen != detector.ActivityNone) {
			return 3
		}
	}
	return 2
}

// Incident flags of the encoding.
const (
	incOpen     = 1
	incOpened   = 2
	incExtended = 4
	incRefined  = 8
	incAll      = 15
)

// Vital flags of the encoding.
const (
	flagMissing  = 1
	flagImputed  = 2
	flagStuck    = 4
	flagObserved = 8  // the verdict's reading differs from the frame's and follows
	flagDrift    = 16 // a drift (not NaN) follows the band-widths out
	flagSuspect  = 32 // the reading was judged a sensor glitch
	flagPrior    = 64 // the reading was judged against the population prior
	// flagPersonal: the reading was judged against the soldier's own
	// baseline (its phase was guessed; never in a simulation's verdicts,
	// so recordings of one are unchanged by it).
	flagPersonal = 128
	flagsAll     = 255
)

// Channel flags of the encoding.
const (
	chOpen   = 1
	chOpened = 2
)

// numStates is the number of detector.State values.
const numStates = int64(detector.StateWarmingUp) + 1

// Meta says what produced a session's verdicts; it is written once, after
// the first frame.
type Meta struct {
	Detector string // the scorer's name, such as "tft"
	Note     string // e.g. "no TFT model in this build: fixed-threshold baseline"
	Source   string // e.g. "simulation · seed 1 · 100 soldiers"
}

type metaJSON struct {
	V        int    `json:"v"`
	Detector string `json:"detector"`
	Note     string `json:"note,omitempty"`
	Source   string `json:"source,omitempty"`
}

func encodeMeta(m Meta) json.RawMessage {
	b, _ := json.Marshal(metaJSON{V: metaVersion, Detector: m.Detector, Note: m.Note, Source: m.Source}) // strings only: cannot fail
	return b
}

func decodeMeta(p json.RawMessage) (Meta, error) {
	var j metaJSON
	if err := json.Unmarshal(p, &j); err != nil {
		return Meta{}, fmt.Errorf("%w: session record: %v", ErrCorrupt, err)
	}
	if !readable(int64(j.V)) {
		return Meta{}, fmt.Errorf("%w: session record version %d (this build reads versions 1 to %d)", ErrVersion, j.V, Version)
	}
	return Meta{Detector: j.Detector, Note: j.Note, Source: j.Source}, nil
}

// replayValue is the reading of v that a replay of the recorded frame
// returns: NaN when missing.
func replayValue(o *engine.Observation, v engine.Vital) float64 {
	if o.Missing.Has(v) || math.IsNaN(o.Values[v]) {
		return math.NaN()
	}
	return o.Values[v]
}

// sameFloat reports whether a and b are the same value (NaN equals NaN).
func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// checkVerdicts checks that vs is one verdict per observation of f, in order.
func checkVerdicts(f *engine.Frame, vs []detector.Verdict) error {
	if len(vs) != len(f.Obs) {
		return fmt.Errorf("%w: %d verdicts for %d observations at tick %d", ErrVerdicts, len(vs), len(f.Obs), f.T)
	}
	for i := range vs {
		v := &vs[i]
		if v.Soldier != f.Obs[i].Soldier || v.T != f.T {
			return fmt.Errorf("%w: verdict %d is for soldier %d at tick %d, observation %d is soldier %d at tick %d",
				ErrVerdicts, i, v.Soldier, v.T, i, f.Obs[i].Soldier, f.T)
		}
		if int(v.Phase) >= engine.NumPhases || int(v.NextPhase) >= engine.NumPhases || int64(v.State) >= numStates ||
			int(v.Kind) >= engine.NumKinds || int(v.Explanation.Vital) >= engine.NumVitals {
			return fmt.Errorf("%w: verdict of soldier %d at tick %d has an enum out of range", ErrVerdicts, v.Soldier, f.T)
		}
		if a := &v.Alert; int(a.Kind) >= engine.NumKinds || a.Evidence.Check >= detector.NumChecks ||
			int(a.Evidence.Vital) >= engine.NumVitals || a.Evidence.Channel >= detector.NumChannels ||
			a.Attribution != nil && (len(a.Attribution.Vars) > detector.MaxVars || len(a.Attribution.Steps) > detector.MaxEncoder ||
				len(a.Attribution.VarNames) > detector.MaxVars) {
			return fmt.Errorf("%w: verdict of soldier %d at tick %d: alert out of range", ErrVerdicts, v.Soldier, f.T)
		}
		if v.Explanation.NumVars < 0 || v.Explanation.NumVars > detector.MaxVars ||
			v.Explanation.AttentionLen < 0 || v.Explanation.AttentionLen > detector.MaxEncoder {
			return fmt.Errorf("%w: verdict of soldier %d at tick %d: explanation sizes %d, %d out of range",
				ErrVerdicts, v.Soldier, f.T, v.Explanation.NumVars, v.Explanation.AttentionLen)
		}
		for c := range v.Channels {
			if int(v.Channels[c].Kind) >= engine.NumKinds {
				return fmt.Errorf("%w: verdict of soldier %d at tick %d: channel %d kind out of range", ErrVerdicts, v.Soldier, f.T, c)
			}
		}
	}
	return nil
}

// keepExplanation reports whether the recording keeps v's variable
// weights and attention.
func keepExplanation(v *detector.Verdict, all bool) bool {
	e := &v.Explanation
	return (all || v.OpenedAny()) && (e.NumVars > 0 || e.AttentionLen > 0)
}

// appendF32 appends x at float32 precision: null for NaN, ±1e999 for an
// infinity (valid JSON that parses back as ±Inf).
func appendF32(b []byte, x float64) []byte {
	f := float32(x)
	switch {
	case math.IsNaN(x):
		return append(b, "null"...)
	case math.IsInf(float64(f), 1):
		return append(b, "1e999"...)
	case math.IsInf(float64(f), -1):
		return append(b, "-1e999"...)
	}
	return strconv.AppendFloat(b, float64(f), 'g', -1, 32)
}

// appendF64 appends x exactly.
func appendF64(b []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(b, "null"...)
	case math.IsInf(x, 1):
		return append(b, "1e999"...)
	case math.IsInf(x, -1):
		return append(b, "-1e999"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// appendVerdicts appends the payload of a verdicts record for frame f (vs
// already checked with checkVerdicts).
func appendVerdicts(b []byte, f *engine.Frame, vs []detector.Verdict, allExpl bool) []byte {
	return appendVerdictsVersion(b, f, vs, allExpl, versionOf(vs))
}

// appendVerdictsVersion appends the payload in encoding version ver (1
// leaves out the incidents, 2 the phase check's fields; tests write them
// to check that they still read). In version 3 a verdict whose PhaseSeen
// is set ends with it (after the incident, if any), and an incident whose
// evidence names an activity seen has it and its rate after the
// evidence's numbers.
func appendVerdictsVersion(b []byte, f *engine.Frame, vs []detector.Verdict, allExpl bool, ver int) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(ver), 10)
	for i := range vs {
		v := &vs[i]
		o := &f.Obs[i]
		b = append(b, ",["...)
		b = strconv.AppendInt(b, int64(v.Phase), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(v.NextPhase), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(v.State), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(v.Kind), 10)
		b = append(b, ',')
		b = appendF32(b, v.Score)
		b = append(b, ",["...)
		for x := range engine.Vital(engine.NumVitals) {
			if x > 0 {
				b = append(b, ',')
			}
			b = appendVitalVerdict(b, &v.Vitals[x], replayValue(o, x))
		}
		b = append(b, "],["...)
		b = appendChannels(b, v)
		b = append(b, "],["...)
		b = appendExplanation(b, v, allExpl)
		b = append(b, ']')
		if ver >= 2 && v.Alert.Open {
			b = append(b, ',')
			b = appendAlert(b, &v.Alert, ver)
		}
		if ver >= 3 && v.PhaseSeen != detector.ActivityNone {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(v.PhaseSeen), 10)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendVitalVerdict appends one vital's verdict: its flags, the observed
// value if it differs from replayed (the value a replay of the frame
// gives), the outlier score, the drift if any and the forecast quantiles
// if any.
func appendVitalVerdict(b []byte, vv *detector.VitalVerdict, replayed float64) []byte {
	flags := 0
	if vv.Missing {
		flags |= flagMissing
	}
	if vv.Imputed {
		flags |= flagImputed
	}
	if vv.Stuck {
		flags |= flagStuck
	}
	if vv.Suspect {
		flags |= flagSuspect
	}
	if vv.Prior {
		flags |= flagPrior
	}
	if vv.Personal {
		flags |= flagPersonal
	}
	differs := !sameFloat(vv.Observed, replayed)
	if differs {
		flags |= flagObserved
	}
	drift := !math.IsNaN(vv.Drift)
	if drift {
		flags |= flagDrift
	}
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(flags), 10)
	if differs {
		b = append(b, ',')
		b = appendF64(b, vv.Observed)
	}
	b = append(b, ',')
	b = appendF32(b, vv.Out)
	if drift {
		b = append(b, ',')
		b = appendF32(b, vv.Drift)
	}
	if !allNaN(&vv.Forecast) {
		for _, q := range vv.Forecast {
			b = append(b, ',')
			b = appendF32(b, q)
		}
	}
	return append(b, ']')
}

// appendChannels appends v's alert channels that are not zero, each as
// [index, flags, kind, since].
func appendChannels(b []byte, v *detector.Verdict) []byte {
	first := true
	for c := range v.Channels {
		ch := &v.Channels[c]
		if *ch == (detector.ChannelAlert{}) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		flags := 0
		if ch.Open {
			flags |= chOpen
		}
		if ch.Opened {
			flags |= chOpened
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(flags), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(ch.Kind), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, ch.Since, 10)
		b = append(b, ']')
	}
	return b
}

// appendExplanation appends v's explanation: the vital it explains and, if
// kept (keepExplanation), its variable names, their weights and the
// attention over the window.
func appendExplanation(b []byte, v *detector.Verdict, allExpl bool) []byte {
	e := &v.Explanation
	b = strconv.AppendInt(b, int64(e.Vital), 10)
	if !keepExplanation(v, allExpl) {
		return b
	}
	b = append(b, ",["...)
	for j, n := range e.VarNames {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendString(b, n)
	}
	b = append(b, "],["...)
	for j := range e.NumVars {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendF32(b, e.VarWeights[j])
	}
	b = append(b, "],["...)
	for j := range e.AttentionLen {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendF32(b, e.Attention[j])
	}
	return append(b, ']')
}

// appendAlert appends the verdict's open incident: [flags, since, kind,
// check, vital, missing, channel, ticks, value, expected, lo, hi, out,
// unit] with the evidence's numbers exact, in version 3 then the activity
// seen and its rate (float32) when the evidence has one, and, with an attribution,
// [target, bound, block, now, [names…], [vars…], [steps…]] (bound exact,
// the rest at float32).
func appendAlert(b []byte, a *detector.Alert, ver int) []byte {
	flags := incOpen
	if a.Opened {
		flags |= incOpened
	}
	if a.Extended {
		flags |= incExtended
	}
	if a.Refined {
		flags |= incRefined
	}
	ev := &a.Evidence
	b = append(b, '[')
	for k, x := range [...]int64{int64(flags), a.Since, int64(a.Kind), int64(ev.Check), int64(ev.Vital), int64(ev.Missing), int64(ev.Channel), int64(ev.Ticks)} {
		if k > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, x, 10)
	}
	for _, x := range [...]float64{ev.Value, ev.Expected, ev.Lo, ev.Hi, ev.Out, ev.Unit} {
		b = append(b, ',')
		b = appendF64(b, x)
	}
	if ver >= 3 && ev.Seen != detector.ActivityNone {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(ev.Seen), 10)
		b = append(b, ',')
		b = appendF32(b, float64(ev.SeenRate))
	}
	if at := a.Attribution; at != nil {
		b = append(b, ",["...)
		b = appendString(b, at.Target)
		b = append(b, ',')
		b = appendF64(b, at.Bound)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(at.Block), 10)
		b = append(b, ',')
		b = appendF32(b, at.Now)
		b = append(b, ",["...)
		for j, n := range at.VarNames {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, n)
		}
		for _, xs := range [2][]float64{at.Vars, at.Steps} {
			b = append(b, "],["...)
			for j, x := range xs {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendF32(b, x)
			}
		}
		b = append(b, "]]"...)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func allNaN(q *detector.Quantiles) bool {
	for _, x := range q {
		if !math.IsNaN(x) {
			return false
		}
	}
	return true
}

// round32 rounds x to float32 precision as the encoding stores it.
func round32(x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	return float64(float32(x))
}

// Rounded returns v as a recording stores it: forecast quantiles, band-widths
// out, score, variable weights and attention at float32 precision, and the
// variable weights and attention dropped unless the verdict opened an alert
// (or allExplanations, as with WithAllExplanations). Replaying a recorded
// verdict gives exactly Rounded(v).
func Rounded(v detector.Verdict, allExplanations bool) detector.Verdict {
	v.Score = round32(v.Score)
	for x := range v.Vitals {
		vv := &v.Vitals[x]
		vv.Out = round32(vv.Out)
		vv.Drift = round32(vv.Drift)
		if math.IsNaN(vv.Observed) {
			vv.Observed = math.NaN()
		}
		for q := range vv.Forecast {
			vv.Forecast[q] = round32(vv.Forecast[q])
		}
	}
	if !v.Alert.Open {
		v.Alert = detector.Alert{}
	} else if at := v.Alert.Attribution; at != nil {
		r := *at
		r.Now = round32(at.Now)
		r.Vars, r.Steps = make([]float64, len(at.Vars)), make([]float64, len(at.Steps))
		for j := range at.Vars {
			r.Vars[j] = round32(at.Vars[j])
		}
		for j := range at.Steps {
			r.Steps[j] = round32(at.Steps[j])
		}
		if len(r.VarNames) == 0 {
			r.VarNames = nil
		}
		v.Alert.Attribution = &r
	}
	e := &v.Explanation
	if !keepExplanation(&v, allExplanations) {
		*e = detector.Explanation{Vital: e.Vital}
		return v
	}
	if len(e.VarNames) == 0 {
		e.VarNames = nil
	}
	for j := range e.VarWeights {
		if j < e.NumVars {
			e.VarWeights[j] = round32(e.VarWeights[j])
		} else {
			e.VarWeights[j] = 0
		}
	}
	for j := range e.Attention {
		if j < e.AttentionLen {
			e.Attention[j] = round32(e.Attention[j])
		} else {
			e.Attention[j] = 0
		}
	}
	return v
}

// names interns variable-name lists, so every decoded verdict of a replay
// shares one slice per list (as a scorer's verdicts do).
type names map[string][]string

func (n names) intern(list []string) []string {
	k := strings.Join(list, "\x00")
	if s, ok := n[k]; ok {
		return s
	}
	n[k] = list
	return list
}

// decodeVerdicts decodes a verdicts payload for frame f, appending to dst.
func decodeVerdicts(p []byte, f *engine.Frame, nm names, dst []detector.Verdict) ([]detector.Verdict, error) {
	s := scanner{b: p}
	if err := s.expect('['); err != nil {
		return dst, err
	}
	ver, err := s.int(math.MinInt64, math.MaxInt64)
	if err != nil {
		return dst, err
	}
	if !readable(ver) {
		return dst, fmt.Errorf("%w: verdicts record version %d (this build reads versions 1 to %d)", ErrVersion, ver, Version)
	}
	s.ver = ver
	n0 := len(dst)
	for s.more() {
		i := len(dst) - n0
		if i >= len(f.Obs) {
			return dst[:n0], s.errorf("more verdicts than the frame's %d observations", len(f.Obs))
		}
		dst = append(dst, detector.Verdict{Soldier: f.Obs[i].Soldier, T: f.T})
		if err := s.verdict(&dst[len(dst)-1], &f.Obs[i], nm); err != nil {
			return dst[:n0], err
		}
	}
	if err := s.end(); err != nil {
		return dst[:n0], err
	}
	if got := len(dst) - n0; got != len(f.Obs) {
		return dst[:n0], fmt.Errorf("%w: %d verdicts for the frame's %d observations", ErrCorrupt, got, len(f.Obs))
	}
	return dst, nil
}

// scanner reads the fixed shapes of a verdicts payload. The payload is
// JSON (the engine checks every line), but the scanner trusts nothing:
// every token is checked and every error names the byte offset.
type scanner struct {
	b   []byte
	i   int
	ver int64 // the record's encoding version (decodeVerdicts)
}

func (s *scanner) errorf(format string, a ...any) error {
	return fmt.Errorf("%w: verdicts payload byte %d: %s", ErrCorrupt, s.i, fmt.Sprintf(format, a...))
}

func (s *scanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\n' || s.b[s.i] == '\t' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		if s.i >= len(s.b) {
			return s.errorf("want %q, found the end", c)
		}
		return s.errorf("want %q, found %q", c, s.b[s.i])
	}
	s.i++
	return nil
}

// more consumes the separator before the next element of the array being
// read: a comma (true) or the closing bracket (false).
func (s *scanner) more() bool {
	if s.peek() == ',' {
		s.i++
		return true
	}
	return false
}

// close consumes the closing bracket of an array.
func (s *scanner) close() error { return s.expect(']') }

// end consumes the closing bracket of the payload and checks nothing follows.
func (s *scanner) end() error {
	if err := s.close(); err != nil {
		return err
	}
	if s.peek() != 0 {
		return s.errorf("data after the payload")
	}
	return nil
}

// token returns the bytes of the next number or literal.
func (s *scanner) token() []byte {
	s.ws()
	j := s.i
	for j < len(s.b) {
		c := s.b[j]
		if c == ',' || c == ']' || c == '[' || c == ' ' || c == '"' {
			break
		}
		j++
	}
	t := s.b[s.i:j]
	s.i = j
	return t
}

// f32 reads a number stored at float32 precision.
func (s *scanner) f32() (float64, error) { return s.num(32) }

// f64 reads a number stored exactly.
func (s *scanner) f64() (float64, error) { return s.num(64) }

// num reads a number of the given bit size (null is NaN; an out-of-range
// exponent is ±Inf).
func (s *scanner) num(bits int) (float64, error) {
	at := s.i
	t := s.token()
	if string(t) == "null" {
		return math.NaN(), nil
	}
	if len(t) == 0 || !(t[0] == '-' || t[0] >= '0' && t[0] <= '9') {
		s.i = at
		return 0, s.errorf("want a number or null")
	}
	x, err := strconv.ParseFloat(string(t), bits)
	if err != nil && !math.IsInf(x, 0) {
		s.i = at
		return 0, s.errorf("bad number %q", t)
	}
	return x, nil
}

// int reads an integer in [lo, hi).
func (s *scanner) int(lo, hi int64) (int64, error) {
	at := s.i
	t := s.token()
	x, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		s.i = at
		return 0, s.errorf("want an integer, found %q", t)
	}
	if x < lo || x >= hi {
		s.i = at
		return 0, s.errorf("%d out of range [%d, %d)", x, lo, hi)
	}
	return x, nil
}

// str reads a JSON string.
func (s *scanner) str() (string, error) {
	if s.peek() != '"' {
		return "", s.errorf("want a string")
	}
	j := s.i + 1
	for j < len(s.b) && s.b[j] != '"' {
		if s.b[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(s.b) {
		return "", s.errorf("unterminated string")
	}
	var out string
	if err := json.Unmarshal(s.b[s.i:j+1], &out); err != nil {
		return "", s.errorf("bad string: %v", err)
	}
	s.i = j + 1
	return out, nil
}

// comma consumes the comma between two fixed elements.
func (s *scanner) comma() error { return s.expect(',') }

// nums reads up to len(dst) float32 numbers of an open array and its closing
// bracket, returning how many it read.
func (s *scanner) nums(dst []float64) (int, error) {
	n := 0
	if s.peek() == ']' {
		s.i++
		return 0, nil
	}
	for {
		if n == len(dst) {
			return n, s.errorf("more than %d numbers", len(dst))
		}
		x, err := s.f32()
		if err != nil {
			return n, err
		}
		dst[n] = x
		n++
		if !s.more() {
			return n, s.close()
		}
	}
}

// verdict reads one verdict array into v (Soldier and T already set).
func (s *scanner) verdict(v *detector.Verdict, o *engine.Observation, nm names) error {
	if err := s.expect('['); err != nil {
		return err
	}
	var ints [4]int64
	limits := [4]int64{engine.NumPhases, engine.NumPhases, numStates, engine.NumKinds}
	for k := range ints {
		x, err := s.int(0, limits[k])
		if err != nil {
			return err
		}
		ints[k] = x
		if err := s.comma(); err != nil {
			return err
		}
	}
	v.Phase, v.NextPhase = engine.Phase(ints[0]), engine.Phase(ints[1])
	v.State, v.Kind = detector.State(ints[2]), engine.AnomalyKind(ints[3])
	var err error
	if v.Score, err = s.f32(); err != nil {
		return err
	}
	if err := s.comma(); err != nil {
		return err
	}
	if err := s.expect('['); err != nil {
		return err
	}
	for x := range engine.Vital(engine.NumVitals) {
		if x > 0 {
			if err := s.comma(); err != nil {
				return err
			}
		}
		if err := s.vital(&v.Vitals[x], replayValue(o, x)); err != nil {
			return err
		}
	}
	if err := s.close(); err != nil {
		return err
	}
	if err := s.comma(); err != nil {
		return err
	}
	if err := s.channels(&v.Channels); err != nil {
		return err
	}
	if err := s.comma(); err != nil {
		return err
	}
	if err := s.explanation(&v.Explanation, nm); err != nil {
		return err
	}
	if !s.more() {
		return s.close()
	}
	if s.peek() == '[' {
		if err := s.alert(&v.Alert, nm); err != nil {
			return err
		}
		if !s.more() {
			return s.close()
		}
	}
	if s.ver < 3 {
		return s.errorf("a phase seen in a version %d record", s.ver)
	}
	seen, err := s.int(int64(detector.ActivityResting), int64(detector.ActivityHard)+1)
	if err != nil {
		return err
	}
	v.PhaseSeen = detector.Activity(seen)
	return s.close()
}

// alert reads an incident array (see appendAlert).
func (s *scanner) alert(a *detector.Alert, nm names) error {
	if err := s.expect('['); err != nil {
		return err
	}
	lim := [8][2]int64{{incOpen, incAll + 1}, {math.MinInt64, math.MaxInt64}, {0, engine.NumKinds}, {0, int64(detector.NumChecks)},
		{0, engine.NumVitals}, {0, 1 << engine.NumVitals}, {0, detector.NumChannels}, {0, math.MaxInt32}}
	var ints [8]int64
	for k := range ints {
		if k > 0 {
			if err := s.comma(); err != nil {
				return err
			}
		}
		x, err := s.int(lim[k][0], lim[k][1])
		if err != nil {
			return err
		}
		ints[k] = x
	}
	if ints[0]&incOpen == 0 {
		return s.errorf("a recorded incident that is not open")
	}
	*a = detector.Alert{Open: true, Opened: ints[0]&incOpened != 0, Extended: ints[0]&incExtended != 0, Refined: ints[0]&incRefined != 0, Since: ints[1],
		Kind: engine.AnomalyKind(ints[2])}
	ev := &a.Evidence
	ev.Check, ev.Vital, ev.Missing = detector.Check(ints[3]), engine.Vital(ints[4]), engine.Mask(ints[5])
	ev.Channel, ev.Ticks = detector.Channel(ints[6]), int(ints[7])
	for _, dst := range [...]*float64{&ev.Value, &ev.Expected, &ev.Lo, &ev.Hi, &ev.Out, &ev.Unit} {
		if err := s.comma(); err != nil {
			return err
		}
		x, err := s.f64()
		if err != nil {
			return err
		}
		*dst = x
	}
	if !s.more() {
		return s.close()
	}
	if s.peek() != '[' {
		if s.ver < 3 {
			return s.errorf("an activity seen in a version %d record", s.ver)
		}
		seen, err := s.int(int64(detector.ActivityResting), int64(detector.ActivityHard)+1)
		if err != nil {
			return err
		}
		if err := s.comma(); err != nil {
			return err
		}
		rate, err := s.f32()
		if err != nil {
			return err
		}
		ev.Seen, ev.SeenRate = detector.Activity(seen), float32(rate)
		if !s.more() {
			return s.close()
		}
	}
	at := &detector.Attribution{Vital: ev.Vital}
	if err := s.expect('['); err != nil {
		return err
	}
	var err error
	if at.Target, err = s.str(); err != nil {
		return err
	}
	if err := s.comma(); err != nil {
		return err
	}
	if at.Bound, err = s.f64(); err != nil {
		return err
	}
	if err := s.comma(); err != nil {
		return err
	}
	block, err := s.int(0, detector.MaxEncoder+1)
	if err != nil {
		return err
	}
	at.Block = int(block)
	if err := s.comma(); err != nil {
		return err
	}
	if at.Now, err = s.f32(); err != nil {
		return err
	}
	if err := s.comma(); err != nil {
		return err
	}
	if at.VarNames, err = s.nameList(nm, "attribution"); err != nil {
		return err
	}
	var vars [detector.MaxVars]float64
	var steps [detector.MaxEncoder]float64
	for _, dst := range [...]*[]float64{&at.Vars, &at.Steps} {
		if err := s.comma(); err != nil {
			return err
		}
		if err := s.expect('['); err != nil {
			return err
		}
		buf := vars[:]
		if dst == &at.Steps {
			buf = steps[:]
		}
		n, err := s.nums(buf)
		if err != nil {
			return err
		}
		*dst = append([]float64{}, buf[:n]...)
	}
	if err := s.close(); err != nil {
		return err
	}
	a.Attribution = at
	return s.close()
}

// vital reads one vital's array; reading is the frame's value of it.
func (s *scanner) vital(vv *detector.VitalVerdict, reading float64) error {
	if err := s.expect('['); err != nil {
		return err
	}
	flags, err := s.int(0, flagsAll+1)
	if err != nil {
		return err
	}
	vv.Missing, vv.Imputed, vv.Stuck = flags&flagMissing != 0, flags&flagImputed != 0, flags&flagStuck != 0
	vv.Suspect, vv.Prior, vv.Personal = flags&flagSuspect != 0, flags&flagPrior != 0, flags&flagPersonal != 0
	vv.Observed = reading
	if flags&flagObserved != 0 {
		if err := s.comma(); err != nil {
			return err
		}
		if vv.Observed, err = s.f64(); err != nil {
			return err
		}
	}
	if err := s.comma(); err != nil {
		return err
	}
	if vv.Out, err = s.f32(); err != nil {
		return err
	}
	vv.Drift = math.NaN()
	if flags&flagDrift != 0 {
		if err := s.comma(); err != nil {
			return err
		}
		if vv.Drift, err = s.f32(); err != nil {
			return err
		}
	}
	if !s.more() {
		for q := range vv.Forecast {
			vv.Forecast[q] = math.NaN()
		}
		return s.close()
	}
	var q [detector.NumQuantiles]float64
	n, err := s.nums(q[:])
	if err != nil {
		return err
	}
	if n != detector.NumQuantiles {
		return s.errorf("%d forecast quantiles, want %d", n, detector.NumQuantiles)
	}
	vv.Forecast = q
	return nil
}

// channels reads the list of channels with state.
func (s *scanner) channels(dst *[detector.NumChannels]detector.ChannelAlert) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	seen := 0
	for {
		if err := s.expect('['); err != nil {
			return err
		}
		c, err := s.int(0, detector.NumChannels)
		if err != nil {
			return err
		}
		if seen&(1<<c) != 0 {
			return s.errorf("channel %d listed twice", c)
		}
		seen |= 1 << c
		var f [3]int64
		lim := [3][2]int64{{0, (chOpen | chOpened) + 1}, {0, engine.NumKinds}, {math.MinInt64, math.MaxInt64}}
		for k := range f {
			if err := s.comma(); err != nil {
				return err
			}
			if f[k], err = s.int(lim[k][0], lim[k][1]); err != nil {
				return err
			}
		}
		dst[c] = detector.ChannelAlert{Open: f[0]&chOpen != 0, Opened: f[0]&chOpened != 0, Kind: engine.AnomalyKind(f[1]), Since: f[2]}
		if err := s.close(); err != nil {
			return err
		}
		if !s.more() {
			return s.close()
		}
	}
}

// nameList reads a list of at most detector.MaxVars names, ["a", "b"],
// interned in nm (nil when empty); what names the list in errors.
func (s *scanner) nameList(nm names, what string) ([]string, error) {
	if err := s.expect('['); err != nil {
		return nil, err
	}
	if s.peek() == ']' {
		s.i++
		return nil, nil
	}
	var list []string
	for {
		n, err := s.str()
		if err != nil {
			return nil, err
		}
		if len(list) == detector.MaxVars {
			return nil, s.errorf("more than %d %s names", detector.MaxVars, what)
		}
		list = append(list, n)
		if !s.more() {
			break
		}
	}
	if err := s.close(); err != nil {
		return nil, err
	}
	return nm.intern(list), nil
}

// explanation reads [vital] or [vital, names, weights, attention].
func (s *scanner) explanation(e *detector.Explanation, nm names) error {
	if err := s.expect('['); err != nil {
		return err
	}
	x, err := s.int(0, engine.NumVitals)
	if err != nil {
		return err
	}
	e.Vital = engine.Vital(x)
	if !s.more() {
		return s.close()
	}
	if e.VarNames, err = s.nameList(nm, "variable"); err != nil {
		return err
	}
	if err := s.comma(); err != nil {
		return err
	}
	if err := s.expect('['); err != nil {
		return err
	}
	if e.NumVars, err = s.nums(e.VarWeights[:]); err != nil {
		return err
	}
	if err := s.comma(); err != nil {
		return err
	}
	if err := s.expect('['); err != nil {
		return err
	}
	if e.AttentionLen, err = s.nums(e.Attention[:]); err != nil {
		return err
	}
	return s.close()
}
