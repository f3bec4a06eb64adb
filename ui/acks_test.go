package ui

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/chakra-tui/chakra-tui/engine"
)

// fakeLink is an AckLink that records what the dashboard sends and lets the
// test send outside acknowledgements.
type fakeLink struct {
	mu   sync.Mutex
	sent []string
	ch   chan []Ack
}

func (l *fakeLink) Acknowledge(s engine.SoldierID, k engine.AnomalyKind, by, comment string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, by+" "+strconv.Itoa(int(s))+" "+k.String()+" "+comment)
}

func (l *fakeLink) SubscribeAcks() (<-chan []Ack, func()) { return l.ch, func() {} }

func TestAckSendsOutOncePerKind(t *testing.T) {
	link := &fakeLink{ch: make(chan []Ack, 1)}
	m, d := testModel(t, 120, 40, WithAckLink(link), WithOperator("alice"))
	steps(t, m, d, goldenTicks)
	i := firstAlerted(m)
	if i < 0 {
		t.Fatal("no alert")
	}
	m.grid.selectIndex(i)
	id := m.b.soldiers[i].prof.ID
	kinds := map[engine.AnomalyKind]bool{}
	for _, e := range m.b.log.entries {
		if e.soldier == id && !e.acked {
			kinds[e.kind] = true
		}
	}
	_, cmd := m.Update(press("a"))
	if cmd == nil {
		t.Fatal("acknowledging sent nothing out")
	}
	cmd()
	link.mu.Lock()
	defer link.mu.Unlock()
	if len(link.sent) != len(kinds) {
		t.Fatalf("sent %q; want one per kind of %v", link.sent, kinds)
	}
	for _, s := range link.sent {
		if !strings.HasPrefix(s, "alice "+strconv.Itoa(int(id))+" ") || !strings.Contains(s, "acknowledged in the chakra-tui dashboard") {
			t.Errorf("sent %q", s)
		}
	}
}

func TestOutsideAckShowsAsAcknowledged(t *testing.T) {
	link := &fakeLink{ch: make(chan []Ack, 1)}
	m, d := testModel(t, 200, 60, WithAckLink(link))
	cmd := m.Init()
	if cmd == nil {
		t.Fatal("no Init command")
	}
	steps(t, m, d, goldenTicks)
	i := firstAlerted(m)
	if i < 0 {
		t.Fatal("no alert")
	}
	var target alertEntry
	for _, e := range m.b.log.entries {
		if e.soldier == m.b.soldiers[i].prof.ID {
			target = e
		}
	}
	before := m.b.log.unacked()
	own := 0
	for _, e := range m.b.log.entries {
		if e.soldier == target.soldier && e.kind == target.kind && !e.acked {
			own++
		}
	}
	m.Update(acksMsg{id: m.id, acks: []Ack{{Soldier: target.soldier, Kind: target.kind, By: "carol"}}, ok: true})
	if got := m.b.log.unacked(); got != before-own || own == 0 {
		t.Fatalf("unacked %d → %d, want %d fewer", before, got, own)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "acknowledged outside by carol") {
		t.Errorf("no status line naming carol:\n%s", v)
	}
	// An alert of that soldier and kind that opens later is acknowledged
	// too, while the outside acknowledgement stands.
	n := len(m.b.log.entries)
	e := target
	e.t, e.acked = target.t+1, false
	m.b.log.add(e)
	m.applyExternal(n)
	if !m.b.log.entries[len(m.b.log.entries)-1].acked {
		t.Error("a later alert of the acknowledged soldier and kind is not acknowledged")
	}
}
