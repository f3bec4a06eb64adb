package sshserve

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// stillModel is a dashboard stand-in that does nothing.
type stillModel struct{}

func (stillModel) Init() tea.Cmd                       { return nil }
func (stillModel) Update(tea.Msg) (tea.Model, tea.Cmd) { return stillModel{}, nil }
func (stillModel) View() string                        { return "" }

// TestSessionModelLimits drives the idle and duration limits on an
// injected clock: input keeps the idle limit away, the duration limit ends
// the session however busy, and silence ends it after the idle limit.
func TestSessionModelLimits(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	busy := &sessionModel{inner: stillModel{}, v: newViewer(), idle: time.Second, limit: 2 * time.Second, now: clock}
	defer busy.v.release()
	busy.Init()
	for range 3 { // a key every 0.9 s, an idle check after each
		now = now.Add(900 * time.Millisecond)
		busy.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
		if _, cmd := busy.Update(idleCheckMsg{}); cmd == nil || busy.v.why() != "" {
			t.Fatalf("a busy session ended at %v: %q", now.Sub(time.Unix(0, 0)), busy.v.why())
		}
	}
	_, cmd := busy.Update(deadlineMsg{})
	if cmd == nil || cmd() != tea.Quit() || busy.v.why() != "closed: sessions last at most 2s" {
		t.Fatalf("the duration limit: reason %q", busy.v.why())
	}

	idle := &sessionModel{inner: stillModel{}, v: newViewer(), idle: time.Second, limit: time.Hour, now: clock}
	defer idle.v.release()
	idle.Init()
	now = now.Add(time.Second)
	_, cmd = idle.Update(idleCheckMsg{})
	if cmd == nil || cmd() != tea.Quit() || idle.v.why() != "closed after 1s without input (idle timeout)" {
		t.Fatalf("the idle limit: reason %q", idle.v.why())
	}
}
