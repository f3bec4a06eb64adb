package series

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrTime means a timestamp is in none of the accepted forms.
var ErrTime = errors.New("unrecognised timestamp")

// zonelessLayouts are tried in order for timestamps without a zone; Go's
// parser accepts a fractional second after the seconds even when the
// layout has none.
var zonelessLayouts = []string{
	time.DateTime,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	time.DateOnly,
}

// ParseTime reads one timestamp in any of the accepted forms (see the
// package documentation). Times without a zone are UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, ErrTime
	}
	if isUnixNumber(s) {
		return parseUnix(s)
	}
	for _, l := range zonelessLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, ErrTime
}

// isUnixNumber reports whether s looks like a plain (optionally signed,
// optionally decimal) number rather than a date.
func isUnixNumber(s string) bool {
	digits, dots := 0, 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.':
			dots++
		case (r == '-' || r == '+') && i == 0:
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// parseUnix reads unix seconds (milliseconds when ≥ 1e11 in magnitude).
func parseUnix(s string) (time.Time, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, ErrTime
	}
	if math.Abs(f) >= 1e11 {
		f /= 1000
	}
	if math.Abs(f) > 1e13 { // beyond year 300000: not a timestamp
		return time.Time{}, ErrTime
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), nil
}

// parseValue reads one value cell; ok is false for empty, unparsable and
// non-finite cells.
func parseValue(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return math.NaN(), false
	}
	return f, true
}
