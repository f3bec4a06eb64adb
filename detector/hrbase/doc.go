// Package hrbase is a person's own heart-rate baseline, learnt online:
// the median of a short window of readings (the current level) against the
// median and spread of a long window before it (the baseline). It is the
// one implementation shared by the `score` detectors for heart-rate series
// (detector/evaluation/series: hr, hrcusum, robustz) and by the soldier
// monitor's personal heart-rate check when a soldier's phase is not
// reported (detector, CheckPersonal).
//
// Windows count readings, not seconds: a caller at another rate than 1 Hz
// sizes them from its own step. Values are in the caller's unit (bpm for
// heart rate). It imports only the standard library, so any layer may use
// it.
package hrbase
