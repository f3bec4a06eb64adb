package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/detector/live"
)

// tick arms one beat of clock loop seq after d.
func tick(id, seq int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{id: id, seq: seq} })
}

// stepCmd steps the driver off the Update path, then reads the recording's
// stat (when rec is not nil): the closure captures the driver, rec and the
// tags, never the model.
func stepCmd(ctx context.Context, d Driver, rec func() RecordingStat, id, epoch int) tea.Cmd {
	return func() tea.Msg {
		s, err := d.Step(ctx)
		msg := frameMsg{id: id, epoch: epoch, snap: s, err: err}
		if rec != nil {
			msg.rec, msg.hasRec = rec(), true
		}
		return msg
	}
}

// waitForFrame receives the next snapshot of an external feed; Update
// re-arms it after every frame. It returns nil when ctx ends (the program is
// gone).
func waitForFrame(ctx context.Context, id int, ch <-chan live.Snapshot) tea.Cmd {
	return func() tea.Msg {
		select {
		case s, ok := <-ch:
			if !ok {
				return feedClosedMsg{id: id}
			}
			return frameMsg{id: id, snap: s, feed: true}
		case <-ctx.Done():
			return nil
		}
	}
}

// seekCmd seeks a replay off the Update path.
func seekCmd(ctx context.Context, seek func(context.Context, int64) ([]live.Snapshot, error), id, epoch int, t int64) tea.Cmd {
	return func() tea.Msg {
		pre, err := seek(ctx, t)
		return seekMsg{id: id, epoch: epoch, target: t, pre: pre, err: err}
	}
}
