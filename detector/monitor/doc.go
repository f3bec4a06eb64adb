// Package monitor joins the feature store and a scorer into the one pipeline
// every front end uses: the dashboard, each SSH session's shared battlefield,
// and the HTTP API.
//
// Data flow for one tick (Ingest):
//
//	observations → featurestore.Online.WriteFrame → Windows (batch read)
//	             → detector.Scorer.Score → verdicts → latest per soldier
//	                                                → alert openings to subscribers
//
// Calls for different soldiers may run concurrently (the HTTP API does); the
// monitor serialises the write-read-score sequence per soldier so a scorer
// always sees each soldier's windows in tick order.
package monitor
