// Package featurestore keeps the features the detector scores: each
// soldier's recent rows online, the history of whole runs offline, and the
// point-in-time-correct training sets cut from that history.
//
// Data flow:
//
//	engine.Frame ──WriteFrame──▶ Online (NewMemory | NewRedis) ──Windows──▶ detector
//	      │                          ▲
//	      └──RunWriter / Record──▶ Parquet run ──Materialize──┘
//	                                  │
//	                                  └──Builder.AddRun──▶ TrainingSet ──Example──▶ training
//
// Features (features.go) are defined in one table: the four vitals with
// their units and valid ranges (Valid and ValidateObservation reject
// impossible readings at ingest), the known inputs (phase now and next,
// ambient temperature, time of day), the static covariates of
// engine.Profile, and derived features (per-second deltas, rolling mean and
// standard deviation, PSI) computed by Derive without allocating.
//
// Online stores keep the last Capacity rows per soldier and forget soldiers
// that stop reporting for longer than the TTL. NewMemory is the embedded
// default (ring buffers, no allocation per frame in steady state);
// NewRedis is shared by processes through one Redis, with one round trip
// per frame write and per batch read. A write is all or nothing: a row that
// is not after its soldier's latest refuses the whole frame with
// ErrOutOfOrder. Redis failures return ErrUnavailable (wrapping the cause)
// within the configured timeout, and the store recovers when Redis is back.
//
// Offline, a run is a directory of three Parquet files (observations,
// labels, profiles), written while the run happens (RunWriter) or from any
// engine.Source (Record), read by tick or wall-clock range (Run), replayed
// as an engine.Source (Run.Source), or loaded into an online store
// (Materialize, MaterializeAsOf). A Builder turns runs, or frames straight
// from a simulation, into a TrainingSet whose examples are views into one
// slice of rows; TrainingSet.Example is the single place windows are cut,
// so the point-in-time rule (inputs end at the example's tick, targets come
// after it) holds by construction.
//
// Units: Observation.T counts simulated seconds; readings are in the units
// of the feature table (bpm, %, °C, %). Key layout and file layout are in
// docs/featurestore.md.
package featurestore
