package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/training"
	"github.com/chakra-tui/chakra-tui/engine"
)

// runTrain trains, validates and calibrates a model and writes it.
func runTrain(ctx context.Context, args []string, e env) error {
	c := newCommand("train", "chakra-tui train [flags]",
		"Simulate normal runs, train the TFT on them, measure its bands on validation runs, calibrate its alert thresholds\n"+
			"(and the z-score baseline's) on further normal runs, and write the model file the detector embeds.\n"+
			"The same seed and workers give the same file, byte for byte.", e.stderr)
	fs := c.fs
	var tc training.Config
	fs.Uint64Var(&tc.Seed, "seed", 1, "seed of the simulations, initialisation and shuffling")
	c.example("seed", "7")
	out := fs.String("out", "", "model file to write (default $XDG_DATA_HOME/chakra-tui/tft.bin, else ~/.local/share/chakra-tui/tft.bin; make model writes detector/model/tft.bin, which the build embeds); use the file with --model")
	c.example("out", "/tmp/tft.bin")
	force := fs.Bool("force", false, "overwrite an existing --out file (without it an existing file is refused before training starts)")
	c.example("force", "true")
	fs.IntVar(&tc.Soldiers, "soldiers", 100, "soldiers per simulated run")
	c.example("soldiers", "50")
	fs.DurationVar(&tc.Duration, "duration", time.Hour, "simulated time per run")
	c.example("duration", "2h")
	fs.IntVar(&tc.TrainRuns, "train-runs", 2, "training runs")
	c.example("train-runs", "4")
	fs.IntVar(&tc.ValRuns, "val-runs", 1, "validation runs (early stopping and band coverage)")
	c.example("val-runs", "2")
	fs.IntVar(&tc.CalibRuns, "calib-runs", 2, "calibration runs (normal, with motion artefacts)")
	c.example("calib-runs", "4")
	fs.IntVar(&tc.Stride, "stride", 3, "use every n-th tick of each soldier as a training example")
	c.example("stride", "5")
	fs.Float64Var(&tc.AugmentProb, "augment", 0.15, "share of training examples with imputed rows (negative: none)")
	c.example("augment", "0.3")
	fs.BoolVar(&tc.Artefacts, "artefacts", false, "keep motion artefacts in the training runs")
	c.example("artefacts", "true")
	fs.Float64Var(&tc.TargetFA, "target-fa", training.DefaultTargetFA, "calibration target: false alerts per soldier-hour")
	c.example("target-fa", "0.005")
	fs.IntVar(&tc.Net.Epochs, "epochs", 8, "maximum epochs")
	c.example("epochs", "20")
	fs.IntVar(&tc.Net.StepsPerEpoch, "steps-per-epoch", 250, "minibatches per epoch (each epoch draws a fresh sample)")
	c.example("steps-per-epoch", "500")
	fs.IntVar(&tc.Net.BatchSize, "batch", 64, "examples per minibatch")
	c.example("batch", "128")
	fs.Float64Var(&tc.Net.LearningRate, "lr", 3e-3, "Adam learning rate")
	c.example("lr", "0.001")
	fs.IntVar(&tc.Workers, "workers", 2, "goroutines (the file depends on it: keep it fixed to reproduce a model)")
	c.example("workers", "4")
	wf := addWorldFlags(c)
	runs := fs.String("runs", "", "train, validate and calibrate on runs of the offline store instead of simulating: runs or directories (or s3:// prefixes) of runs, comma-separated, split in order into --train-runs, --val-runs and --calib-runs (written by --offline in any mode: simulations, or /predict traffic); --soldiers, --duration and the world are then read from the runs")
	c.example("runs", "runs/a,runs/b,runs/c,runs/d,runs/e")
	if err := c.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("train: unexpected argument %q", fs.Arg(0))
	}
	path, err := modelOutPath(*out, *force)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	w, err := wf.world()
	if err != nil {
		return err
	}
	tc.World = &w
	if *runs != "" {
		if err := useStoredRuns(ctx, &tc, *runs, e.stderr); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	bar := newTrainBar(e.stderr)
	m, res, err := training.Train(ctx, tc, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	if err := writeModel(path, m); err != nil {
		return err
	}
	printTrainSummary(e.stdout, path, m, res)
	return nil
}

// writeModel writes m to path through a temporary file in the same
// directory, so a failed write never leaves half a model behind.
func writeModel(path string, m *detector.Model) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tft-*.tmp")
	if err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := m.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write model %q: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("write model %q: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write model %q: %w", path, err)
	}
	return nil
}

func printTrainSummary(w io.Writer, path string, m *detector.Model, res training.Result) {
	t := &m.Meta.Training
	v := &m.Meta.Validation
	world := "clean"
	if t.World != nil {
		world = worldName(*t.World)
	}
	fmt.Fprintf(w, "wrote %s: %d parameters, seed %d, %d workers, %s world\n", path, m.NumParams(), t.Seed, t.Workers, world)
	fmt.Fprintf(w, "training: runs %v (%d soldiers × %v), %d examples (stride %d, augment %.2f, artefacts %v), validation runs %v (%d examples)\n",
		t.TrainSeeds, t.Soldiers, t.Duration, t.TrainExamples, t.Stride, t.AugmentProb, t.Artefacts, t.ValSeeds, t.ValExamples)
	fmt.Fprintf(w, "optimiser: %d epochs, %d steps, best epoch %d, validation loss %.4f, last training loss %.4f\n",
		t.Epochs, t.Steps, t.BestEpoch, t.BestValLoss, t.FinalLoss)
	fmt.Fprintf(w, "validation bands (%d examples): vital, inside 2–98 %% band, inside 10–90 %% band, median |error|, median band width\n", v.Examples)
	for i := range engine.NumVitals {
		vt := engine.Vital(i)
		fmt.Fprintf(w, "  %-10s %.3f  %.3f  %.3g %s  %.3g %s\n", vt, v.Cover96[i], v.Cover80[i], v.MedianAbs[i], vt.Unit(), v.Width96[i], vt.Unit())
	}
	for _, c := range []struct {
		name string
		cal  *detector.Calibration
	}{{"tft", &m.Meta.Calibration}, {"zscore", &m.Meta.ZScore}} {
		var lv, fa []string
		for i := range engine.NumVitals {
			lv = append(lv, fmt.Sprintf("%s %.3g", engine.Vital(i), c.cal.Alerts.Open[i]))
		}
		for ch := range detector.Channel(detector.NumChannels) {
			fa = append(fa, fmt.Sprintf("%s %.3g", ch, c.cal.Measured[ch]))
		}
		fmt.Fprintf(w, "calibration %s (target %.3g false/soldier-hour, seeds %v, %.0f soldier-hours): open levels %s; false/soldier-hour %s\n",
			c.name, c.cal.TargetFA, c.cal.Seeds, c.cal.SoldierHours, strings.Join(lv, ", "), strings.Join(fa, ", "))
	}
	var st []string
	for _, s := range []string{"simulate", "train", "validate", "calibrate"} {
		st = append(st, fmt.Sprintf("%s %v", s, res.Stages[s].Round(100*time.Millisecond)))
	}
	fmt.Fprintf(w, "time: %v (%s)\n", res.Elapsed.Round(100*time.Millisecond), strings.Join(st, ", "))
}

// trainBar shows training progress: a bar redrawn in place on a terminal,
// a plain line per epoch and stage otherwise.
type trainBar struct {
	w     io.Writer
	tty   bool
	start time.Time
	last  time.Time
	stage string
	drawn bool
}

func newTrainBar(w io.Writer) *trainBar {
	return &trainBar{w: w, tty: writerIsTerminal(w), start: time.Now()}
}

func (b *trainBar) update(p training.Progress) {
	el := time.Since(b.start).Round(100 * time.Millisecond)
	if p.Stage != b.stage {
		b.stage = p.Stage
		if b.drawn {
			fmt.Fprintln(b.w)
			b.drawn = false
		}
		if p.Stage != "train" {
			fmt.Fprintf(b.w, "%s … (%v)\n", p.Stage, el)
		}
	}
	n := p.Net
	if n == nil {
		return
	}
	if !b.tty {
		if n.EndOfEpoch {
			fmt.Fprintf(b.w, "epoch %d/%d: train loss %.4f, validation loss %.4f (best %.4f at epoch %d) (%v)\n",
				n.Epoch, n.Epochs, n.TrainLoss, n.ValLoss, n.BestValLoss, n.BestEpoch, el)
		}
		return
	}
	if !n.EndOfEpoch && time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.last = time.Now()
	const width = 30
	filled := 0
	if n.Steps > 0 {
		filled = min(width, n.Step*width/n.Steps)
	}
	fmt.Fprintf(b.w, "\repoch %d/%d [%s%s] %d/%d loss %.4f  %v ", n.Epoch, n.Epochs,
		strings.Repeat("█", filled), strings.Repeat("░", width-filled), n.Step, n.Steps, n.TrainLoss, el)
	b.drawn = true
	if n.EndOfEpoch {
		fmt.Fprintf(b.w, "\n  validation loss %.4f (best %.4f at epoch %d)\n", n.ValLoss, n.BestValLoss, n.BestEpoch)
		b.drawn = false
	}
}

// writerIsTerminal reports whether w is a terminal.
func writerIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

func (b *trainBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

// useStoredRuns points tc at the runs of --runs: split in order into
// training, validation and calibration runs, with soldiers, duration and
// world read from them.
func useStoredRuns(ctx context.Context, tc *training.Config, list string, log io.Writer) error {
	rs, err := openStoredRuns(ctx, list)
	if err != nil {
		return err
	}
	if want := tc.TrainRuns + tc.ValRuns + tc.CalibRuns; len(rs) != want || tc.TrainRuns < 1 || tc.ValRuns < 1 || tc.CalibRuns < 1 {
		return fmt.Errorf("--runs: %d runs for %d training + %d validation + %d calibration runs: give --train-runs, --val-runs and --calib-runs (each ≥ 1) that add up to %d",
			len(rs), tc.TrainRuns, tc.ValRuns, tc.CalibRuns, len(rs))
	}
	st := &training.StoredRuns{}
	tc.Soldiers, tc.Duration = 0, 0
	for i, r := range rs {
		switch {
		case i < tc.TrainRuns:
			st.Train = append(st.Train, r.StoredRun)
		case i < tc.TrainRuns+tc.ValRuns:
			st.Val = append(st.Val, r.StoredRun)
		default:
			st.Calib = append(st.Calib, r.StoredRun)
		}
		tc.Soldiers, tc.Duration = max(tc.Soldiers, r.soldiers), max(tc.Duration, r.span)
		if r.cfg != nil && i == 0 {
			w := r.cfg.World
			tc.World = &w
		}
		if r.cfg != nil && tc.World != nil && r.cfg.World != *tc.World {
			fmt.Fprintf(log, "warning: run %s was simulated in another sensor world than the first run's\n", r.Name)
		}
		fmt.Fprintf(log, "run %s: %d soldiers, %v\n", r.Name, r.soldiers, r.span)
	}
	tc.Stored = st
	return nil
}
