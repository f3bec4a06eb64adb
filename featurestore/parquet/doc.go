// Package parquet is the offline feature store: whole runs in Parquet files
// (parquet-go). A run is a directory of three files (observations, labels,
// profiles), written while the run happens (CreateRun, RunWriter) or from
// any engine.Source (Record), read by tick or wall-clock range (OpenRun,
// Run), replayed as an engine.Source (Run.Source), loaded into a
// featurestore.Online (Materialize, MaterializeAsOf) or added to a
// featurestore.Builder to cut a point-in-time-correct training set
// (Run.AddTo). The training sets themselves (featurestore.Builder,
// TrainingSet) need no Parquet and stay in featurestore.
//
// Units: ticks in simulated seconds, readings in the units of the feature
// table. File layout in docs/featurestore.md.
package parquet
