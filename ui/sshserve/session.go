package sshserve

import (
	"context"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/detector/live"
)

// viewer is what the server holds for one SSH session: its feed, its
// program, and why it ended (printed after the screen is restored).
type viewer struct {
	done chan struct{} // closed when the session ends: stops its timers

	mu      sync.Mutex
	sub     *live.Subscription
	cancel  context.CancelFunc // of the dashboard's context
	program *tea.Program
	reason  string
	closed  bool
}

func newViewer() *viewer { return &viewer{done: make(chan struct{})} }

// setReason records why the session is ending (the first reason wins).
func (v *viewer) setReason(r string) {
	v.mu.Lock()
	if v.reason == "" {
		v.reason = r
	}
	v.mu.Unlock()
}

func (v *viewer) why() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.reason
}

// attach records the session's subscription, program and the cancel
// function of its dashboard's context; it returns false if the viewer was
// already released (the session is over).
func (v *viewer) attach(sub *live.Subscription, p *tea.Program, cancel context.CancelFunc) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return false
	}
	v.sub, v.program, v.cancel = sub, p, cancel
	return true
}

// quit asks the session's program to end for reason.
func (v *viewer) quit(reason string) {
	v.setReason(reason)
	v.mu.Lock()
	p := v.program
	v.mu.Unlock()
	if p != nil {
		go p.Quit() // Send blocks until the program reads it or has ended
	}
}

// release frees everything the session held. Releasing twice is harmless.
func (v *viewer) release() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return
	}
	v.closed = true
	close(v.done)
	if v.sub != nil {
		v.sub.Close()
		v.cancel()
	}
}

// Messages of the session model.
type (
	idleCheckMsg struct{}
	deadlineMsg  struct{}
)

// sessionModel wraps a session's dashboard with its idle and duration
// limits. Input (keys, mouse, resizes) resets the idle clock.
type sessionModel struct {
	inner   tea.Model
	v       *viewer
	idle    time.Duration // 0: no idle limit
	limit   time.Duration // 0: no duration limit
	now     func() time.Time
	touched time.Time
}

func (m *sessionModel) Init() tea.Cmd {
	m.touched = m.now()
	cmds := []tea.Cmd{m.inner.Init()}
	if m.idle > 0 {
		cmds = append(cmds, after(m.v.done, m.idle, idleCheckMsg{}))
	}
	if m.limit > 0 {
		cmds = append(cmds, after(m.v.done, m.limit, deadlineMsg{}))
	}
	return tea.Batch(cmds...)
}

func (m *sessionModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyMsg, tea.MouseMsg, tea.WindowSizeMsg:
		m.touched = m.now()
	case idleCheckMsg:
		left := m.idle - m.now().Sub(m.touched)
		if left > 0 {
			return m, after(m.v.done, left, idleCheckMsg{})
		}
		m.v.setReason("closed after " + m.idle.String() + " without input (idle timeout)")
		return m, tea.Quit
	case deadlineMsg:
		m.v.setReason("closed: sessions last at most " + m.limit.String())
		return m, tea.Quit
	}
	inner, cmd := m.inner.Update(msg)
	m.inner = inner
	return m, cmd
}

func (m *sessionModel) View() string { return m.inner.View() }

// after returns msg after d, or nothing once done is closed (so a session
// that ends leaves no timer goroutine behind, unlike tea.Tick).
func after(done <-chan struct{}, d time.Duration, msg tea.Msg) tea.Cmd {
	return func() tea.Msg {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return msg
		case <-done:
			return nil
		}
	}
}
