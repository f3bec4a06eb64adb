package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/ui"
)

// liveDriver is the dashboard's live source: the runtime of a simulation
// scored by the threshold baseline.
func liveDriver(t *testing.T, cfg engine.Config) (*engine.Sim, ui.Driver) {
	t.Helper()
	sim, rt, _ := liveRuntime(t, cfg, "")
	return sim, rt
}

// liveRuntime is liveDriver recording to path unless it is empty; closeRec
// finishes the recording.
func liveRuntime(t *testing.T, cfg engine.Config, path string) (sim *engine.Sim, rt *live.Runtime, closeRec func() error) {
	t.Helper()
	sim, err := engine.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store, _ := featurestore.NewMemory()
	t.Cleanup(func() { store.Close() })
	sc, _ := detector.NewThreshold()
	c := live.Config{Source: sim, Store: store, Scorer: sc}
	closeRec = func() error { return nil }
	if path != "" {
		rec, err := session.Create(path, recordHeader(sim), session.Meta{Detector: "threshold", Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		c.Record, closeRec = rec, rec.Close
		t.Cleanup(func() { rec.Close() })
	}
	if rt, err = live.Open(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return sim, rt, closeRec
}

// screen keeps everything a test program wrote, so consecutive waits do not
// lose output a previous wait read.
type screen struct {
	t   *testing.T
	tm  *teatest.TestModel
	buf bytes.Buffer
}

func newScreen(t *testing.T, m tea.Model, w, h int) *screen {
	return &screen{t: t, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))}
}

// mark returns the current length of the output, for wait.
func (s *screen) mark() int { return s.buf.Len() }

// wait waits until the output after mark contains what.
func (s *screen) wait(mark int, what string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := io.ReadAll(s.tm.Output())
		if err != nil {
			s.t.Fatal(err)
		}
		s.buf.Write(b)
		if bytes.Contains(s.buf.Bytes()[mark:], []byte(what)) {
			return
		}
		if time.Now().After(deadline) {
			tail := s.buf.Bytes()[mark:]
			if len(tail) > 3000 {
				tail = tail[len(tail)-3000:]
			}
			s.t.Fatalf("no %q on the screen; the end of the output:\n%s", what, tail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDashboardRecordThenReplay records a dashboard session (the program's
// own clock stepping a scored simulation), replays it in the dashboard with
// seeking to the end of the file, and checks the replay tick by tick against
// the run.
func TestDashboardRecordThenReplay(t *testing.T) {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Seed, cfg.Duration, cfg.PoisonRate = 6, 3, 8, 80*time.Second, 0.3
	path := filepath.Join(t.TempDir(), "dash.chakra.gz")
	ctx := context.Background()

	// Record: the dashboard runs the simulation to its end.
	sim, d, closeRec := liveRuntime(t, cfg, path)
	m, err := ui.New(sim.Profiles(), ui.WithDriver(d), ui.WithSpeed(100), ui.WithSource("live"), ui.WithDetector("threshold", ""))
	if err != nil {
		t.Fatal(err)
	}
	scr := newScreen(t, m, 120, 40)
	scr.wait(0, "end of the source")
	scr.tm.Type("q")
	scr.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if err := closeRec(); err != nil {
		t.Fatal(err)
	}

	// Replay in the dashboard: recorded verdicts, a progress bar, seeking
	// back after the end, and the end shown again.
	rp, err := openReplay(path, false, "tft", "")
	if err != nil {
		t.Fatal(err)
	}
	defer rp.r.Close()
	if rp.detector != "threshold" || rp.r.Rescoring() {
		t.Fatalf("replay shows %q, rescoring %v", rp.detector, rp.r.Rescoring())
	}
	rm, err := replayModel(ctx, rp, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	scr = newScreen(t, rm, 200, 40)
	scr.wait(0, "dash.chakra.gz · recorded verdicts")
	scr.wait(0, "end of the source")
	mark := scr.mark()
	scr.tm.Type("{") // seek back 10 min: clamps to the start
	scr.wait(mark, "at 09:00:00")
	scr.wait(mark, "end of the source") // played to the end again
	scr.wait(mark, "01:19/01:19")
	scr.tm.Type("q")
	scr.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	// Tick by tick: the replay's frames are the simulation's, its verdicts
	// the ones scored live (the threshold baseline is deterministic, so a
	// fresh run scores the same).
	_, fresh := liveDriver(t, cfg)
	r, err := session.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rd, err := live.Open(ctx, live.Config{Source: r})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		got, err := rd.Step(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Frame.T != want.Frame.T || len(got.Verdicts) != len(want.Verdicts) || len(got.Frame.Truth) != len(want.Frame.Truth) {
			t.Fatalf("tick %d: replay %d/%d verdicts, live %d/%d", n, got.Frame.T, len(got.Verdicts), want.Frame.T, len(want.Verdicts))
		}
		for i := range got.Verdicts {
			w := session.Rounded(want.Verdicts[i], false)
			g := got.Verdicts[i]
			if g.State != w.State || g.Channels != w.Channels || g.Score != w.Score || g.Vitals[0].Out != w.Vitals[0].Out {
				t.Fatalf("tick %d soldier %d: replay %+v, live %+v", n, g.Soldier, g, w)
			}
		}
		n++
	}
	if n != 80 {
		t.Fatalf("replayed %d ticks, want 80", n)
	}
	pre, err := rd.Seek(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(pre) != 50 || pre[len(pre)-1].Frame.T != 49 {
		t.Fatalf("pre-roll of %d ending at %d", len(pre), pre[len(pre)-1].Frame.T)
	}
	if s, err := rd.Step(ctx); err != nil || s.Frame.T != 50 {
		t.Fatalf("after seeking to 50: tick %d, %v", s.Frame.T, err)
	}

	// A recording cut inside its first gzip member is refused before the
	// screen opens.
	data, _ := os.ReadFile(path)
	bad := filepath.Join(t.TempDir(), "bad.chakra.gz")
	os.WriteFile(bad, data[:100], 0o600)
	if _, err := openReplay(bad, false, "threshold", ""); !errors.Is(err, engine.ErrTruncatedRecording) {
		t.Fatalf("truncated recording: %v", err)
	}
}

// TestDashboardReplayOfCutRecording: a recording whose writer was killed
// plays to its last flushed tick, and the header says it was cut.
func TestDashboardReplayOfCutRecording(t *testing.T) {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Duration, cfg.Seed = 6, 3, 80*time.Second, 4
	path := filepath.Join(t.TempDir(), "cut.chakra.gz")
	ctx := context.Background()
	sim, live := liveDriver(t, cfg)
	rec, err := session.Create(path, recordHeader(sim), session.Meta{Detector: "threshold"}, session.WithFlushEvery(0))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 80 {
		s, err := live.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Write(&s.Frame, s.Verdicts); err != nil {
			t.Fatal(err)
		}
		if i == 49 {
			if err := rec.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-20], 0o600)

	rp, err := openReplay(path, false, "threshold", "")
	if err != nil {
		t.Fatal(err)
	}
	defer rp.r.Close()
	if rp.r.Len() != 50 || !strings.Contains(rp.source, "CUT SHORT: ends at tick 49") ||
		!strings.Contains(rp.warning, "cut short") || !strings.Contains(rp.warning, "50 frames play") {
		t.Fatalf("%d ticks; source %q; warning %q", rp.r.Len(), rp.source, rp.warning)
	}
	rm, err := replayModel(ctx, rp, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	scr := newScreen(t, rm, 200, 40)
	scr.wait(0, "CUT SHORT: ends at tick 49")
	scr.wait(0, "end of the source")
	scr.tm.Type("q")
	scr.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestDashboardReplayOfFramesRescores: a frame recording (sim --record) has
// no verdicts; the dashboard scores it with --scorer and says so.
func TestDashboardReplayOfFramesRescores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "frames.chakra.gz")
	if _, _, err := simRun(t, "sim", "--soldiers", "4", "--duration", "30s", "--record", path); err != nil {
		t.Fatal(err)
	}
	rp, err := openReplay(path, false, "zscore", "")
	if err != nil {
		t.Fatal(err)
	}
	defer rp.r.Close()
	if !rp.r.Rescoring() || rp.detector != "zscore" {
		t.Fatalf("rescoring %v with %q", rp.r.Rescoring(), rp.detector)
	}
	m, err := replayModel(context.Background(), rp, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	scr := newScreen(t, m, 200, 40)
	scr.wait(0, "frames only, re-scored")
	scr.wait(0, "end of the source")
	scr.tm.Send(tea.QuitMsg{})
	scr.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestDashboardRecordReplayFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--replay", "x.gz"}, "--replay: "}, // text mode (the test's stdout is not a terminal) replays too
	} {
		_, _, err := simRun(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.args, err, c.want)
		}
	}
	f := &dashboardFlags{record: "a.gz", replay: "b.gz", logPath: os.DevNull}
	if err := runDashboard(context.Background(), engine.DefaultConfig(), 1, f, env{}); !errors.Is(err, errRecordReplay) {
		t.Errorf("--record with --replay: %v", err)
	}
}
