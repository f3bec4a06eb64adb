// Package evaluation measures detectors against the simulation's ground
// truth: event-level recall, precision, delay and false alerts per
// soldier-hour, per anomaly kind, per phase, for the events under way when
// a run starts, and per seed (F1).
//
// # Data flow
//
//	Options (`chakra-tui eval`) ─► RunEval: detectors, recalibrated if asked (training.Calibrate);
//	  phasez fitted on the model's training runs (FitPhaseZ, PhaseZ)
//	  ▼
//	Evaluate: held-out runs (training.Drive), every detector on the same frames
//	  │  Collector: ground-truth events, alert openings, exposure per phase
//	  ▼
//	Tally (MatchConfig: grace, probation) ─► Metrics ─► Report (WriteTable, JSON)
//
// A recording is evaluated the same way by detector/session, through a
// Collector and a Tally. MatchConfig documents the matching rules.
// Evaluate refuses seeds the model was trained, validated or calibrated
// on.
//
// Subpackage nab scores detectors on real series by the rules of the
// Numenta Anomaly Benchmark.
//
// # Units
//
// One tick is one simulated second; delays are in ticks (seconds); false
// alerts are per soldier-hour of exposure.
package evaluation
