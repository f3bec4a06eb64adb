package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/series"
)

// evalCSVFlags are the flags of the eval-csv mode; the detector flags are
// score's.
type evalCSVFlags struct {
	scoreFlags
	labelCol         string
	scored           bool
	sweep, calibrate bool
	folds            int
}

// evalFile is one labelled series: its table (the value columns to score),
// row times (a row without a readable time carries the last good one),
// labels and, with --scored, the alerts already in the file.
type evalFile struct {
	name  string
	tab   *series.Table
	times []time.Time
	label []bool
	alert []bool
}

// runEvalCSV runs the eval-csv mode: flags, then the files under --dir,
// then the measurement the flags ask for.
func runEvalCSV(ctx context.Context, args []string, e env) error {
	c := newCommand("eval-csv", "chakra-tui eval-csv --dir DIR [--label-col stress] [--detector hr] [--sweep | --calibrate | --folds K]",
		"Score every CSV under DIR with a detector (or read the alert column of files written by score, --scored) and\n"+
			"measure its alerts against a 0/1 label column by the onset rules of docs/realhr.md: onset recall within\n"+
			"[-10 s, +120 s], alerts debounced over 60 s, false alerts per eligible hour. --sweep prints the curve over\n"+
			"the detector's setting, --calibrate the hr threshold per false-alert rate, --folds K the leave-participants-out\n"+
			"selection of the setting (chosen on the other folds, reported on each left-out fold).", e.stderr)
	f := addEvalCSVFlags(c)
	files, err := parseInterspersed(c, args)
	if err != nil {
		return err
	}
	if err := f.check(files); err != nil {
		return err
	}
	data, err := loadEvalFiles(*f)
	if err != nil {
		return err
	}
	return f.run(ctx, e, data)
}

// addEvalCSVFlags defines eval-csv's flags on c.
func addEvalCSVFlags(c *command) *evalCSVFlags {
	f := &evalCSVFlags{}
	c.fs.StringVar(&f.dir, "dir", "", "folder of labelled CSV files (recursively)")
	c.example("dir", "../shared/realhr/stress_predict_dev")
	c.fs.StringVar(&f.labelCol, "label-col", "stress", "label column: 1 inside an episode to detect, 0 elsewhere")
	c.example("label-col", "stress")
	c.fs.StringVar(&f.timeCol, "time-col", "", "time column name (default as score)")
	c.example("time-col", "timestamp")
	c.fs.StringVar(&f.valueCol, "value-col", "", "value column(s) to score (default as score, without the label column)")
	c.example("value-col", "heart_rate")
	c.fs.StringVar(&f.detector, "detector", "auto", "detector, as score's --detector")
	c.example("detector", "robustz")
	c.fs.Float64Var(&f.faPerHour, "false-alerts-per-hour", 1, "hr: calibrated false-alert rate; with --folds, the most false alerts per hour a setting may have on the training folds")
	c.example("false-alerts-per-hour", "1")
	c.fs.Float64Var(&f.threshold, "threshold", 0, "as score's --threshold")
	c.example("threshold", "2.5")
	c.fs.IntVar(&f.window, "window", 6400, "as score's --window")
	c.example("window", "6400")
	c.fs.Float64Var(&f.fitFraction, "fit-fraction", 0.15, "as score's --fit-fraction")
	c.example("fit-fraction", "0.15")
	c.fs.IntVar(&f.fitMax, "fit-max", 750, "as score's --fit-max")
	c.example("fit-max", "750")
	c.fs.Uint64Var(&f.seed, "seed", 1, "as score's --seed")
	c.example("seed", "1")
	c.fs.IntVar(&f.jobs, "jobs", 0, "files scored at once (default GOMAXPROCS)")
	c.example("jobs", "1")
	c.fs.BoolVar(&f.scored, "scored", false, "take the alerts from each file's alert column (files written by score) instead of running a detector")
	c.example("scored", "true")
	c.fs.BoolVar(&f.sweep, "sweep", false, "print recall, delay and false alerts per hour over the detector's setting (hr: --false-alerts-per-hour; robustz: --threshold)")
	c.example("sweep", "true")
	c.fs.BoolVar(&f.calibrate, "calibrate", false, "hr (or hrown): print the false-alert rate per threshold and the calibration table")
	c.example("calibrate", "true")
	c.fs.IntVar(&f.folds, "folds", 0, "leave-participants-out: file i is in fold i mod K; each fold's setting is chosen on the other folds")
	c.example("folds", "17")
	return f
}

// check refuses arguments (files) and combinations of flags eval-csv does
// not take.
func (f *evalCSVFlags) check(files []string) error {
	switch {
	case len(files) > 0:
		return fmt.Errorf("eval-csv: unexpected argument %q (give the folder with --dir)", files[0])
	case f.dir == "":
		return errors.New("eval-csv: give --dir DIR (see chakra-tui eval-csv --help)")
	case f.folds == 1 || f.folds < 0:
		return fmt.Errorf("eval-csv: --folds %d: want 0 (off) or at least 2", f.folds)
	case f.scored && (f.sweep || f.calibrate || f.folds > 0):
		return errors.New("eval-csv: --scored measures the alerts as they are; it has no setting to sweep, calibrate or fold")
	}
	return nil
}

// run measures the loaded files' alerts by the onset rules in the mode the
// flags ask for: the alert column (--scored), --calibrate, --sweep,
// --folds, or else the detector's alerts per file.
func (f *evalCSVFlags) run(ctx context.Context, e env, data []evalFile) error {
	rules := series.StressPredictRules()
	switch {
	case f.scored:
		res := make([]series.OnsetResult, len(data))
		for i, d := range data {
			res[i] = rules.Evaluate(d.times, d.label, d.alert)
		}
		return printPerFile(e.stdout, "alert column", data, res)
	case f.calibrate:
		return runCalibrate(ctx, e.stdout, *f, data, rules)
	case f.sweep:
		return runSweep(ctx, e.stdout, *f, data, rules)
	case f.folds > 0:
		return runFolds(ctx, e.stdout, *f, data, rules)
	}
	fac, err := scoreFactory(f.scoreFlags)
	if err != nil {
		return err
	}
	res, err := evalAll(ctx, f.jobs, data, fac, rules)
	if err != nil {
		return err
	}
	return printPerFile(e.stdout, fac.Name, data, res)
}

// loadEvalFiles reads every CSV under f.dir with its labels (and alerts
// with --scored).
func loadEvalFiles(f evalCSVFlags) ([]evalFile, error) {
	names, err := series.ListCSV(f.dir, "")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("eval-csv %s: %w", f.dir, series.ErrNoFiles)
	}
	var out []evalFile
	for _, n := range names {
		ef, err := loadEvalFile(filepath.Join(f.dir, filepath.FromSlash(n)), f)
		if err != nil {
			return nil, err
		}
		ef.name = n
		out = append(out, ef)
	}
	return out, nil
}

func loadEvalFile(path string, f evalCSVFlags) (evalFile, error) {
	if f.scored {
		return readScored(path, f.timeCol, f.labelCol)
	}
	var time []series.ReadOption
	if f.timeCol != "" {
		time = append(time, series.WithTimeColumn(f.timeCol))
	}
	lab, err := series.ReadFile(path, append(slices.Clone(time), series.WithValueColumns(f.labelCol))...)
	if err != nil {
		return evalFile{}, fmt.Errorf("read labels: %w", err)
	}
	ef := evalFile{times: carryTimes(lab), label: make([]bool, lab.Rows())}
	for i, v := range lab.Values[0] {
		ef.label[i] = v >= 0.5
	}
	read := slices.Clone(time)
	if f.valueCol != "" {
		read = append(read, series.WithValueColumns(splitList(f.valueCol)...))
	}
	ef.tab, err = series.ReadFile(path, read...)
	if err != nil {
		return evalFile{}, err
	}
	if f.valueCol == "" {
		dropColumn(ef.tab, f.labelCol)
	}
	if len(ef.tab.ValueCols) == 0 {
		return evalFile{}, fmt.Errorf("read %s: no value column besides the label %q", path, f.labelCol)
	}
	return ef, nil
}

// readScored reads a file written by score: its times (the time column
// as score finds it; a row whose time does not parse carries the last good
// one), its label column and its alert column (a cell ≥ 0.5 is true).
func readScored(path, timeCol, labelCol string) (evalFile, error) {
	fh, err := os.Open(path)
	if err != nil {
		return evalFile{}, fmt.Errorf("open scored file: %w", err)
	}
	defer fh.Close()
	cr := csv.NewReader(bufio.NewReader(fh))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return evalFile{}, fmt.Errorf("read %s: %w", path, err)
	}
	if len(rows) < 2 {
		return evalFile{}, fmt.Errorf("read %s: no rows", path)
	}
	col := func(names ...string) int { return headerColumn(rows[0], names...) }
	tc := 0
	if timeCol != "" {
		tc = col(timeCol)
	} else if c := col("timestamp", "time", "datetime", "date", "ts"); c >= 0 {
		tc = c
	}
	lc, ac := col(labelCol), col(series.AlertColumn)
	switch {
	case tc < 0:
		return evalFile{}, fmt.Errorf("read %s: no time column %q", path, timeCol)
	case lc < 0:
		return evalFile{}, fmt.Errorf("read %s: no label column %q", path, labelCol)
	case ac < 0:
		return evalFile{}, fmt.Errorf("read %s: no %s column (score's output has one)", path, series.AlertColumn)
	}
	ef := evalFile{}
	var last time.Time
	for _, rec := range rows[1:] {
		if tc < len(rec) {
			if t, err := series.ParseTime(rec[tc]); err == nil {
				last = t
			}
		}
		ef.times = append(ef.times, last)
		ef.label = append(ef.label, flagCell(rec, lc))
		ef.alert = append(ef.alert, flagCell(rec, ac))
	}
	return ef, nil
}

// headerColumn returns the index in header of the first of names found
// (case and surrounding space ignored, and a byte-order mark), or −1.
func headerColumn(header []string, names ...string) int {
	for _, n := range names {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), n) {
				return i
			}
		}
	}
	return -1
}

// flagCell reports whether cell i of rec holds a number ≥ 0.5 (false when
// missing or not a number).
func flagCell(rec []string, i int) bool {
	if i >= len(rec) {
		return false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
	return err == nil && v >= 0.5
}

// dropColumn removes the value column named name (any case) from t.
func dropColumn(t *series.Table, name string) {
	for c := len(t.ValueCols) - 1; c >= 0; c-- {
		if strings.EqualFold(t.Header[t.ValueCols[c]], name) {
			t.ValueCols = slices.Delete(t.ValueCols, c, c+1)
			t.Values = slices.Delete(t.Values, c, c+1)
		}
	}
}

// carryTimes returns each row's time, the last good one for a row whose
// time did not parse (as Run passes them to the detectors).
func carryTimes(t *series.Table) []time.Time {
	out := make([]time.Time, t.Rows())
	var last time.Time
	for i := range out {
		if t.TimeOK[i] {
			last = t.Times[i]
		}
		out[i] = last
	}
	return out
}

// evalAll scores every file with fac and applies the rules, files in
// parallel.
func evalAll(ctx context.Context, jobs int, data []evalFile, fac series.Factory, rules series.OnsetRules) ([]series.OnsetResult, error) {
	res := make([]series.OnsetResult, len(data))
	g, gctx := errgroup.WithContext(ctx)
	if jobs > 0 {
		g.SetLimit(jobs)
	} else {
		g.SetLimit(2)
	}
	for i, d := range data {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			s, err := series.Run(d.tab, fac)
			if err != nil {
				return err
			}
			res[i] = rules.Evaluate(d.times, d.label, s.Alert)
			return nil
		})
	}
	return res, g.Wait()
}

// sum adds the results of the files in idx (all when idx is nil).
func sum(res []series.OnsetResult, idx []int) series.OnsetResult {
	var t series.OnsetResult
	if idx == nil {
		for _, r := range res {
			t = t.Add(r)
		}
		return t
	}
	for _, i := range idx {
		t = t.Add(res[i])
	}
	return t
}

// delayText is the median delay in whole seconds, or "-".
func delayText(r series.OnsetResult) string {
	d, ok := r.MedianDelay()
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}

func printPerFile(w io.Writer, name string, data []evalFile, res []series.OnsetResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "file\tonsets\tdetected\tdelays\tevents\tfalse\teligible h\tfalse/h\t\n")
	for i, d := range data {
		r := res[i]
		var ds []string
		for _, x := range r.Delays {
			ds = append(ds, fmt.Sprintf("%.0f", x.Seconds()))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%d\t%.2f\t%.2f\t\n", d.name, r.Onsets, r.Detected, strings.Join(ds, " "), r.Events, r.FalseAlerts, r.Eligible.Hours(), r.FalsePerHour())
	}
	t := sum(res, nil)
	fmt.Fprintf(tw, "all\t%d\t%d\t\t%d\t%d\t%.2f\t%.2f\t\n", t.Onsets, t.Detected, t.Events, t.FalseAlerts, t.Eligible.Hours(), t.FalsePerHour())
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	_, err := fmt.Fprintf(w, "%s: onset recall %.3f (%d of %d), median delay %s, %.2f false alerts per hour (%d in %.2f h)\n",
		name, t.Recall(), t.Detected, t.Onsets, delayText(t), t.FalsePerHour(), t.FalseAlerts, t.Eligible.Hours())
	return err
}

// setting is one value of a detector's tuned setting.
type setting struct {
	label string
	fac   series.Factory
}

// sweepSettings returns the settings --sweep walks for the flags' detector:
// the false-alert rate for hr (and auto), the threshold for robustz.
func sweepSettings(f evalCSVFlags) ([]setting, error) {
	var out []setting
	switch f.detector {
	case "hr", "auto":
		for _, r := range []float64{0.25, 0.5, 1, 2, 4, 8} {
			g := f.scoreFlags
			g.faPerHour = r
			fac, err := scoreFactory(g)
			if err != nil {
				return nil, err
			}
			out = append(out, setting{fmt.Sprintf("false-alerts-per-hour %g (K %.2f)", r, series.HRThreshold(r)), fac})
		}
	case "hrown":
		for _, r := range []float64{0.25, 0.5, 1, 2, 4, 8} {
			g := f.scoreFlags
			g.faPerHour = r
			fac, err := hrOwnFactory(g)
			if err != nil {
				return nil, err
			}
			out = append(out, setting{fmt.Sprintf("false-alerts-per-hour %g (K %.2f)", r, series.OwnThreshold(r)), fac})
		}
	case "robustz":
		for _, k := range []float64{2, 2.5, 3, 3.5, 4, 5, 6, 8} {
			out = append(out, setting{fmt.Sprintf("threshold %g", k), series.RobustZFactory(series.WithRobustZ(300, k))})
		}
	default:
		return nil, fmt.Errorf("eval-csv: --sweep knows hr, auto, hrown and robustz, not %q", f.detector)
	}
	return out, nil
}

// variant is one form of a detector whose threshold K is calibrated per
// false-alert rate: a label and a factory per K of its grid.
type variant struct {
	label string
	ks    []float64 // ascending
	fac   func(k float64) series.Factory
}

// foldVariants returns the forms --folds chooses among: for hr, the level
// window (10, 20, 40 rows) and the smallest rise (3, 5, 8 bpm), each over
// the hr threshold grid; for hrown, the history's quantile (0.95, 0.98,
// 0.99, 1: the largest) and its factor C (1, 1.25), each over the same
// grid of the smallest threshold K; for robustz, its 300-row window over
// thresholds 1.5 … 12.
func foldVariants(detector string) ([]variant, error) {
	var out []variant
	switch detector {
	case "hr", "auto":
		for _, short := range []int{10, 20, 40} {
			for _, rise := range []float64{3, 5, 8} {
				out = append(out, variant{fmt.Sprintf("level %d s, min rise %g bpm", short, rise), hrKs(), func(k float64) series.Factory {
					return series.HRFactory(series.WithHRThreshold(k), series.WithHRWindows(short, 300), series.WithMinRise(rise))
				}})
			}
		}
	case "hrown":
		for _, q := range []float64{0.95, 0.98, 0.99, 1} {
			for _, c := range []float64{1, 1.25} {
				out = append(out, variant{fmt.Sprintf("quantile %g, C %g", q, c), hrKs(), func(k float64) series.Factory {
					p := series.DefaultOwnParams()
					p.Quantile, p.C, p.K = q, c, k
					return series.HROwnFactory(p)
				}})
			}
		}
	case "hrcusum":
		var hs []float64
		for h := 2.0; h <= 400; h *= 1.2 {
			hs = append(hs, h)
		}
		for _, short := range []int{5, 10, 20} {
			for _, long := range []int{180, 300, 600} {
				for _, drift := range []float64{1, 2, 3} {
					out = append(out, variant{fmt.Sprintf("level %d s, baseline %d s, drift %g", short, long, drift), hs, func(h float64) series.Factory {
						p := series.DefaultCusumParams()
						p.Short, p.Long, p.Warmup, p.Drift, p.H = short, long, min(200, long), drift, h
						return series.HRCusumFactory(p)
					}})
				}
			}
		}
	case "robustz":
		var ks []float64
		for i := 6; i <= 48; i++ {
			ks = append(ks, float64(i)/4)
		}
		out = append(out, variant{"window 300", ks, func(k float64) series.Factory {
			return series.RobustZFactory(series.WithRobustZ(300, k))
		}})
	default:
		return nil, fmt.Errorf("eval-csv: --folds knows hr, hrown, hrcusum and robustz, not %q", detector)
	}
	return out, nil
}

func runSweep(ctx context.Context, w io.Writer, f evalCSVFlags, data []evalFile, rules series.OnsetRules) error {
	set, err := sweepSettings(f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s setting\trecall\tdetected\tmedian delay\tfalse/h\tfalse\n", f.detector)
	for _, s := range set {
		res, err := evalAll(ctx, f.jobs, data, s.fac, rules)
		if err != nil {
			return err
		}
		t := sum(res, nil)
		fmt.Fprintf(tw, "%s\t%.3f\t%d/%d\t%s\t%.2f\t%d\n", s.label, t.Recall(), t.Detected, t.Onsets, delayText(t), t.FalsePerHour(), t.FalseAlerts)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// calibrationRates are the false-alert rates --calibrate reports a
// threshold for (the rows of series' calibration table).
var calibrationRates = []float64{0.25, 0.5, 1, 2, 4, 8}

// hrKs is the threshold grid --calibrate and --folds walk for hr: 1 to 12
// in steps of 0.25.
func hrKs() []float64 {
	var ks []float64
	for i := 4; i <= 48; i++ {
		ks = append(ks, float64(i)/4)
	}
	return ks
}

// thresholdFor returns the smallest K of ks (ascending) such that it and
// every larger K have at most rate false alerts per hour, and false when
// none has.
func thresholdFor(ks, perHour []float64, rate float64) (float64, bool) {
	best, ok := 0.0, false
	for i := len(ks) - 1; i >= 0; i-- {
		if perHour[i] > rate {
			break
		}
		best, ok = ks[i], true
	}
	return best, ok
}

func runCalibrate(ctx context.Context, w io.Writer, f evalCSVFlags, data []evalFile, rules series.OnsetRules) error {
	ks := hrKs()
	perHour := make([]float64, len(ks))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "K\trecall\tmedian delay\tfalse/h\n")
	for i, k := range ks {
		fac := series.HRFactory(series.WithHRThreshold(k))
		if f.detector == "hrown" {
			p := series.DefaultOwnParams()
			p.K = k
			fac = series.HROwnFactory(p)
		}
		res, err := evalAll(ctx, f.jobs, data, fac, rules)
		if err != nil {
			return err
		}
		t := sum(res, nil)
		perHour[i] = t.FalsePerHour()
		fmt.Fprintf(tw, "%.2f\t%.3f\t%s\t%.2f\n", k, t.Recall(), delayText(t), perHour[i])
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	fmt.Fprintln(w, "calibration (rate → smallest K at or below that rate from there on):")
	for _, r := range calibrationRates {
		if k, ok := thresholdFor(ks, perHour, r); ok {
			fmt.Fprintf(w, "\t{%g, %.2f},\n", r, k)
		} else {
			fmt.Fprintf(w, "\t// %g: no K up to %.2f reaches it\n", r, ks[len(ks)-1])
		}
	}
	return nil
}

// pick calibrates every variant on the files idx and chooses among them:
// each variant's K is the smallest of its grid at or below rate false
// alerts per hour over idx from there on (thresholdFor, as --calibrate
// does), and the variant with the highest recall over idx at its K wins
// (ties: fewer false alerts per hour, then shorter median delay, then the
// earlier variant). res[v][k] holds variant v's per-file results at its
// k-th threshold. When no variant reaches the rate, each is taken at its
// largest K and the one with the fewest false alerts per hour wins;
// qualified is then false.
func pick(res [][][]series.OnsetResult, vs []variant, idx []int, rate float64) (v, k int, qualified bool) {
	better := func(t, bt series.OnsetResult, byRate bool) bool {
		if byRate && t.FalsePerHour() != bt.FalsePerHour() {
			return t.FalsePerHour() < bt.FalsePerHour()
		}
		if t.Recall() != bt.Recall() {
			return t.Recall() > bt.Recall()
		}
		if t.FalsePerHour() != bt.FalsePerHour() {
			return t.FalsePerHour() < bt.FalsePerHour()
		}
		d, _ := t.MedianDelay()
		bd, _ := bt.MedianDelay()
		return d < bd
	}
	v, k = -1, -1
	var bt series.OnsetResult
	for i, va := range vs {
		perHour := make([]float64, len(va.ks))
		for j := range va.ks {
			perHour[j] = sum(res[i][j], idx).FalsePerHour()
		}
		kv, ok := thresholdFor(va.ks, perHour, rate)
		if !ok {
			continue
		}
		j := slices.Index(va.ks, kv)
		if t := sum(res[i][j], idx); v < 0 || better(t, bt, false) {
			v, k, bt = i, j, t
		}
	}
	if v >= 0 {
		return v, k, true
	}
	for i, va := range vs {
		j := len(va.ks) - 1
		if t := sum(res[i][j], idx); v < 0 || better(t, bt, true) {
			v, k, bt = i, j, t
		}
	}
	return v, k, false
}

func runFolds(ctx context.Context, w io.Writer, f evalCSVFlags, data []evalFile, rules series.OnsetRules) error {
	vs, err := foldVariants(f.detector)
	if err != nil {
		return err
	}
	return runFoldsOver(ctx, w, f, data, rules, vs)
}

// runFoldsOver is runFolds over the variants vs.
func runFoldsOver(ctx context.Context, w io.Writer, f evalCSVFlags, data []evalFile, rules series.OnsetRules, vs []variant) error {
	var err error
	nf := min(f.folds, len(data))
	res := make([][][]series.OnsetResult, len(vs))
	for i, va := range vs {
		res[i] = make([][]series.OnsetResult, len(va.ks))
		for j, k := range va.ks {
			if res[i][j], err = evalAll(ctx, f.jobs, data, va.fac(k), rules); err != nil {
				return err
			}
		}
	}
	label := func(v, k int, qualified bool) string {
		l := fmt.Sprintf("%s, K %.2f", vs[v].label, vs[v].ks[k])
		if !qualified {
			l += fmt.Sprintf(" (none reaches %g false/h: fewest)", f.faPerHour)
		}
		return l
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "fold\tleft out\tchosen on the other folds\ttrain recall\ttrain false/h\trecall\tdetected\tmedian delay\tfalse/h\tfalse\n")
	var pooled series.OnsetResult
	for fold := range nf {
		var train, test []int
		var names []string
		for i := range data {
			if i%nf == fold {
				test = append(test, i)
				names = append(names, strings.TrimSuffix(filepath.Base(data[i].name), filepath.Ext(data[i].name)))
			} else {
				train = append(train, i)
			}
		}
		v, k, qualified := pick(res, vs, train, f.faPerHour)
		tr, te := sum(res[v][k], train), sum(res[v][k], test)
		pooled = pooled.Add(te)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.3f\t%.2f\t%.3f\t%d/%d\t%s\t%.2f\t%d\n", fold+1, strings.Join(names, " "), label(v, k, qualified),
			tr.Recall(), tr.FalsePerHour(), te.Recall(), te.Detected, te.Onsets, delayText(te), te.FalsePerHour(), te.FalseAlerts)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	all := make([]int, len(data))
	for i := range all {
		all[i] = i
	}
	v, k, qualified := pick(res, vs, all, f.faPerHour)
	t := sum(res[v][k], all)
	fmt.Fprintf(w, "chosen on all files (in-sample; what the defaults are): %s: recall %.3f, median delay %s, %.2f false alerts per hour\n",
		label(v, k, qualified), t.Recall(), delayText(t), t.FalsePerHour())
	_, err = fmt.Fprintf(w, "%s, %d folds, left-out files pooled: onset recall %.3f (%d of %d), median delay %s, %.2f false alerts per hour (%d in %.2f h)\n",
		f.detector, nf, pooled.Recall(), pooled.Detected, pooled.Onsets, delayText(pooled), pooled.FalsePerHour(), pooled.FalseAlerts, pooled.Eligible.Hours())
	return err
}
