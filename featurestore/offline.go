package featurestore

import "github.com/chakra-tui/chakra-tui/engine"

// OfflineSink receives what a session ingests, for the offline store
// (featurestore/parquet.Sink): the observations the online store accepted,
// the profiles put into it and the ground-truth labels a simulation knows.
// It is the one door every mode that sees frames writes a run through: the
// monitor calls Observe after each accepted write (dashboard, SSH, headless
// with --simulate, /predict, any other feed), the live runtime calls Labels
// with each frame's truth.
//
// Methods must be safe for concurrent use, must copy what they keep and
// must not block on I/O: a sink buffers and writes in the background, and
// reports its own failures (the session goes on without it).
type OfflineSink interface {
	// Observe takes rows the online store accepted; one soldier's rows
	// come in the order they were accepted.
	Observe(obs []engine.Observation)
	// Profile takes a soldier's static covariates.
	Profile(p engine.Profile)
	// Labels takes ground-truth labels (repeats are ignored).
	Labels(ls []engine.Label)
}
