package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// lexer reads JSON values from a byte slice without reflection and, on the
// hot path, without allocating. It accepts exactly RFC 8259 JSON; anything
// else is a syntax error with the byte offset.
type lexer struct {
	b    []byte
	i    int
	sbuf []byte     // unescaped string contents, reused
	val  fieldValue // the value decodeObject is reading
}

// maxDepth bounds the nesting of values the lexer skips.
const maxDepth = 64

func (l *lexer) reset(b []byte) {
	l.b, l.i = b, 0
}

func (l *lexer) syntax(format string, args ...any) *apiError {
	e := newError(http.StatusBadRequest, codeInvalidJSON, "", format, args...)
	e.msg = "invalid JSON at byte " + strconv.Itoa(l.i) + ": " + e.msg
	return e
}

// ws skips white space.
func (l *lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end.
func (l *lexer) peek() byte {
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

// expect consumes c or fails.
func (l *lexer) expect(c byte, what string) *apiError {
	if l.i < len(l.b) && l.b[l.i] == c {
		l.i++
		return nil
	}
	if l.i >= len(l.b) {
		return l.syntax("unexpected end of input, expected %s", what)
	}
	return l.syntax("expected %s, found %s", what, quoteByte(l.b[l.i]))
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// end checks that only white space follows.
func (l *lexer) end() *apiError {
	l.ws()
	if l.i != len(l.b) {
		return l.syntax("unexpected data after the JSON value")
	}
	return nil
}

// literal consumes one of true, false, null.
func (l *lexer) literal() *apiError {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(l.b)-l.i >= len(lit) && string(l.b[l.i:l.i+len(lit)]) == lit {
			l.i += len(lit)
			return nil
		}
	}
	return l.syntax("invalid literal")
}

// str consumes a string and returns its contents, unescaped. The slice is
// valid until the next call of str.
func (l *lexer) str() ([]byte, *apiError) {
	if e := l.expect('"', "a string"); e != nil {
		return nil, e
	}
	start := l.i
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case c == '"':
			s := l.b[start:l.i]
			l.i++
			return s, nil
		case c == '\\':
			return l.strSlow(start)
		case c < 0x20:
			return nil, l.syntax("control character in a string")
		}
		l.i++
	}
	return nil, l.syntax("unterminated string")
}

// strSlow finishes a string with escapes, copying it into sbuf.
func (l *lexer) strSlow(start int) ([]byte, *apiError) {
	l.sbuf = append(l.sbuf[:0], l.b[start:l.i]...)
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case c == '"':
			l.i++
			return l.sbuf, nil
		case c < 0x20:
			return nil, l.syntax("control character in a string")
		case c != '\\':
			l.sbuf = append(l.sbuf, c)
			l.i++
			continue
		}
		l.i++
		if l.i >= len(l.b) {
			break
		}
		e := l.b[l.i]
		l.i++
		switch e {
		case '"', '\\', '/':
			l.sbuf = append(l.sbuf, e)
		case 'b':
			l.sbuf = append(l.sbuf, '\b')
		case 'f':
			l.sbuf = append(l.sbuf, '\f')
		case 'n':
			l.sbuf = append(l.sbuf, '\n')
		case 'r':
			l.sbuf = append(l.sbuf, '\r')
		case 't':
			l.sbuf = append(l.sbuf, '\t')
		case 'u':
			r, ok := l.hex4()
			if !ok {
				return nil, l.syntax("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(utf8.RuneError)
				if len(l.b)-l.i >= 2 && l.b[l.i] == '\\' && l.b[l.i+1] == 'u' {
					save := l.i
					l.i += 2
					lo, ok := l.hex4()
					if !ok {
						return nil, l.syntax("invalid \\u escape")
					}
					if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
						r2 = d
					} else {
						l.i = save
					}
				}
				r = r2
			}
			l.sbuf = utf8.AppendRune(l.sbuf, r)
		default:
			return nil, l.syntax("invalid escape \\%c", e)
		}
	}
	return nil, l.syntax("unterminated string")
}

func (l *lexer) hex4() (rune, bool) {
	if len(l.b)-l.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range l.b[l.i : l.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	l.i += 4
	return r, true
}

// number consumes a number and returns its text.
func (l *lexer) number() ([]byte, *apiError) {
	start := l.i
	if l.peek() == '-' {
		l.i++
	}
	switch c := l.peek(); {
	case c == '0':
		l.i++
	case '1' <= c && c <= '9':
		l.digits()
	default:
		return nil, l.syntax("expected a digit")
	}
	if l.peek() == '.' {
		l.i++
		if !l.digits() {
			return nil, l.syntax("expected a digit after the decimal point")
		}
	}
	if c := l.peek(); c == 'e' || c == 'E' {
		l.i++
		if c := l.peek(); c == '+' || c == '-' {
			l.i++
		}
		if !l.digits() {
			return nil, l.syntax("expected a digit in the exponent")
		}
	}
	return l.b[start:l.i], nil
}

func (l *lexer) digits() bool {
	start := l.i
	for l.i < len(l.b) && '0' <= l.b[l.i] && l.b[l.i] <= '9' {
		l.i++
	}
	return l.i > start
}

// skip consumes any value.
func (l *lexer) skip(depth int) *apiError {
	if depth > maxDepth {
		return l.syntax("values nested deeper than %d", maxDepth)
	}
	l.ws()
	switch c := l.peek(); {
	case c == '"':
		_, e := l.str()
		return e
	case c == '-' || ('0' <= c && c <= '9'):
		_, e := l.number()
		return e
	case c == 't' || c == 'f' || c == 'n':
		return l.literal()
	case c == '{':
		l.i++
		l.ws()
		if l.peek() == '}' {
			l.i++
			return nil
		}
		for {
			l.ws()
			if _, e := l.str(); e != nil {
				return e
			}
			l.ws()
			if e := l.expect(':', "':' after an object key"); e != nil {
				return e
			}
			if e := l.skip(depth + 1); e != nil {
				return e
			}
			l.ws()
			if l.peek() == ',' {
				l.i++
				continue
			}
			return l.expect('}', "',' or '}' in an object")
		}
	case c == '[':
		l.i++
		l.ws()
		if l.peek() == ']' {
			l.i++
			return nil
		}
		for {
			if e := l.skip(depth + 1); e != nil {
				return e
			}
			l.ws()
			if l.peek() == ',' {
				l.i++
				continue
			}
			return l.expect(']', "',' or ']' in an array")
		}
	case c == 0 && l.i >= len(l.b):
		return l.syntax("unexpected end of input, expected a value")
	}
	return l.syntax("expected a value, found %s", quoteByte(l.b[l.i]))
}

// typeName names the JSON type of the value starting with c, for messages.
func typeName(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '-' || ('0' <= c && c <= '9'):
		return "a number"
	}
	return "something else"
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat converts the text of a JSON number to the nearest float64. ok
// is false if the number is beyond ±MaxFloat64. Numbers with at most 15
// significant digits and a decimal exponent within ±22 take an exact fast
// path (one correctly rounded multiplication or division, Clinger 1990);
// the rest go through strconv.
func parseFloat(raw []byte) (f float64, ok bool) {
	i, neg := 0, false
	if len(raw) > 0 && raw[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	nd, exp := 0, 0
	for ; i < len(raw) && '0' <= raw[i] && raw[i] <= '9'; i++ {
		if nd == 0 && raw[i] == '0' {
			continue
		}
		if nd == 15 {
			return parseFloatSlow(raw)
		}
		mant = mant*10 + uint64(raw[i]-'0')
		nd++
	}
	if i < len(raw) && raw[i] == '.' {
		for i++; i < len(raw) && '0' <= raw[i] && raw[i] <= '9'; i++ {
			if nd == 0 && raw[i] == '0' {
				exp--
				continue
			}
			if nd == 15 {
				return parseFloatSlow(raw)
			}
			mant = mant*10 + uint64(raw[i]-'0')
			nd++
			exp--
		}
	}
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		sign := 1
		if raw[i] == '+' || raw[i] == '-' {
			if raw[i] == '-' {
				sign = -1
			}
			i++
		}
		e := 0
		for ; i < len(raw); i++ {
			if e < 100000 {
				e = e*10 + int(raw[i]-'0')
			}
		}
		exp += sign * e
	}
	switch {
	case mant == 0:
		f = 0
	case exp >= 0 && exp < len(pow10):
		f = float64(mant) * pow10[exp]
	case exp < 0 && -exp < len(pow10):
		f = float64(mant) / pow10[-exp]
	default:
		return parseFloatSlow(raw)
	}
	if neg {
		f = -f
	}
	return f, true
}

func parseFloatSlow(raw []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseInt converts the text of a JSON number (as number scanned it) that
// must be a whole number within [lo, hi]. Integral numbers written with a
// fraction or an exponent (7.0, 7e0, 1.5e1) are accepted. The value is
// worked out exactly in decimal, never through a float64 and never modulo
// 2^64: 18446744073709551621 is out of range, not 5, and
// 1.0000000000000000001 is a fraction, not 1. whole is false for a number
// with a fractional part; inRange is false for a whole number outside
// [lo, hi]. -0 is the whole number 0. lo must be ≥ 0: a nonzero negative
// number is always out of range.
func parseInt(raw []byte, lo, hi int64) (v int64, whole, inRange bool) {
	neg, ip, fp, exp := splitNumber(raw)
	// The mantissa is the digits of ip then fp, scaled by 10^(exp-len(fp)).
	n := len(ip) + len(fp)
	at := func(k int) byte {
		if k < len(ip) {
			return ip[k]
		}
		return fp[k-len(ip)]
	}
	first := 0
	for first < n && at(first) == '0' {
		first++
	}
	if first == n {
		return 0, true, lo <= 0 && 0 <= hi // 0, -0, 0.000, 0e99
	}
	last := n // one past the last nonzero digit
	for at(last-1) == '0' {
		last--
	}
	scale := exp - len(fp) + (n - last) // value = digits[first:last] × 10^scale
	sig := last - first
	switch {
	case scale < 0:
		return 0, false, false // a nonzero digit after the point
	case neg:
		return 0, true, false // a nonzero negative number: below lo ≥ 0
	case sig+scale > 19:
		return 0, true, false // ≥ 10^19 > MaxInt64
	}
	var u uint64 // < 10^19 < 2^64: no wrap
	for k := first; k < last; k++ {
		u = u*10 + uint64(at(k)-'0')
	}
	for range scale {
		u *= 10
	}
	if u > math.MaxInt64 {
		return 0, true, false
	}
	v = int64(u)
	return v, true, lo <= v && v <= hi
}

// splitNumber splits the text of a JSON number (as number scanned it) into
// its sign, the digits before the point (ip) and after it (fp), and the
// decimal exponent, whose magnitude stops growing past 10^6 (far beyond any
// answer it could change).
func splitNumber(raw []byte) (neg bool, ip, fp []byte, exp int) {
	i := 0
	if len(raw) > 0 && raw[0] == '-' {
		i, neg = 1, true
	}
	start := i
	for i < len(raw) && '0' <= raw[i] && raw[i] <= '9' {
		i++
	}
	ip = raw[start:i]
	if i < len(raw) && raw[i] == '.' {
		i++
		start = i
		for i < len(raw) && '0' <= raw[i] && raw[i] <= '9' {
			i++
		}
		fp = raw[start:i]
	}
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		sign := 1
		if i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			if raw[i] == '-' {
				sign = -1
			}
			i++
		}
		for ; i < len(raw); i++ {
			if exp < 1_000_000 { // far past any answer that could change
				exp = exp*10 + int(raw[i]-'0')
			}
		}
		exp *= sign
	}
	return neg, ip, fp, exp
}
