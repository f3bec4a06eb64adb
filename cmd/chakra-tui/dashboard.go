package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/evaluation"
	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/detector/monitor"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/parquet"
	"github.com/chakra-tui/chakra-tui/ui"
	"github.com/chakra-tui/chakra-tui/ui/alertsink"
)

// dashboardFlags are the root mode's flags for the dashboard.
type dashboardFlags struct {
	scorer, model, logPath string
	truth                  bool
	record, replay         string // --record, --replay (dashreplay.go)
	rescore, force         bool
	compactState           string // --compact-state
	offline                *offlineFlags
	alerts                 *alertFlags
}

// addDashboardFlags registers the dashboard's flags on c.
func addDashboardFlags(c *command) *dashboardFlags {
	f := &dashboardFlags{}
	addScorerFlags(c, &f.scorer, &f.model)
	c.fs.StringVar(&f.logPath, "log", defaultLogPath(), "file the dashboard logs to while it owns the terminal (os.DevNull: nowhere)")
	c.example("log", "/tmp/chakra-tui.log")
	c.fs.BoolVar(&f.truth, "truth", false, "start with the truth overlay on (ground-truth windows: hits, misses, false alerts)")
	c.example("truth", "true")
	c.fs.StringVar(&f.record, "record", "", "record the session (frames, ground truth and the verdicts shown) to this file")
	c.example("record", "session.chakra.gz")
	addForceFlag(c, &f.force)
	c.fs.StringVar(&f.replay, "replay", "", "watch a recording instead of a simulation: pause, speed, seek ([ ] { }), progress bar")
	c.example("replay", "session.chakra.gz")
	c.fs.BoolVar(&f.rescore, "rescore", false, "with --replay: score the frames again with --scorer instead of showing the recorded verdicts")
	c.example("rescore", "true")
	addCompactFlag(c, &f.compactState)
	f.offline = addOfflineFlags(c)
	f.alerts = addAlertFlags(c)
	return f
}

// defaultLogPath is dashboard.log in the user's cache directory, else
// os.DevNull.
func defaultLogPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return os.DevNull
	}
	return filepath.Join(dir, "chakra-tui", "dashboard.log")
}

// runDashboard runs the Bubble Tea dashboard on a simulation of cfg: the
// program's clock loop steps the simulation's live runtime at speed, which
// scores every frame through a monitor (in-memory store) and records it
// with --record.
func runDashboard(ctx context.Context, cfg engine.Config, speed float64, f *dashboardFlags, e env) error {
	if speed <= 0 {
		speed = 1
	}
	logf, err := openLog(f.logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	restore := redirectLogs(logf)
	defer restore()
	logger := slog.Default()
	if f.replay != "" && f.record != "" {
		return errRecordReplay
	}
	if f.replay != "" {
		if f.alerts.enabled() {
			return errSinksReplay
		}
		return runDashboardReplay(ctx, f.replay, f.rescore, f.scorer, f.model, speed, f.truth, e)
	}

	if scaleGC(cfg.Soldiers, os.Getenv("GOGC")) {
		logger.Info("a large simulation: GOGC set", "gogc", scaleGCPercent)
	}
	b, err := openSimBattlefield(ctx, cfg, f, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	rt, rec, sim, name, note, src := b.rt, b.rec, b.sim, b.name, b.note, b.source
	logger.Info("dashboard starting", "soldiers", cfg.Soldiers, "seed", cfg.Seed, "scorer", name, "note", note)

	uiOpts := []ui.Option{
		ui.WithDriver(rt),
		ui.WithContext(ctx),
		ui.WithSource(src),
		ui.WithDetector(name, note),
		ui.WithSpeed(speed),
		ui.WithTruthOverlay(f.truth),
		recordingOption(rec, f.record),
	}
	if cfg.Soldiers > scaleSoldiers {
		// 512 ticks of 128-byte samples per soldier would be 3.2 GB at
		// 50 000 soldiers; the detail chart then spans a minute.
		uiOpts = append(uiOpts, ui.WithHistory(scaleHistory))
	}
	m, err := ui.New(rt.Profiles(), append(uiOpts, dashboardAckOptions(b.hub, f.alerts)...)...)
	if err != nil {
		return err
	}
	opts := append(ui.ProgramOptions(), tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout))
	_, err = tea.NewProgram(m, opts...).Run()
	logger.Info("dashboard quit: stopping the battlefield", "ticks", rt.Published(), "err", err)
	// Close stops the tick in progress (Bubble Tea does not wait for the
	// command stepping it), then finishes the recording and the store.
	cerr := b.Close()
	st := rt.Monitor().Stats()
	logger.Info("dashboard stopped", "ticks", rt.Published(), "observations", st.Observations, "scored", st.Scored, "alerts", st.Alerts, "err", err)
	if b.hub.Enabled() {
		defer func() { logger.Info("alert sinks at exit", "stats", sinkSummary(b.hub)) }()
	}
	if cerr != nil && err == nil {
		return cerr
	}
	if rec != nil {
		fmt.Fprintf(e.stdout, "recorded %d frames (%v of simulated time) to %s\n", rec.Frames(), time.Duration(rec.Frames())*sim.Tick(), f.record)
	}
	fmt.Fprint(e.stdout, b.offline.String())
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // interrupted: a clean exit
	}
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// simBattlefield is a simulation scored by --scorer on the in-memory store
// and recorded with --record, on a live runtime: what the local dashboard
// and text mode both step, so they score alike.
type simBattlefield struct {
	sim    *engine.Sim
	rt     *live.Runtime
	rec    *session.Recorder // nil without --record
	name   string            // the detector, as the header names it
	note   string            // why it is not what --scorer asked for, if it is not
	source string            // "simulation · seed 2 · 100 soldiers"
	hub    *alertsink.Hub    // the alert sinks (--alertmanager, --alert-webhook), started on the runtime's monitor
	sink   *parquet.Sink     // --offline; nil without it
	// offline says where --offline wrote, once closed.
	offline strings.Builder
	closed  closeList
}

// openSimBattlefield opens the battlefield of cfg with f's --scorer,
// --model, --record, --force and alert sinks. Close releases it.
func openSimBattlefield(ctx context.Context, cfg engine.Config, f *dashboardFlags, log *slog.Logger) (_ *simBattlefield, err error) {
	b := &simBattlefield{}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if b.sim, err = engine.NewSim(cfg); err != nil {
		return nil, err
	}
	if err := checkCompactFlag(f.compactState); err != nil {
		return nil, err
	}
	var scorer detector.Scorer
	if scorer, b.name, b.note, err = dashboardScorer(f.scorer, f.model, compactFor(f.compactState, cfg.Soldiers)); err != nil {
		return nil, err
	}
	var storeOpts []featurestore.Option
	if cfg.Soldiers > scaleSoldiers {
		storeOpts = append(storeOpts, featurestore.WithCapacity(scaleStoreRows))
	}
	store, err := featurestore.NewMemory(storeOpts...)
	if err != nil {
		return nil, fmt.Errorf("open the in-memory store: %w", err)
	}
	b.closed.add(store.Close)
	b.source = fmt.Sprintf("simulation · seed %d · %d soldiers", cfg.Seed, cfg.Soldiers)
	// The battlefield's ticks count seconds from its start: its alerts carry
	// unix seconds, as the HTTP server's do.
	c := live.Config{Source: b.sim, Store: store, Scorer: scorer,
		MonitorOptions: []monitor.Option{monitor.WithEpoch(cfg.Start.Unix(), nil)}}
	if b.sink, err = f.offline.open(ctx, offlineRun{source: "simulation", cfg: &cfg, profiles: b.sim.Profiles()}, nil); err != nil {
		return nil, err
	}
	if b.sink != nil {
		c.Offline = b.sink
		b.closed.add(func() error { return closeOffline(b.sink, &b.offline) })
		b.source += " · offline store"
	}
	if f.record != "" {
		b.rec, err = session.Create(f.record, recordHeader(b.sim), session.Meta{Detector: b.name, Note: b.note, Source: b.source}, recordOptions(f.force)...)
		if err != nil {
			return nil, fmt.Errorf("--record: %w", err)
		}
		b.closed.add(b.rec.Close)
		c.Record = b.rec
	}
	if b.rt, err = live.Open(ctx, c); err != nil {
		return nil, err
	}
	b.closed.add(b.rt.Close)
	if b.hub, err = f.alerts.hub(log, alertsink.WithSquad(rosterSquads(b.sim.Profiles())), alertsink.WithScorer(b.name)); err != nil {
		return nil, err
	}
	if b.hub.Enabled() {
		b.closed.add(startHub(ctx, b.hub, b.rt.Monitor()))
	}
	return b, nil
}

// Close closes the runtime, the recording and the store, once; it returns
// the first error (a recording that could not be finished).
func (b *simBattlefield) Close() error { return b.closed.closeAll() }

// recordingOption shows the recording to path in the dashboard's header
// (nothing when rec is nil): its name, size and length, read after each step.
func recordingOption(rec *session.Recorder, path string) ui.Option {
	if rec == nil {
		return ui.WithRecording("", nil)
	}
	return ui.WithRecording(filepath.Base(path), func() ui.RecordingStat {
		st := ui.RecordingStat{Frames: rec.Frames()}
		if fi, err := os.Stat(path); err == nil {
			st.Bytes = fi.Size()
		}
		return st
	})
}

// addScorerFlags defines --scorer and --model, read by loadScorer.
func addScorerFlags(c *command, scorer, model *string) {
	c.fs.StringVar(scorer, "scorer", "tft", "detector: tft (falls back to the threshold baseline, and says so, when the build has no model), zscore, phasez (fitted and calibrated at start on the model's calibration runs, a few seconds) or threshold")
	c.example("scorer", "zscore")
	c.fs.StringVar(model, "model", "", "TFT model file to use instead of the embedded one")
	c.example("model", "detector/model/tft.bin")
}

// scorerSpec is the detector named by --scorer and --model, with the model
// loaded once: every mode builds its scorers (and replays after a seek,
// the HTTP server its warm-up twin) from it.
type scorerSpec struct {
	name     string          // what build makes: tft, zscore, phasez or threshold
	note     string          // why it is not what was asked for, or why uncalibrated
	model    *detector.Model // nil for a build without a usable model
	modelErr error           // why model is nil, when the TFT was asked for
	// phasez and its calibration: the phase-aware z-score's table, fitted
	// once by loadScorer.
	phasez    *detector.PhaseZModel
	phasezCal detector.Calibration
	// compact keeps the TFT's per-soldier streams in float32
	// (detector.WithCompactState; see compactState).
	compact bool
}

// loadScorer reads --scorer and --model. Without a usable embedded model the
// TFT falls back to the fixed-threshold baseline (with a note); a bad
// --model file is an error.
func loadScorer(name, modelPath string) (scorerSpec, error) {
	s := scorerSpec{name: name}
	switch name {
	case "tft", "zscore", "phasez", "threshold":
	default:
		return s, fmt.Errorf("unknown --scorer %q (want tft, zscore, phasez or threshold)", name)
	}
	if modelPath != "" {
		m, err := detector.LoadModelFile(modelPath)
		if err != nil {
			return s, fmt.Errorf("--model: %w", err)
		}
		s.model = m
	} else if m, err := detector.EmbeddedModel(); err == nil {
		s.model = m
	} else if !errors.Is(err, detector.ErrModel) {
		return s, err
	} else {
		s.modelErr = err
	}
	switch {
	case name == "tft" && s.model == nil:
		s.name, s.note = "threshold", "no TFT model: threshold baseline"
	case name == "zscore" && s.model == nil:
		s.note = "uncalibrated: no model to take the calibration from"
	case name == "phasez" && s.model == nil:
		s.name, s.note = "threshold", "no model to take the calibration runs from: threshold baseline"
	case name == "phasez":
		if err := s.fitPhaseZ(); err != nil {
			return s, err
		}
	}
	return s, nil
}

// build returns a new scorer of the spec.
func (s scorerSpec) build() (detector.Scorer, error) {
	switch s.name {
	case "tft":
		return detector.NewTFT(detector.WithModel(s.model), detector.WithCompactState(s.compact))
	case "zscore":
		if s.model == nil {
			return detector.NewZScore()
		}
		return detector.NewZScore(detector.WithAlertConfig(s.model.Meta.ZScore.Alerts))
	case "phasez":
		return detector.NewPhaseZ(s.phasez, detector.WithAlertConfig(s.phasezCal.Alerts))
	}
	return detector.NewThreshold()
}

// dashboardScorer builds the detector named by --scorer; it returns its
// name for the header and a note when it fell back to a baseline.
func dashboardScorer(name, modelPath string, compact bool) (sc detector.Scorer, display, note string, err error) {
	s, err := loadScorer(name, modelPath)
	if err != nil {
		return nil, "", "", err
	}
	s.compact = compact
	sc, err = s.build()
	return sc, s.name, s.note, err
}

// openLog opens (appending) the dashboard's log file, creating its
// directory.
func openLog(path string) (*os.File, error) {
	if path == "" {
		path = os.DevNull
	}
	if path != os.DevNull {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create the log directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the log file: %w", err)
	}
	return f, nil
}

// redirectLogs sends the standard logger and slog's default to w while the
// dashboard owns the terminal, so nothing prints over the screen; the
// returned function restores them.
func redirectLogs(w io.Writer) (restore func()) {
	prevOut, prevFlags := log.Writer(), log.Flags()
	prevSlog := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(w, nil)))
	log.SetOutput(w)
	log.SetFlags(log.LstdFlags)
	return func() {
		slog.SetDefault(prevSlog)
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
	}
}

// fitPhaseZ fits the phase-aware z-score on the runs the model's TFT was
// trained and validated on and calibrates it on its calibration runs (as
// chakra-tui eval does).
func (s *scorerSpec) fitPhaseZ() error {
	fit, cc := evaluation.PhaseZRuns(s.model, runtime.NumCPU())
	m, cal, err := evaluation.PhaseZ(context.Background(), fit, cc)
	if err != nil {
		return fmt.Errorf("--scorer phasez: %w", err)
	}
	s.phasez, s.phasezCal = m, cal
	return nil
}
