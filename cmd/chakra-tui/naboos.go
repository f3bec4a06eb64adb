package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/nab"
	"github.com/chakra-tui/chakra-tui/detector/evaluation/series"
)

// oosCandidate is one detector whose results the out-of-sample protocol
// may choose: a name and a folder, with {seed} standing for the seed.
type oosCandidate struct{ name, pattern string }

// parseOOSCandidates reads RESULTS_DIR arguments: NAME=FOLDER or FOLDER
// (named by its last element).
func parseOOSCandidates(args []string) ([]oosCandidate, error) {
	if len(args) == 0 {
		return nil, errors.New("nab --oos: give at least one results folder (NAME=FOLDER, {seed} for the seed)")
	}
	var out []oosCandidate
	for _, a := range args {
		name, dir, ok := strings.Cut(a, "=")
		if !ok {
			dir = a
			name = strings.TrimRight(dir, "/")
			if i := strings.LastIndex(name, "/"); i >= 0 {
				name = name[i+1:]
			}
		}
		if dir == "" || name == "" {
			return nil, fmt.Errorf("nab --oos: bad candidate %q (want NAME=FOLDER or FOLDER)", a)
		}
		out = append(out, oosCandidate{name, dir})
	}
	return out, nil
}

// oosChoice is a setting the protocol can choose: a candidate at its own
// alerts (threshold NaN) or at a threshold on its anomaly_score.
type oosChoice struct {
	cand      int
	threshold float64 // NaN: the alert column
}

// oosRun is one candidate's results loaded for one seed.
type oosRun struct{ run *series.NABRun }

// score returns the result of choice ch on corpus half h (−1: all files).
func (r oosRun) score(p nab.Profile, ch oosChoice, h int) nab.Result {
	if math.IsNaN(ch.threshold) {
		return half(r.run.Alerts, h).ScoreAt(p, 0.5)
	}
	return half(r.run.Scores, h).ScoreAt(p, ch.threshold)
}

func half(c *nab.Corpus, h int) *nab.Corpus {
	if h < 0 {
		return c
	}
	return c.Half(h)
}

// choose picks the setting with the highest raw score under p on half h
// (−1: all files): for every candidate its own alerts (when it has an
// alert column) and NAB's optimised threshold on that half. Ties keep the
// earlier candidate, own alerts before a threshold.
func choose(runs []oosRun, p nab.Profile, h int) (oosChoice, float64) {
	best, bestRaw := oosChoice{cand: -1}, math.Inf(-1)
	for i, r := range runs {
		if r.run.Alerts != nil {
			if raw := half(r.run.Alerts, h).ScoreAt(p, 0.5).Total.Raw; raw > bestRaw {
				best, bestRaw = oosChoice{i, math.NaN()}, raw
			}
		}
		opt := half(r.run.Scores, h).Optimise(p)
		if opt.Total.Raw > bestRaw {
			best, bestRaw = oosChoice{i, opt.Threshold}, opt.Total.Raw
		}
	}
	return best, bestRaw
}

// oosSeedResult is one seed's figures for one profile.
type oosSeedResult struct {
	chosen   [2]oosChoice // chosen on half h, scored on the other
	oos      float64      // normalised: both held-out halves together
	inSample float64      // normalised: the choice made on all files
	own      float64      // normalised: the first candidate's alert column; NaN without one
	inChoice oosChoice
}

// runNABOOS runs the out-of-sample protocol over the candidates for each
// seed and prints per seed and the mean and range over seeds.
func runNABOOS(dataDir, labelsPath, seedList string, args []string, e env) error {
	cands, err := parseOOSCandidates(args)
	if err != nil {
		return err
	}
	seeds := []uint64{0} // 0: the folders name no seed
	if strings.Contains(strings.Join(args, " "), "{seed}") {
		if seeds, err = parseSeeds(seedList); err != nil {
			return fmt.Errorf("nab --oos: --seeds: %w", err)
		}
	}
	labels, err := nab.LoadLabels(labelsPath)
	if err != nil {
		return fmt.Errorf("nab: %w", err)
	}
	var files, windows [2]int
	for _, k := range labels.Files() {
		files[nab.HalfOf(k)]++
		windows[nab.HalfOf(k)] += len(labels[k])
	}
	profiles := nab.Profiles()
	res := make([][]oosSeedResult, len(profiles)) // [profile][seed]
	for _, seed := range seeds {
		runs := make([]oosRun, len(cands))
		for i, c := range cands {
			dir := strings.ReplaceAll(c.pattern, "{seed}", strconv.FormatUint(seed, 10))
			r, err := series.LoadNAB(labels, dataDir, dir)
			if err != nil {
				return fmt.Errorf("nab --oos: %s: %w", c.name, err)
			}
			runs[i] = oosRun{r}
		}
		total := runs[0].run.Scores.NumWindows()
		for pi, p := range profiles {
			var sr oosSeedResult
			raw := 0.0
			for h := range 2 {
				ch, _ := choose(runs, p, h)
				sr.chosen[h] = ch
				raw += runs[ch.cand].score(p, ch, 1-h).Total.Raw
			}
			sr.oos = p.Normalise(raw, total)
			sr.inChoice, _ = choose(runs, p, -1)
			sr.inSample = p.Normalise(runs[sr.inChoice.cand].score(p, sr.inChoice, -1).Total.Raw, total)
			sr.own = math.NaN()
			if runs[0].run.Alerts != nil {
				sr.own = p.Normalise(runs[0].run.Alerts.ScoreAt(p, 0.5).Total.Raw, total)
			}
			res[pi] = append(res[pi], sr)
		}
	}
	return printOOS(e.stdout, cands, seeds, profiles, res, files, windows)
}

func choiceText(cands []oosCandidate, ch oosChoice) string {
	if math.IsNaN(ch.threshold) {
		return cands[ch.cand].name + " own alerts"
	}
	return cands[ch.cand].name + " " + thresholdText(ch.threshold)
}

// meanRange formats the mean of xs with its range.
func meanRange(xs []float64) string {
	if len(xs) == 0 || math.IsNaN(xs[0]) {
		return "-"
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, x := range xs {
		lo, hi, sum = math.Min(lo, x), math.Max(hi, x), sum+x
	}
	if len(xs) == 1 {
		return fmt.Sprintf("%.2f", sum)
	}
	return fmt.Sprintf("%.2f (%.2f–%.2f)", sum/float64(len(xs)), lo, hi)
}

func printOOS(w io.Writer, cands []oosCandidate, seeds []uint64, profiles []nab.Profile, res [][]oosSeedResult, files, windows [2]int) error {
	fmt.Fprintf(w, "NAB out-of-sample: every setting chosen on one half of the files, scored on the other, both ways.\n")
	fmt.Fprintf(w, "halves by FNV-1a of the file name: half 0 %d files, %d windows; half 1 %d files, %d windows.\n", files[0], windows[0], files[1], windows[1])
	var names []string
	for _, c := range cands {
		names = append(names, c.name+"="+c.pattern)
	}
	fmt.Fprintf(w, "settings: which candidate (%s), and its own alerts or a threshold on anomaly_score.\n\n", strings.Join(names, ", "))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "seed\tprofile\tchosen on half 0 (scored on 1)\tchosen on half 1 (scored on 0)\tout-of-sample\tin-sample choice\tin-sample\town alerts of "+cands[0].name+"\t")
	for si, seed := range seeds {
		for pi, p := range profiles {
			r := res[pi][si]
			own := "-"
			if !math.IsNaN(r.own) {
				own = fmt.Sprintf("%.2f", r.own)
			}
			seedText := strconv.FormatUint(seed, 10)
			if len(seeds) == 1 && seed == 0 {
				seedText = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%s\t%.2f\t%s\t\n", seedText, p.Name, choiceText(cands, r.chosen[0]), choiceText(cands, r.chosen[1]),
				r.oos, choiceText(cands, r.inChoice), r.inSample, own)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nover %d seed(s): mean (range)\n", len(seeds))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "profile\tout-of-sample\tin-sample\town alerts of "+cands[0].name+"\t")
	for pi, p := range profiles {
		var o, in, own []float64
		for _, r := range res[pi] {
			o, in, own = append(o, r.oos), append(in, r.inSample), append(own, r.own)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", p.Name, meanRange(o), meanRange(in), meanRange(own))
	}
	return tw.Flush()
}
