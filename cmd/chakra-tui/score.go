package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/evaluation/series"
)

// scoreFlags are the flags of the score mode.
type scoreFlags struct {
	out, dir, timeCol, valueCol, detector string
	window, jobs, fitMax                  int
	fitFraction, faPerHour, threshold     float64
	seed                                  uint64
	quiet, progress                       bool
}

func runScore(ctx context.Context, args []string, e env) error {
	c := newCommand("score", "chakra-tui score [flags] FILE.csv [flags] | chakra-tui score [flags] --dir DIR --out OUT",
		"Score a CSV time series row by row (each row only from the rows before it) and write the rows back with\n"+
			"anomaly_score (0..1, full precision) and alert (0/1, the detector's own threshold). With --dir, score every\n"+
			"CSV under DIR in parallel into the same layout under --out. See docs/nab.md.", e.stderr)
	var f scoreFlags
	c.fs.StringVar(&f.out, "out", "", "output file (FILE mode; default stdout) or output folder (--dir mode)")
	c.example("out", "/tmp/scored")
	c.fs.StringVar(&f.dir, "dir", "", "score every .csv under this folder (recursively)")
	c.example("dir", "../shared/nab/data")
	c.fs.StringVar(&f.timeCol, "time-col", "", "time column name (default: timestamp, time, datetime, date, ts, else the first column)")
	c.example("time-col", "timestamp")
	c.fs.StringVar(&f.valueCol, "value-col", "", "value column(s) to score, comma-separated (default: value, else every numeric column)")
	c.example("value-col", "value")
	c.fs.StringVar(&f.detector, "detector", "auto", "detector: auto (hr for heart rate, else tft), hr, hrown, hrcusum, tft, tft-only, robustz, zscore, zscore+likelihood, zscore+likelihood+range, vitals (docs/nab.md, docs/realhr.md)")
	c.example("detector", "zscore+likelihood")
	c.fs.Float64Var(&f.faPerHour, "false-alerts-per-hour", 1, "hr: false alerts per hour the detector is calibrated for (docs/realhr.md)")
	c.example("false-alerts-per-hour", "0.5")
	c.fs.Float64Var(&f.threshold, "threshold", 0, "hr: threshold on rise/spread, overriding --false-alerts-per-hour; hrown: its smallest threshold K; hrcusum: the sum that alerts (default 190.8); robustz: threshold on z (default 4)")
	c.example("threshold", "2.5")
	c.fs.IntVar(&f.window, "window", 6400, "rolling window of the z-score detector, rows")
	c.example("window", "6400")
	c.fs.IntVar(&f.jobs, "jobs", 0, "files scored at once in --dir mode (default: GOMAXPROCS)")
	c.example("jobs", "2")
	c.fs.Float64Var(&f.fitFraction, "fit-fraction", 0.15, "tft: leading fraction of each file the model is trained on (NAB's probationary fraction)")
	c.example("fit-fraction", "0.15")
	c.fs.IntVar(&f.fitMax, "fit-max", 750, "tft: cap on the rows trained on (750: NAB's cap on its probationary period; -1: no cap)")
	c.example("fit-max", "750")
	c.fs.Uint64Var(&f.seed, "seed", 1, "tft: training seed")
	c.example("seed", "1")
	c.fs.BoolVar(&f.quiet, "quiet", false, "print no warnings about the input (values that are not numbers, unreadable or backward timestamps, unix-time guesses)")
	c.example("quiet", "true")
	c.fs.BoolVar(&f.progress, "progress", false, "show how far each file is on stderr even when stderr is not a terminal (on a terminal it is always shown)")
	c.example("progress", "true")
	files, err := parseInterspersed(c, args)
	if err != nil {
		return err
	}
	fac, err := scoreFactory(f)
	if err != nil {
		return err
	}
	var read []series.ReadOption
	if f.timeCol != "" {
		read = append(read, series.WithTimeColumn(f.timeCol))
	}
	if f.valueCol != "" {
		read = append(read, series.WithValueColumns(splitList(f.valueCol)...))
	}
	switch {
	case f.dir != "" && len(files) > 0:
		return errors.New("score: give FILE.csv or --dir, not both")
	case f.dir != "":
		if f.out == "" {
			return errors.New("score: --dir needs --out (the folder for the results)")
		}
		return scoreDir(ctx, f, fac, read, e)
	case len(files) == 1:
		return scoreOne(files[0], f, fac, read, e)
	case len(files) > 1:
		return fmt.Errorf("score: give one FILE.csv, not %d (%s); for many, put them in a folder and use --dir DIR --out OUT", len(files), strings.Join(files, " "))
	default:
		return errors.New("score: give one FILE.csv, or --dir DIR --out OUT (see chakra-tui score --help)")
	}
}

// parseInterspersed parses args with flags before, between or after the
// positional arguments (score FILE --out X), as users of Unix tools expect;
// everything after "--" is positional. It returns the positional
// arguments. A bad flag is a one-line error pointing to --help rather than
// the whole usage; --help prints the usage and returns flag.ErrHelp.
func parseInterspersed(c *command, args []string) ([]string, error) {
	usage, out := c.fs.Usage, c.fs.Output()
	c.fs.Usage = func() {}
	c.fs.SetOutput(io.Discard)
	var flags, pos []string
	rest := args
	for {
		err := c.fs.Parse(rest)
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w (see chakra-tui %s --help)", c.name, err, c.name)
		}
		left := c.fs.Args()
		used := len(rest) - len(left)
		flags = append(flags, rest[:used]...)
		if len(left) == 0 {
			break
		}
		if used > 0 && rest[used-1] == "--" {
			pos = append(pos, left...)
			break
		}
		pos, rest = append(pos, left[0]), left[1:]
	}
	c.fs.Usage = usage
	c.fs.SetOutput(out)
	// Parse once more in the usual order, so the environment fills the
	// flags not given, as in every other mode.
	if err := c.parse(append(flags, "--")); err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return pos, nil
}

// scoreFactory builds the detector named by the flags.
func scoreFactory(f scoreFlags) (series.Factory, error) {
	switch f.detector {
	case "zscore":
		return series.ZScoreFactory(series.WithWindow(f.window)), nil
	case "zscore+likelihood", "likelihood":
		return series.LikelihoodFactory("zscore+likelihood", func(series.Info) (series.RawScorer, error) {
			return series.NewZScore(series.WithWindow(f.window)), nil
		}), nil
	case "zscore+likelihood+range":
		return series.ZScoreRangeFactory(), nil
	case "tft", "tft-only":
		if !(f.fitFraction > 0 && f.fitFraction < 1) {
			return series.Factory{}, fmt.Errorf("score: --fit-fraction %v not in (0, 1)", f.fitFraction)
		}
		// One training goroutine per file in both modes, so a file scores
		// the same alone as in a folder (training is deterministic for a
		// seed and a worker count).
		cfg := series.TFTConfig{FitFraction: f.fitFraction, FitMax: f.fitMax, Seed: f.seed}
		if f.detector == "tft-only" {
			return series.TFTOnlyFactory(cfg), nil
		}
		return series.TFTFactory(cfg), nil
	case "vitals":
		return series.VitalsFactory(func() (detector.Scorer, error) { return detector.Default() }), nil
	case "hr":
		return hrFactory(f)
	case "hrown":
		return hrOwnFactory(f)
	case "hrcusum":
		p := series.DefaultCusumParams()
		if f.threshold < 0 || math.IsNaN(f.threshold) {
			return series.Factory{}, fmt.Errorf("score: --threshold %v is negative", f.threshold)
		}
		if f.threshold > 0 {
			p.H = f.threshold
		}
		return series.HRCusumFactory(p), nil
	case "robustz":
		k := f.threshold
		if k == 0 {
			k = 4
		}
		if !(k > 0) {
			return series.Factory{}, fmt.Errorf("score: --threshold %v not > 0", f.threshold)
		}
		return series.RobustZFactory(series.WithRobustZ(300, k)), nil
	case "auto":
		hr, err := hrFactory(f)
		if err != nil {
			return series.Factory{}, err
		}
		tft := f
		tft.detector = "tft"
		other, err := scoreFactory(tft)
		if err != nil {
			return series.Factory{}, err
		}
		return series.AutoFactory(hr, other), nil
	}
	return series.Factory{}, fmt.Errorf("score: unknown --detector %q (want auto, hr, hrown, hrcusum, tft, tft-only, robustz, zscore, zscore+likelihood, zscore+likelihood+range or vitals)", f.detector)
}

// hrOwnFactory builds the per-person-threshold heart-rate detector from
// --false-alerts-per-hour and --threshold (its smallest threshold K).
func hrOwnFactory(f scoreFlags) (series.Factory, error) {
	if _, err := hrFactory(f); err != nil {
		return series.Factory{}, err
	}
	p := series.DefaultOwnParams()
	p.FalseAlertsPerHour, p.K = f.faPerHour, f.threshold
	return series.HROwnFactory(p), nil
}

// hrFactory builds the heart-rate detector from --false-alerts-per-hour and
// --threshold.
func hrFactory(f scoreFlags) (series.Factory, error) {
	if !(f.faPerHour > 0) {
		return series.Factory{}, fmt.Errorf("score: --false-alerts-per-hour %v not > 0", f.faPerHour)
	}
	if f.threshold < 0 || math.IsNaN(f.threshold) {
		return series.Factory{}, fmt.Errorf("score: --threshold %v is negative", f.threshold)
	}
	return series.HRFactory(series.WithFalseAlertsPerHour(f.faPerHour), series.WithHRThreshold(f.threshold)), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// scoreOne scores one file to f.out, or to stdout when that is empty. The
// input's warnings go to stderr, one line each, before scoring starts.
func scoreOne(in string, f scoreFlags, fac series.Factory, read []series.ReadOption, e env) error {
	t, err := series.ReadFile(in, read...)
	if err != nil {
		return err
	}
	if !f.quiet {
		printWarnings(e.stderr, t.Warnings())
	}
	var progress func(done, total int)
	tty := isTerminal(e.stderr)
	if tty || f.progress {
		rows := newRowMeter(tty)
		progress = func(done, total int) {
			if line, ok := rows.update(series.RowProgress{File: in, Done: done, Rows: total}); ok {
				if tty {
					line = "\r\x1b[2K" + fitWidth(strings.TrimPrefix(line, "\r\x1b[2K"), e.stderr)
				}
				fmt.Fprint(e.stderr, line)
			}
		}
	}
	s, err := series.RunProgress(t, fac, progress)
	if tty && progress != nil {
		fmt.Fprint(e.stderr, "\r\x1b[2K")
	}
	if err != nil {
		return err
	}
	if f.out != "" {
		return series.WriteFile(f.out, t, s)
	}
	return series.Write(e.stdout, t, s)
}

// printWarnings writes each warning on its own line.
func printWarnings(w io.Writer, warnings []string) {
	for _, s := range warnings {
		fmt.Fprintf(w, "chakra-tui: warning: %s\n", s)
	}
}

// scoreDir scores a folder, drawing a progress bar on a terminal and plain
// lines otherwise.
func scoreDir(ctx context.Context, f scoreFlags, fac series.Factory, read []series.ReadOption, e env) error {
	start := time.Now()
	tty := isTerminal(e.stderr)
	failed := 0
	rows := newRowMeter(tty)
	done, total := 0, 0
	progress := func(p series.Progress) {
		done, total = p.Done, p.Total
		rows.finish(p.File)
		if p.Err != nil {
			failed++
			if tty {
				fmt.Fprint(e.stderr, "\r\x1b[2K")
			}
			fmt.Fprintf(e.stderr, "failed %s: %v\n", p.File, p.Err)
		}
		if len(p.Warnings) > 0 && !f.quiet {
			if tty {
				fmt.Fprint(e.stderr, "\r\x1b[2K")
			}
			printWarnings(e.stderr, p.Warnings)
		}
		if tty {
			fmt.Fprintf(e.stderr, "\r\x1b[2K%s", fitWidth(progressBar(p.Done, p.Total, 30, time.Since(start), p.File)+rows.inFlight(), e.stderr))
			return
		}
		if p.Err == nil {
			fmt.Fprintf(e.stderr, "scored %d/%d %s\n", p.Done, p.Total, p.File)
		}
	}
	opts := []series.DirOption{series.WithProgress(progress), series.WithRead(read...)}
	if tty || f.progress {
		opts = append(opts, series.WithRowProgress(func(p series.RowProgress) {
			line, ok := rows.update(p)
			total = p.Files
			switch {
			case !ok:
			case tty:
				fmt.Fprintf(e.stderr, "\r\x1b[2K%s", fitWidth(progressBar(done, total, 30, time.Since(start), "")+rows.inFlight(), e.stderr))
			default:
				fmt.Fprint(e.stderr, line)
			}
		}))
	}
	if f.jobs > 0 {
		opts = append(opts, series.WithJobs(f.jobs))
	}
	err := series.ScoreDir(ctx, f.dir, f.out, fac, opts...)
	if tty {
		fmt.Fprintln(e.stderr)
	}
	fmt.Fprintf(e.stderr, "%s: scored %s into %s in %s", fac.Name, f.dir, f.out, time.Since(start).Round(time.Millisecond))
	if failed > 0 {
		fmt.Fprintf(e.stderr, " (%d files failed)", failed)
	}
	fmt.Fprintln(e.stderr)
	return err
}

// progressBar draws "[█████░░░░░] 12/58  3.4s  name" in width cells.
func progressBar(done, total, width int, elapsed time.Duration, name string) string {
	filled := 0
	if total > 0 {
		filled = done * width / total
	}
	return fmt.Sprintf("[%s%s] %d/%d  %s  %s", strings.Repeat("█", filled), strings.Repeat("░", width-filled),
		done, total, elapsed.Round(100*time.Millisecond), name)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// rowMeter follows the files in flight for the progress display: on a
// terminal every percentage step is drawn (inFlight lists each file's
// percentage); otherwise update returns one line per file at each tenth
// of its rows.
type rowMeter struct {
	tty   bool
	pct   map[string]int
	order []string // files in flight, in the order they started
}

func newRowMeter(tty bool) *rowMeter { return &rowMeter{tty: tty, pct: map[string]int{}} }

// update records p and returns the text to print for it, if any: on a
// terminal a redraw of the single-file line ("\r…"), otherwise a line
// "scoring FILE 40% (4128/10320 rows)" at each tenth.
func (m *rowMeter) update(p series.RowProgress) (string, bool) {
	if p.Rows <= 0 {
		return "", false
	}
	pct := p.Done * 100 / p.Rows
	old, seen := m.pct[p.File]
	if !seen {
		m.order = append(m.order, p.File)
	}
	m.pct[p.File] = pct
	if m.tty {
		return fmt.Sprintf("\r\x1b[2Kscoring %s %d%% (%d/%d rows)", p.File, pct, p.Done, p.Rows), true
	}
	if seen && pct/10 == old/10 {
		return "", false
	}
	return fmt.Sprintf("scoring %s %d%% (%d/%d rows)\n", p.File, pct, p.Done, p.Rows), true
}

// finish forgets a file that is done.
func (m *rowMeter) finish(file string) {
	delete(m.pct, file)
	m.order = slices.DeleteFunc(m.order, func(s string) bool { return s == file })
}

// inFlight lists the files in flight with their percentages, "  a.csv 40%  b.csv 3%".
func (m *rowMeter) inFlight() string {
	var b strings.Builder
	for _, f := range m.order {
		fmt.Fprintf(&b, "  %s %d%%", f, m.pct[f])
	}
	return b.String()
}

// fitWidth cuts a one-line progress display to the width of the terminal
// w (less one column, so the cursor never wraps), so that "\r" redraws it
// in place; it is left whole when the width is unknown.
func fitWidth(s string, w io.Writer) string {
	f, ok := w.(*os.File)
	if !ok {
		return s
	}
	width, _, err := term.GetSize(f.Fd())
	if err != nil || width < 2 {
		return s
	}
	r := []rune(s)
	if len(r) < width {
		return s
	}
	return string(r[:width-2]) + "…"
}
