package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/chakra-tui/chakra-tui/detector/live"
)

// TestProgramSmoke runs the dashboard as a real Bubble Tea program: start,
// resize, keys, quit.
func TestProgramSmoke(t *testing.T) {
	m, _ := testModel(t, 0, 0, WithSpeed(10))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("✓001")
	// runes in one read (tmux send-keys -l jj, SSH batching) are keystrokes
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/62")})
	wait("/62")
	tm.Send(press("enter"))
	wait("soldier 62")
	tm.Type("G")
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	tm.Type("?")
	wait("sort by severity")
	tm.Type("?")
	tm.Send(press("enter"))
	wait("soldier 100 ·")
	tm.Type(" ")
	wait("paused")
	tm.Type("t")
	wait("truth:")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	fm := tm.FinalModel(t).(*Model)
	if id := selectedID(fm); id != 100 {
		t.Errorf("final selection: soldier %d, want 100 (G)", id)
	}
	if fm.w != 80 || fm.h != 24 || !fm.paused || !fm.truth || fm.side != sideDetail || fm.b.frames == 0 {
		t.Errorf("final model: %dx%d paused=%v truth=%v side=%v frames=%d",
			fm.w, fm.h, fm.paused, fm.truth, fm.side, fm.b.frames)
	}
}

// panicky is a driver whose Step panics.
type panicky struct{}

func (panicky) Step(context.Context) (live.Snapshot, error) { panic("sensor exploded") }

// panicModel panics in Update on the key x.
type panicModel struct{ *Model }

func (p panicModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "x" {
		panic("bad key")
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

// TestPanicRestoresTerminal checks that a panic, in Update or in a command,
// ends the program with the terminal restored (alternate screen left, cursor
// shown, mouse off) by Bubble Tea's recovery.
func TestPanicRestoresTerminal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model func() tea.Model
		input string
	}{
		{"update", func() tea.Model { m, _ := testModel(t, 0, 0); return panicModel{m} }, "x"},
		{"command", func() tea.Model {
			sim := testSim(t, 1, 10)
			m, err := New(sim.Profiles(), WithDriver(panicky{}))
			if err != nil {
				t.Fatal(err)
			}
			return m
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			in, inw := io.Pipe()
			defer inw.Close()
			opts := append(ProgramOptions(), tea.WithInput(in), tea.WithOutput(&out), tea.WithoutSignals())
			p := tea.NewProgram(tc.model(), opts...)
			go func() {
				time.Sleep(200 * time.Millisecond)
				if tc.input != "" {
					io.WriteString(inw, tc.input)
				}
			}()
			done := make(chan error, 1)
			go func() { _, err := p.Run(); done <- err }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				p.Kill()
				t.Fatal("the program did not end after a panic")
			}
			if !errors.Is(err, tea.ErrProgramPanic) {
				t.Fatalf("Run returned %v, want ErrProgramPanic", err)
			}
			o := out.String()
			for name, seq := range map[string]string{"enter alt screen": "\x1b[?1049h", "leave alt screen": "\x1b[?1049l",
				"show cursor": "\x1b[?25h", "mouse off": "\x1b[?1002l"} {
				if !strings.Contains(o, seq) {
					t.Errorf("output lacks %s (%q)", name, seq)
				}
			}
			if i, j := strings.LastIndex(o, "\x1b[?1049h"), strings.LastIndex(o, "\x1b[?1049l"); j < i {
				t.Error("the alternate screen was entered again after leaving it")
			}
		})
	}
}
