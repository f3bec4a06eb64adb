// Package session records and replays whole monitoring sessions: the frames
// (with their ground-truth labels) and the detector's verdicts on them, so a
// replay shows exactly what was seen live without scoring anything again —
// or, on request, re-scores the frames with another detector.
//
// # Data flow
//
//	live:   frame → detector (monitor.Ingest) → verdicts ─┬─▶ screen
//	                                                      └─▶ Recorder.Write(frame, verdicts)
//	                                                              │ engine.Recorder: frame line + aux lines
//	replay: file ─▶ Replay.Next → frame ─┬─ recorded verdicts (aux "verdicts", decoded)
//	                                     └─ or WithRescore: a fresh store + scorer scores it again
//
// # File format
//
// A session file is an engine recording (gzip JSON lines: header, frames,
// trailer; see engine.Recorder) with two kinds of auxiliary records:
//
//	{"k":"aux","t":T,"kind":"session","payload":{"v":1,"detector":"tft","note":"…","source":"…"}}
//
// once, after the first frame, naming what produced the verdicts, and one
//
//	{"k":"aux","t":T,"kind":"verdicts","payload":[2,V1,V2,…]}
//
// after every scored frame: the encoding version (2; version 1, written
// before alerts carried their incident, still reads), then one array per
// observation of the frame, in the frame's order (the verdict of
// Frame.Obs[i] is Vi; its soldier and tick are the observation's):
//
//	V = [phase, next_phase, state, kind, score, [H, S, C, O], [channel…], explanation, incident?]
//
// with the enums as their numbers (engine.Phase, detector.State,
// engine.AnomalyKind) and one array per vital (heart rate, stamina, core
// temperature, SpO2):
//
//	[flags, observed?, out, drift?, q02, q10, q50, q90, q98]
//
// flags: 1 missing, 2 imputed, 4 stuck, 8 the verdict's reading differs
// from the frame's and follows as observed (else it is the frame's), 16 a
// drift follows (else it is NaN). The five quantiles are left out when the
// scorer made no forecast (all NaN); a NaN is null and an infinity ±1e999. Channels list only those with state:
// [channel, open (1) | opened (2), kind, since]. The explanation is [vital],
// or, for a verdict that opened an alert (the only explanations the
// dashboard shows; WithAllExplanations keeps every one),
// [vital, [var names…], [var weights…], [attention…]]. The incident
// (detector.Alert) follows only while one is open, on every verdict of it,
// so a replay that seeks shows the same explanation:
// [open (1) | opened (2) | extended (4) | refined (8), since, kind, check, vital,
// missing mask, channel, ticks, value, expected, lo, hi, out, unit], the
// evidence's numbers exact, and with an attribution a last element
// [target, bound, block, now, [var names…], [per variable…], [per block…]].
//
// Precision: readings, flags, enums and ticks round-trip exactly; forecast
// quantiles, band-widths out, drifts, scores, variable weights and attention are
// stored at float32 precision (seven significant digits: what the
// dashboard's charts keep anyway), which halves the file. Rounded returns a
// verdict as a recording stores it, so replay(record(v)) == Rounded(v).
//
// Durability: Create makes a new file, mode 0600 (WithOverwrite replaces
// an existing one), and writes a frame with its records as one unit that
// the flush (after every engine.DefaultFlushEvery of frame time) never
// splits. A file whose writer was killed replays every tick of its complete
// gzip members, verdicts included, and Replay.Truncated says what was lost.
//
// Errors: a file that is not a recording, cut inside its first gzip member
// or corrupt is reported by engine (ErrNotRecording, ErrTruncatedRecording,
// ErrCorruptRecording);
// a verdict record this build cannot read is ErrVersion, and one that does
// not decode or does not match its frame is ErrCorrupt. Every error names
// the file and the tick.
package session
