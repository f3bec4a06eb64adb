// Package featurestore keeps the features the detector scores: feature
// definitions, the Online interface with the in-memory store, and the
// point-in-time-correct training sets. Adapters to outside dependencies live
// in subpackages named after them and are imported only by what constructs
// a store: featurestore/redis (the online store several processes share)
// and featurestore/parquet (the offline store of whole runs).
//
// Data flow:
//
//	engine.Frame ──WriteFrame──▶ Online (NewMemory | redis.New) ──Windows──▶ detector
//	      │                          ▲
//	      └──parquet.RunWriter / Record──▶ Parquet run ──parquet.Materialize──┘
//	                                  │
//	                                  └──Run.AddTo(Builder)──▶ TrainingSet ──Example──▶ training
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
// featurestore/redis's store is shared by processes through one Redis, with
// one round trip per frame write and per batch read. Both are configured
// with the Options here (NewConfig resolves them). A write is all or
// nothing: a row that is not after its soldier's latest refuses the whole
// frame with ErrOutOfOrder. Redis failures return ErrUnavailable (wrapping
// the cause) within the configured timeout, and the store recovers when
// Redis is back. featurestore/storetest holds the behaviour every Online
// implementation must have, as a suite both stores' tests run.
//
// Offline (featurestore/parquet), a run is a directory of three Parquet
// files (observations, labels, profiles), written while the run happens or
// from any engine.Source, read by tick or wall-clock range, replayed as an
// engine.Source, or loaded into an online store. A Builder turns runs, or
// frames straight from a simulation, into a TrainingSet whose examples are
// views into one slice of rows; TrainingSet.Example is the single place
// windows are cut, so the point-in-time rule (inputs end at the example's
// tick, targets come after it) holds by construction.
//
// Units: Observation.T counts simulated seconds; readings are in the units
// of the feature table (bpm, %, °C, %). Key layout and file layout are in
// docs/featurestore.md.
package featurestore
