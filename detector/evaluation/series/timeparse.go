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

// ErrAmbiguousDate means the timestamps are dates like 01/02/2024, whose
// day/month order cannot be told from the cell; Read refuses them rather
// than guess.
var ErrAmbiguousDate = errors.New("ambiguous date order")

// acceptedTimes lists the accepted timestamp forms, for error messages.
const acceptedTimes = "accepted: ISO 8601 / RFC 3339 (2024-02-01 10:00:00, 2024-02-01T10:00:00Z, 2024-02-01) or unix seconds or milliseconds"

// timeKind says how a timestamp cell was read.
type timeKind int

const (
	timeDate     timeKind = iota // a calendar date and time
	timeUnixSec                  // a number read as unix seconds
	timeUnixMSec                 // a number read as unix milliseconds
)

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
	t, _, err := parseTime(s)
	return t, err
}

// parseTime is ParseTime that also says how the cell was read.
func parseTime(s string) (time.Time, timeKind, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, timeDate, ErrTime
	}
	if isUnixNumber(s) {
		return parseUnix(s)
	}
	for _, l := range zonelessLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, timeDate, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, timeDate, nil
	}
	return time.Time{}, timeDate, ErrTime
}

// isNumericDate reports whether s starts like a date written with its day
// and month as numbers around slashes or dots (01/02/2024, 1.2.24,
// 2024/02/01): forms ParseTime does not accept and whose field order it
// will not guess.
func isNumericDate(s string) bool {
	s = strings.TrimSpace(s)
	var fields [3]int // digits in each of the first three fields
	f := 0
	var sep rune
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			fields[f]++
			if fields[f] > 4 {
				return false
			}
		case (r == '/' || r == '.') && f < 2 && fields[f] > 0 && (sep == 0 || r == sep):
			sep = r
			f++
		default:
			return f == 2 && fields[2] > 0 && (r == ' ' || r == 'T' || r == ',')
		}
	}
	return f == 2 && fields[2] > 0
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
func parseUnix(s string) (time.Time, timeKind, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, timeUnixSec, ErrTime
	}
	kind := timeUnixSec
	if math.Abs(f) >= 1e11 {
		f /= 1000
		kind = timeUnixMSec
	}
	if math.Abs(f) > 1e13 { // beyond year 300000: not a timestamp
		return time.Time{}, kind, ErrTime
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), kind, nil
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
