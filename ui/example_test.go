package ui_test

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui"
)

// The dashboard on a simulation it owns: the model's clock loop steps the
// simulation's live runtime, which scores each frame. A program runs it
// with tea.NewProgram(m, ui.ProgramOptions()...); here the loop is driven by
// hand.
func Example() {
	ctx := context.Background()
	cfg := engine.DefaultConfig()
	cfg.Soldiers = 20
	sim, _ := engine.NewSim(cfg)
	store, _ := featurestore.NewMemory()
	scorer, _ := detector.NewThreshold()
	rt, _ := live.Open(ctx, live.Config{Source: sim, Store: store, Scorer: scorer})
	defer rt.Close()

	m, err := ui.New(rt.Profiles(),
		ui.WithDriver(rt),
		ui.WithDetector(scorer.Name(), ""),
		ui.WithSource("simulation · seed 1"),
		ui.WithSpeed(1000), // a step every millisecond
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	cmd := m.Init()
	for range 2 * 5 { // five beats of the clock, five frames
		_, cmd = m.Update(cmd())
	}
	header, _, _ := strings.Cut(ansi.Strip(m.View()), "\n")
	fmt.Println(header)
	// Output:
	//  CHAKRA ▶ ×1000  09:00:04 T+00:04  │ threshold  │ simulation · seed 1
}
