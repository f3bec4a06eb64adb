// Package storetest holds what the feature store's tests share: RunOnline,
// the behaviour every featurestore.Online implementation must have (the
// in-memory store's tests and featurestore/redis's run it); Gen, a
// deterministic generator of observations and frames; CheckRows and
// SameObs, which compare rows bit for bit (NaN payloads included); Clock, a
// settable clock for TTLs; and CheckPointInTime for training sets.
//
// Only tests import it.
package storetest
