package ui

import (
	"context"

	"github.com/chakra-tui/chakra-tui/detector/live"
)

// Driver steps a battlefield the dashboard owns (a *live.Runtime): the
// model's tick loop calls Step (in a command, never inside Update) at the
// chosen speed. Step returns io.EOF when the source ends. The model never
// calls Step concurrently with itself or with a seek. A driver with a
// Tick() time.Duration method sets the simulated time per frame.
type Driver interface {
	Step(ctx context.Context) (live.Snapshot, error)
}

// Releaser is a Driver that takes back the snapshots Step returned once
// the dashboard has taken them onto its board (a *live.Runtime: the next
// tick's verdicts go into the same buffer, 62 MB at 50 000 soldiers).
type Releaser interface {
	Release(s live.Snapshot)
}

// ReplayControl lets the dashboard seek a recording and draw its progress.
// Seek is called in a command (never inside Update) and returns the
// pre-roll snapshots before the target (possibly none); the frames after it
// arrive through the driver or feed as usual. A live.Runtime over a replay
// provides all three (Bounds, Seek).
type ReplayControl struct {
	First, Last int64 // ticks of the first and last frame
	Seek        func(ctx context.Context, t int64) ([]live.Snapshot, error)
}
