package ui

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/engine"
)

// AckLink joins the dashboard's acknowledgements to an outside system, an
// Alertmanager's silences (package ui/alertsink): an acknowledgement typed
// here is sent out, and one made there shows here.
type AckLink interface {
	// Acknowledge sends out that by acknowledged the soldier's alerts of
	// kind, with a comment. It must not block (it queues).
	Acknowledge(soldier engine.SoldierID, kind engine.AnomalyKind, by, comment string)
	// SubscribeAcks returns the acknowledgements made outside: the whole
	// current set, each time it changes; stop ends the subscription (and
	// closes the channel).
	SubscribeAcks() (acks <-chan []Ack, stop func())
}

// Ack is an acknowledgement made outside the dashboard: the soldier's
// alerts of Kind are acknowledged by By.
type Ack struct {
	Soldier engine.SoldierID
	Kind    engine.AnomalyKind
	By      string
}

// WithAckLink sends the dashboard's acknowledgements out through link and
// shows those made outside as acknowledged.
func WithAckLink(link AckLink) Option { return func(c *config) { c.ackLink = link } }

// WithOperator names who acknowledges in this dashboard (the SSH user, or
// --operator): the name an outside acknowledgement carries.
func WithOperator(name string) Option { return func(c *config) { c.operator = name } }

// acksMsg carries the set of outside acknowledgements to Update.
type acksMsg struct {
	id   int
	acks []Ack
	ok   bool // false: the subscription ended
}

// waitForAcks receives the next set of outside acknowledgements; Update
// re-arms it. When ctx ends it stops the subscription.
func waitForAcks(ctx context.Context, id int, ch <-chan []Ack, stop func()) tea.Cmd {
	return func() tea.Msg {
		select {
		case a, ok := <-ch:
			return acksMsg{id: id, acks: a, ok: ok}
		case <-ctx.Done():
			stop()
			return nil
		}
	}
}

// ackKey names the alerts of one kind of one soldier.
type ackKey struct {
	soldier engine.SoldierID
	kind    engine.AnomalyKind
}

// onAcks takes a new set of outside acknowledgements: the alerts they
// name are acknowledged in the log, and a status line says by whom.
func (m *Model) onAcks(msg acksMsg) tea.Cmd {
	if msg.id != m.id {
		return nil
	}
	if !msg.ok {
		m.ackCh = nil
		return nil
	}
	m.external = make(map[ackKey]string, len(msg.acks))
	for _, a := range msg.acks {
		m.external[ackKey{a.Soldier, a.Kind}] = a.By
	}
	if n, first := m.applyExternal(0); n > 0 {
		m.setStatus(fmt.Sprintf("acknowledged outside by %s: %d %s (soldier %d %s)", first.by, n,
			plural(n, "alert", "alerts"), first.soldier, first.kind), false)
	}
	return waitForAcks(m.ctx, m.id, m.ackCh, m.ackStop)
}

// externalHit is the first entry an outside acknowledgement acknowledged.
type externalHit struct {
	soldier engine.SoldierID
	kind    engine.AnomalyKind
	by      string
}

// applyExternal acknowledges the unacknowledged log entries from index
// from on that an outside acknowledgement names; it returns how many.
func (m *Model) applyExternal(from int) (int, externalHit) {
	var first externalHit
	if len(m.external) == 0 {
		return 0, first
	}
	n := 0
	entries := m.b.log.entries
	for i := max(from, 0); i < len(entries); i++ {
		e := &entries[i]
		by, ok := m.external[ackKey{e.soldier, e.kind}]
		if !ok || e.acked {
			continue
		}
		e.acked = true
		if n == 0 {
			first = externalHit{e.soldier, e.kind, by}
		}
		n++
	}
	if n > 0 {
		m.b.log.rev++
		m.detail.rev++
		m.alerts.rev++
		m.rev++
	}
	return n, first
}

// sendAcks sends the acknowledgements of entries out through the link, one
// per soldier and kind, off the Update path.
func (m *Model) sendAcks(entries []alertEntry) tea.Cmd {
	if m.ackLink == nil || len(entries) == 0 {
		return nil
	}
	type out struct {
		k       ackKey
		comment string
	}
	var outs []out
	seen := map[ackKey]bool{}
	for _, e := range entries {
		k := ackKey{e.soldier, e.kind}
		if _, out := m.external[k]; seen[k] || out {
			continue // already acknowledged outside
		}
		seen[k] = true
		outs = append(outs, out{k, "acknowledged in the chakra-tui dashboard: " + e.kind.String() + ", " + e.reason})
	}
	link, by := m.ackLink, m.operator
	return func() tea.Msg {
		for _, o := range outs {
			link.Acknowledge(o.k.soldier, o.k.kind, by, o.comment)
		}
		return nil
	}
}
