package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/featurestore"
)

// Sentinel errors of the HTTP layer. Every error a client sees matches one of
// them (or a featurestore sentinel) with errors.Is.
var (
	// ErrBadRequest: the body is not the JSON the endpoint takes (malformed,
	// wrong type, unknown, duplicate or missing field). Status 400.
	ErrBadRequest = errors.New("bad request")
	// ErrInvalid: well-formed input that breaks a rule (a value outside its
	// valid range, an unknown phase, a timestamp too far in the future).
	// Status 422.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: the input contradicts the server's state (an observation
	// not after the soldier's latest, a soldier driven by --simulate).
	// Status 409.
	ErrConflict = errors.New("conflict")
	// ErrTooLarge: the body or the batch exceeds its limit. Status 413.
	ErrTooLarge = errors.New("request too large")
	// ErrUnauthorized: a token is required and the request lacks it or has
	// another one. Status 401.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrRequestTimeout: the body did not arrive within the read timeout.
	// Status 408.
	ErrRequestTimeout = errors.New("request timeout")
)

// Error codes: the machine-readable "code" of a JSON error body.
const (
	codeInvalidJSON     = "invalid_json"
	codeWrongType       = "wrong_type"
	codeUnknownField    = "unknown_field"
	codeDuplicateField  = "duplicate_field"
	codeMissingField    = "missing_field"
	codeOutOfRange      = "out_of_range"
	codeInvalidValue    = "invalid_value"
	codeFuture          = "too_far_in_future"
	codeOutOfOrder      = "out_of_order"
	codeConflict        = "timestamp_conflict"
	codeSimulated       = "simulated_soldier"
	codeBodyTooLarge    = "body_too_large"
	codeTooManyItems    = "too_many_items"
	codeEmptyBatch      = "empty_batch"
	codeMediaType       = "unsupported_media_type"
	codeMethod          = "method_not_allowed"
	codeNotFound        = "not_found"
	codeUnauthorized    = "unauthorized"
	codeUnavailable     = "store_unavailable"
	codeTimeout         = "timeout"
	codeRequestTimeout  = "request_timeout"
	codeOverCapacity    = "over_capacity"
	codeInternal        = "internal"
	codeBatchRefused    = "batch_refused"
	codeShuttingDown    = "shutting_down"
	codeStreamDown      = "stream_unavailable"
	internalErrorString = "internal error"
)

// apiError is an error a client is meant to see: an HTTP status, a code, the
// field it concerns (if any) and a message that names the rule.
type apiError struct {
	status int
	code   string
	field  string
	msg    string
	latest int64 // out_of_order: the soldier's latest timestamp
	hasLat bool
	kind   error // the sentinel it matches
}

func (e *apiError) Error() string {
	if e.field != "" {
		return fmt.Sprintf("%s: %s", e.field, e.msg)
	}
	return e.msg
}

func (e *apiError) Unwrap() error { return e.kind }

// newError returns an apiError whose sentinel follows from status.
func newError(status int, code, field, format string, args ...any) *apiError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	e := &apiError{status: status, code: code, field: field, msg: msg}
	switch status {
	case http.StatusBadRequest:
		e.kind = ErrBadRequest
	case http.StatusUnprocessableEntity:
		e.kind = ErrInvalid
	case http.StatusConflict:
		e.kind = ErrConflict
	case http.StatusRequestEntityTooLarge:
		e.kind = ErrTooLarge
	case http.StatusUnauthorized:
		e.kind = ErrUnauthorized
	case http.StatusRequestTimeout:
		e.kind = ErrRequestTimeout
	}
	return e
}

// toAPIError maps an error from the pipeline to what a client sees. Known
// sentinels get their status; anything else is a 500 "internal error" and
// internal reports true so the caller logs the cause.
func toAPIError(err error) (e *apiError, internal bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, false
	}
	var ooo *featurestore.OutOfOrderError
	var rng *featurestore.RangeError
	switch {
	case errors.As(err, &ooo) && ooo.Conflict:
		e := newError(http.StatusConflict, codeConflict, "timestamp",
			"soldier %d already has another reading at timestamp %d (a repeat must carry the same readings)", ooo.Soldier, ooo.T)
		e.latest, e.hasLat = ooo.Latest, true
		return e, false
	case errors.As(err, &ooo):
		e := newError(http.StatusConflict, codeOutOfOrder, "timestamp",
			"timestamp %d is not after soldier %d's latest observation at %d (observations must arrive in time order, one per second at most, or at most the reorder window late)",
			ooo.T, ooo.Soldier, ooo.Latest)
		e.latest, e.hasLat = ooo.Latest, true
		return e, false
	case errors.Is(err, featurestore.ErrOutOfOrder):
		return newError(http.StatusConflict, codeOutOfOrder, "timestamp", "timestamp is not after the soldier's latest observation"), false
	case errors.As(err, &rng):
		return newError(http.StatusUnprocessableEntity, codeOutOfRange, rng.Feature,
			"must be between %g and %g %s (got %g)", rng.Min, rng.Max, rng.Unit, rng.Value), false
	case errors.Is(err, featurestore.ErrOutOfRange), errors.Is(err, featurestore.ErrInvalid):
		return newError(http.StatusUnprocessableEntity, codeInvalidValue, "", "%v", err), false
	case errors.Is(err, featurestore.ErrUnavailable):
		return &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable,
			msg: "the feature store is unavailable; nothing was written, retry later"}, true
	case errors.Is(err, featurestore.ErrClosed):
		return &apiError{status: http.StatusServiceUnavailable, code: codeShuttingDown,
			msg: "the server is shutting down; nothing was written"}, false
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{status: http.StatusServiceUnavailable, code: codeTimeout,
			msg: "the request timed out; retry later"}, true
	case errors.Is(err, featurestore.ErrCorrupt), errors.Is(err, detector.ErrWindow),
		errors.Is(err, detector.ErrModel), errors.Is(err, detector.ErrConfig):
		return &apiError{status: http.StatusInternalServerError, code: codeInternal, msg: internalErrorString}, true
	}
	return &apiError{status: http.StatusInternalServerError, code: codeInternal, msg: internalErrorString}, true
}
