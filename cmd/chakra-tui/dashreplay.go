package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/ui"
)

// replayModel returns the dashboard on an opened replay: the program's clock
// steps the replay's live runtime at speed; pause and speed act on it, [ ] { }
// seek (with a pre-roll of history), the header shows a progress bar, and the
// end of the recording is shown as the end of the source. The runtime holds
// nothing to release: the replay is rp's.
func replayModel(ctx context.Context, rp *replayed, speed float64, truth bool) (*ui.Model, error) {
	rt, err := live.Open(ctx, live.Config{Source: rp.r})
	if err != nil {
		return nil, err
	}
	first, last, _ := rt.Bounds()
	return ui.New(rt.Profiles(),
		ui.WithDriver(rt),
		ui.WithReplay(ui.ReplayControl{First: first, Last: last, Seek: rt.Seek}),
		ui.WithContext(ctx),
		ui.WithSource(rp.source),
		ui.WithDetector(rp.detector, rp.note),
		ui.WithTick(rp.r.Tick()),
		ui.WithSpeed(speed),
		ui.WithTruthOverlay(truth),
	)
}

// runDashboardReplay runs the dashboard on the recording at path (--replay),
// showing its recorded verdicts, or scoring its frames again with scorer
// when rescore is set or the file holds none. Logs go where the dashboard's
// do (the caller redirected them).
func runDashboardReplay(ctx context.Context, path string, rescore bool, scorer, model string, speed float64, truth bool, e env) error {
	if speed <= 0 {
		speed = 1
	}
	rp, err := openReplay(path, rescore, scorer, model)
	if err != nil {
		return err
	}
	defer rp.r.Close()
	slog.Info("dashboard replay starting", "file", path, "ticks", rp.r.Len(), "detector", rp.detector, "rescoring", rp.r.Rescoring())
	if rp.warning != "" {
		// The header says so while it plays; the whole message follows the
		// screen, on the terminal.
		slog.Warn("replaying a recording that is cut short", "warning", rp.warning)
		defer fmt.Fprintln(e.stderr, "warning:", rp.warning)
	}
	m, err := replayModel(ctx, rp, speed, truth)
	if err != nil {
		return err
	}
	opts := append(ui.ProgramOptions(), tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout))
	_, err = tea.NewProgram(m, opts...).Run()
	slog.Info("dashboard replay stopped", "err", err)
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}
