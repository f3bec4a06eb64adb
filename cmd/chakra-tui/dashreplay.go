package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui"
)

// replayModel returns the dashboard on an opened replay: the program's clock
// steps it at speed; pause and speed act on it, [ ] { } seek (with a
// pre-roll of history), the header shows a progress bar, and the end of the
// recording is shown as the end of the source.
func replayModel(ctx context.Context, rp *replayed, speed float64, truth bool) (*ui.Model, error) {
	d := &replayDriver{r: rp.r, src: rp.r}
	return ui.New(rp.r.Profiles(),
		ui.WithDriver(d),
		ui.WithReplay(d.Control()),
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

// recordTo wraps d so that every snapshot is recorded to path (--record);
// it returns d itself when path is empty. closeRec finishes the file.
func recordTo(d ui.Driver, path string, force bool, hdr engine.Header, meta session.Meta) (ui.Driver, func() error, error) {
	if path == "" {
		return d, func() error { return nil }, nil
	}
	rec, err := session.Create(path, hdr, meta, recordOptions(force)...)
	if err != nil {
		return nil, nil, fmt.Errorf("--record: %w", err)
	}
	return &recordingDriver{d: d, rec: rec}, rec.Close, nil
}
