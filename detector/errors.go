package detector

import "errors"

// Sentinel errors of the detector package; match them with errors.Is.
var (
	// ErrConfig reports an invalid scorer, alert or evaluation setting.
	ErrConfig = errors.New("invalid detector configuration")
	// ErrModel reports a model file that is corrupt, truncated, or does not
	// match this build (format version, configuration or feature layout).
	ErrModel = errors.New("unusable model file")
	// ErrWindow reports a window the scorer cannot score (no rows, or a
	// soldier id that does not match its profile).
	ErrWindow = errors.New("unusable window")
)
