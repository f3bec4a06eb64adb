package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/nab"
	"github.com/chakra-tui/chakra-tui/detector/evaluation/series"
)

// nabReport is the --json output of the nab mode.
type nabReport struct {
	Results  string       `json:"results"`
	Files    int          `json:"files"`
	Windows  int          `json:"windows"`
	Profiles []nabProfile `json:"profiles"`
}

// nabProfile holds one profile's two results: at the detector's own
// threshold (its alert column; absent when the results have none) and at
// NAB's threshold optimised over the corpus (in-sample).
type nabProfile struct {
	Profile   string      `json:"profile"`
	Own       *nab.Result `json:"own_threshold,omitempty"`
	Optimised nab.Result  `json:"optimised_threshold"`
}

func runNAB(ctx context.Context, args []string, e env) error {
	c := newCommand("nab", "chakra-tui nab [flags] RESULTS_DIR | chakra-tui nab --oos --data DATA [--seeds 1-5] [NAME=]RESULTS_DIR…",
		"Score a results folder (as written by `chakra-tui score --dir`, or NAB's own results layout) by the rules of\n"+
			"the Numenta Anomaly Benchmark: standard, reward_low_FP_rate and reward_low_FN_rate profiles, each at the\n"+
			"detector's own threshold (its alert column) and at NAB's optimised threshold. With --oos, every setting (which\n"+
			"candidate folder, own alerts or a threshold) is chosen on one half of the files and scored on the other. See docs/nab.md.", e.stderr)
	var dataDir, labelsPath string
	var asJSON, oos bool
	var seeds string
	c.fs.StringVar(&dataDir, "data", "", "NAB data folder (its files give the timestamps the windows refer to)")
	c.example("data", "../shared/nab/data")
	c.fs.StringVar(&labelsPath, "labels", "", "windows JSON (default: DATA/../labels/combined_windows.json)")
	c.example("labels", "../shared/nab/labels/combined_windows.json")
	c.fs.BoolVar(&asJSON, "json", false, "print the full result (per profile, category and file) as JSON")
	c.example("json", "true")
	c.fs.BoolVar(&oos, "oos", false, "out-of-sample protocol: choose the setting on one half of the files, report it on the other (RESULTS_DIR… are the candidates; {seed} in a folder is each of --seeds)")
	c.example("oos", "true")
	c.fs.StringVar(&seeds, "seeds", "1-5", "with --oos: the seeds that replace {seed} in the candidates' folders")
	c.example("seeds", "1-5")
	if err := c.parse(args); err != nil {
		return err
	}
	if oos {
		if dataDir == "" {
			return errors.New("nab: --data is required (e.g. --data ../shared/nab/data)")
		}
		if labelsPath == "" {
			labelsPath = filepath.Join(dataDir, "..", "labels", "combined_windows.json")
		}
		return runNABOOS(dataDir, labelsPath, seeds, c.fs.Args(), e)
	}
	if c.fs.NArg() != 1 {
		c.fs.Usage()
		return errors.New("nab: give one RESULTS_DIR")
	}
	if dataDir == "" {
		return errors.New("nab: --data is required (e.g. --data ../shared/nab/data)")
	}
	if labelsPath == "" {
		labelsPath = filepath.Join(dataDir, "..", "labels", "combined_windows.json")
	}
	labels, err := nab.LoadLabels(labelsPath)
	if err != nil {
		return fmt.Errorf("nab: %w", err)
	}
	run, err := series.LoadNAB(labels, dataDir, c.fs.Arg(0))
	if err != nil {
		return fmt.Errorf("nab: %w", err)
	}
	rep := nabReport{Results: c.fs.Arg(0), Files: run.Files, Windows: run.Scores.NumWindows()}
	for _, p := range nab.Profiles() {
		np := nabProfile{Profile: p.Name, Optimised: run.Scores.Optimise(p)}
		if run.Alerts != nil {
			own := run.Alerts.ScoreAt(p, 0.5)
			np.Own = &own
		}
		rep.Profiles = append(rep.Profiles, np)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return printNAB(e.stdout, rep)
}

// printNAB writes the human-readable report.
func printNAB(w io.Writer, rep nabReport) error {
	fmt.Fprintf(w, "NAB score of %s (%d files, %d windows)\n\n", rep.Results, rep.Files, rep.Windows)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "profile\tthreshold\tscore\traw\tdetected\tmissed\tfalse pos.\t")
	for _, p := range rep.Profiles {
		if p.Own != nil {
			fmt.Fprintf(tw, "%s\town (alert column)\t%s\n", p.Profile, tallyCells(p.Own.Total))
		} else {
			fmt.Fprintf(tw, "%s\town: no alert column\t\t\t\t\t\t\n", p.Profile)
		}
		fmt.Fprintf(tw, "%s\toptimised %s\t%s\n", p.Profile, thresholdText(p.Optimised.Threshold), tallyCells(p.Optimised.Total))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nown = the detector's alert column as detections; optimised = NAB's best single threshold on")
	fmt.Fprintln(w, "anomaly_score for the whole corpus, tuned on these labels (in-sample). Scores: null 0, perfect 100.")

	fmt.Fprintln(w, "\nPer category (normalised against the category's own null and perfect scores; raw when it has no windows):")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "category\tfiles\twindows\t"
	for _, p := range rep.Profiles {
		short := strings.TrimPrefix(p.Profile, "reward_")
		head += short + " own\t" + short + " opt\t"
	}
	fmt.Fprintln(tw, head)
	for ci, cat := range rep.Profiles[0].Optimised.Categories {
		line := fmt.Sprintf("%s\t%d\t%d\t", cat.Name, cat.Files, cat.Windows)
		for _, p := range rep.Profiles {
			own := "-"
			if p.Own != nil {
				own = categoryCell(p.Own.Categories[ci].Tally)
			}
			line += own + "\t" + categoryCell(p.Optimised.Categories[ci].Tally) + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

func tallyCells(t nab.Tally) string {
	return fmt.Sprintf("%.2f\t%.2f\t%d/%d\t%d\t%d\t", float64(t.Normalised), t.Raw, t.Detected, t.Windows, t.Missed, t.FP)
}

func categoryCell(t nab.Tally) string {
	if math.IsNaN(float64(t.Normalised)) {
		return fmt.Sprintf("raw %.2f", t.Raw)
	}
	return fmt.Sprintf("%.1f", float64(t.Normalised))
}

func thresholdText(th float64) string {
	if th == nab.NoDetection {
		return "(detect nothing)"
	}
	return fmt.Sprintf("≥ %.6g", th)
}
