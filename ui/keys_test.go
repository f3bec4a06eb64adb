package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestBatchedRunes checks that runes arriving in one read (a fast typist,
// tmux send-keys -l, SSH batching, a paste) act as one keystroke each.
func TestBatchedRunes(t *testing.T) {
	m, d := testModel(t, 200, 60)
	steps(t, m, d, 3)
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	if got := selectedID(m); got != 21 {
		t.Errorf("jj in one message: selected soldier %d, want 21", got)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("ll"), Paste: true})
	if got := selectedID(m); got != 23 {
		t.Errorf("ll pasted: selected soldier %d, want 23", got)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("++")})
	if got := m.speeds[m.speedIdx]; got != 5 {
		t.Errorf("++ in one message: speed ×%v, want ×5", got)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("--")})
	if got := m.speeds[m.speedIdx]; got != 1 {
		t.Errorf("-- in one message: speed ×%v, want ×1", got)
	}
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jq")}); cmd == nil || cmd() != tea.Quit() {
		t.Error("jq in one message does not quit")
	} else if got := selectedID(m); got != 33 {
		t.Errorf("jq: selected soldier %d, want 33", got)
	}
}
