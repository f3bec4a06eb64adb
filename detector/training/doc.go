// Package training trains the detector's TFT and calibrates the scorers'
// alert thresholds, on simulated runs.
//
// # Data flow
//
//	RunConfig (seeds, soldiers, duration, artefacts)
//	  │  engine.Sim per seed ── featurestore.Builder: point-in-time-correct examples
//	  ▼
//	detector.Examples (the scorer's features) ─► tft.Train ─► validation figures
//	  │
//	  ▼
//	drift half-bands (Drive: the TFT scorer over the validation runs)
//	  ▼
//	Calibrate (Drive: each scorer over normal runs, Out per tick recorded,
//	  │        the alert state machine replayed per open level)
//	  ▼
//	detector.Model (weights + ModelMeta) ─► model/tft.bin (`make model`)
//
// Train does all of it from one seed; it is deterministic for a given Seed
// and Workers, so `make model` rewrites the same bytes. Calibrate chooses
// each vital's open level so that the scorer raises at most a target
// number of false alerts per soldier-hour on normal runs; package
// evaluation also uses it to recalibrate before an evaluation. Drive and
// RunConfig.ForEachRun run the simulations, with every scorer scoring each
// tick, for calibration, training and evaluation alike.
//
// # Units
//
// Seeds: training runs 1000·Seed+1…, validation 1000·Seed+101…,
// calibration 1000·Seed+201…. One tick is one simulated second; false
// alerts are per soldier-hour; open levels are in band-widths.
package training
