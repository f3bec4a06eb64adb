package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
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

// runes is one key message holding every rune of s, as a fast typist or
// tmux send-keys -l delivers them.
func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// TestFindKeys checks the / prompt: a soldier id selects that soldier
// (whatever hides it), s07 shows squad 7 alone, esc shows everyone again,
// and keys typed at the prompt are text, not commands.
func TestFindKeys(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, 3)
	m.Update(runes("/62"))
	if !m.finding {
		t.Fatal("/ does not open the prompt")
	}
	if v := ansi.Strip(m.View()); !strings.Contains(lastLine(v), "/62") {
		t.Errorf("the footer does not show the prompt: %q", lastLine(v))
	}
	m.Update(press("enter"))
	if got := selectedID(m); got != 62 || m.finding {
		t.Errorf("/62 enter: selected soldier %d (prompt open %v), want 62", got, m.finding)
	}

	m.Update(press("f")) // alerting only: soldier 62 is not alerting
	m.Update(runes("/5"))
	m.Update(press("enter"))
	if got := selectedID(m); got != 5 || m.grid.filter {
		t.Errorf("/5 with the alert filter on: selected %d filter %v, want 5 shown", got, m.grid.filter)
	}

	m.Update(runes("/s07"))
	m.Update(press("enter"))
	if m.grid.squad != 6 {
		t.Fatalf("/s07: squad filter %d, want 6", m.grid.squad)
	}
	for i, p := range m.grid.lay.pos {
		if sq := m.b.soldiers[i].prof.Squad; (p >= 0) != (sq == 6) {
			t.Errorf("/s07: soldier %d of squad %d shown=%v", m.b.soldiers[i].prof.ID, sq+1, p >= 0)
		}
	}
	if sq := m.b.soldiers[m.grid.sel].prof.Squad; sq != 6 {
		t.Errorf("/s07: the selection is in squad %d", sq+1)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(strings.Split(v, "\n")[1], "squad S07") {
		t.Error("the header does not say squad S07 is shown alone")
	}
	m.Update(press("esc"))
	if m.grid.squad != -1 {
		t.Errorf("esc: squad filter %d, want none", m.grid.squad)
	}

	// at the prompt q, j and + are text; backspace edits; esc cancels
	m.Update(press("/"))
	if _, cmd := m.Update(runes("qj+")); cmd != nil || !m.finding || string(m.find) != "qj+" {
		t.Errorf("typing at the prompt: text %q, prompt open %v, cmd %v", string(m.find), m.finding, cmd != nil)
	}
	m.Update(press("backspace"))
	if string(m.find) != "qj" {
		t.Errorf("backspace: text %q, want qj", string(m.find))
	}
	sel := selectedID(m)
	m.Update(press("esc"))
	if m.finding || selectedID(m) != sel {
		t.Error("esc does not cancel the prompt")
	}

	m.Update(runes("/999"))
	m.Update(press("enter"))
	if !m.failed || !strings.Contains(m.status, "999") {
		t.Errorf("/999: status %q, want an error naming it", m.status)
	}
}

// TestFirstLastKeys checks g, G, home and end.
func TestFirstLastKeys(t *testing.T) {
	m, d := testModel(t, 80, 12) // paged
	steps(t, m, d, 3)
	for _, tc := range []struct {
		k    string
		want int
	}{{"G", 100}, {"g", 1}, {"end", 100}, {"home", 1}} {
		m.Update(press(tc.k))
		if got := selectedID(m); int(got) != tc.want {
			t.Errorf("%s: selected soldier %d, want %d", tc.k, got, tc.want)
		}
		if want := m.grid.pageOf(m.grid.lay.pos[m.grid.sel] / m.grid.lay.cols); m.grid.page != want {
			t.Errorf("%s: on page %d, the selection on %d", tc.k, m.grid.page, want)
		}
	}
}

// TestSortStable checks that sorting by severity keeps the selection on the
// same soldier and orders the cards of one state by id, tick after tick.
func TestSortStable(t *testing.T) {
	m, d := testModel(t, 200, 60)
	steps(t, m, d, 3)
	m.Update(runes("/62"))
	m.Update(press("enter"))
	m.Update(press("s"))
	if got := selectedID(m); got != 62 {
		t.Errorf("after s: selected soldier %d, want 62 still", got)
	}
	for range 40 {
		steps(t, m, d, 1)
		order := m.grid.lay.rows
		var prev *soldier
		for _, r := range order {
			for _, i := range r.cards {
				s := &m.b.soldiers[i]
				if prev != nil && severity(prev.state()) == severity(s.state()) && prev.prof.ID > s.prof.ID {
					t.Fatalf("tick %d: soldier %d before %d in the same state", m.b.t, prev.prof.ID, s.prof.ID)
				}
				prev = s
			}
		}
		if got := selectedID(m); got != 62 {
			t.Fatalf("tick %d: selected soldier %d, want 62 still", m.b.t, got)
		}
	}
}

// lastLine is the last line of a view.
func lastLine(v string) string { return v[strings.LastIndexByte(v, '\n')+1:] }
