package session

import "errors"

// Sentinel errors of the package; match them with errors.Is. Problems with
// the recording itself (not a recording, truncated, corrupt gzip or lines)
// come from engine: engine.ErrNotRecording, engine.ErrTruncatedRecording,
// engine.ErrCorruptRecording, engine.ErrRecordingVersion.
var (
	// ErrVersion reports a verdict or session record of a version this
	// build cannot read.
	ErrVersion = errors.New("unsupported session record version")
	// ErrCorrupt reports a verdict or session record that does not decode,
	// or does not match the frame it follows.
	ErrCorrupt = errors.New("corrupt session record")
	// ErrVerdicts reports verdicts handed to Recorder.Write that are not one
	// per observation of the frame, in its order, for its tick.
	ErrVerdicts = errors.New("verdicts do not match the frame")
)
