package ui

import "github.com/chakra-tui/chakra-tui/detector/live"

// Messages are unexported: only this package's commands produce them.

// tickMsg is one beat of a model's clock loop. id names the model and seq
// the loop: a message from an older loop (the speed changed, the clock was
// paused) is ignored, so duplicate loops die out.
type tickMsg struct{ id, seq int }

// frameMsg carries one snapshot (or the error of producing it) to Update.
// epoch is the model's seek epoch when the step was asked for: a snapshot
// from before a seek is dropped.
type frameMsg struct {
	id, epoch int
	snap      live.Snapshot
	err       error
	feed      bool // from the external feed, not the model's own driver
	rec       RecordingStat
	hasRec    bool // rec was read after the step
}

// feedClosedMsg says the external feed ended.
type feedClosedMsg struct{ id int }

// seekMsg carries the result of a seek: the pre-roll snapshots before the
// target.
type seekMsg struct {
	id, epoch int
	target    int64
	pre       []live.Snapshot
	err       error
}
