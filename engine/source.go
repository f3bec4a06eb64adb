package engine

import "context"

// Source produces frames in tick order: the simulation, a replay file, or
// frames ingested from outside.
type Source interface {
	// Profiles returns the static covariates of every soldier the source
	// reports on, sorted by ID.
	Profiles() []Profile
	// Next returns the next frame. It returns io.EOF after the last one and
	// ctx.Err() if ctx ends first. The frame's slices belong to the caller.
	Next(ctx context.Context) (Frame, error)
}
