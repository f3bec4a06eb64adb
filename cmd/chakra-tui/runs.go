package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/parquet"
)

// runRuns lists and describes the offline store's runs.
func runRuns(ctx context.Context, args []string, e env) error {
	usage := "usage: chakra-tui runs ls DIR|s3://bucket/prefix   or   chakra-tui runs show RUN [RUN…]"
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "ls":
		if len(args) != 2 {
			return errors.New(usage)
		}
		return runsList(ctx, args[1], e.stdout)
	case "show":
		if len(args) < 2 {
			return errors.New(usage)
		}
		var bad []string
		for _, a := range args[1:] {
			if err := runsShow(ctx, a, e.stdout); err != nil {
				fmt.Fprintf(e.stdout, "%s: %v\n", a, err)
				bad = append(bad, a)
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("runs show: %s damaged or unreadable (what could be read is above)", strings.Join(bad, ", "))
		}
		return nil
	case "-h", "--help", "help":
		fmt.Fprintln(e.stderr, usage)
		fmt.Fprintln(e.stderr, "ls lists the runs under a directory or bucket prefix (one line each: rows, soldiers, time span, labels, source);\nshow describes runs part by part, reads every row, and reports damaged files with what is readable.")
		return nil
	}
	return errors.New(usage)
}

// runNames lists the runs in b: the directories that hold run files.
func runNames(ctx context.Context, b parquet.Bucket) ([]string, error) {
	names, err := b.List(ctx, "")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var runs []string
	for _, n := range names {
		base := path.Base(n)
		if !parquet.IsRunFile(base) {
			continue
		}
		dir := path.Dir(n)
		if dir == "." {
			dir = ""
		}
		if !seen[dir] {
			seen[dir] = true
			runs = append(runs, dir)
		}
	}
	slices.Sort(runs)
	return runs, nil
}

func runsList(ctx context.Context, spec string, w io.Writer) error {
	b, err := openRunsBucket(ctx, spec)
	if err != nil {
		return err
	}
	runs, err := runNames(ctx, b)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		fmt.Fprintf(w, "no runs in %s\n", b)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tROWS\tSOLDIERS\tFROM\tTO\tLABELS\tPARTS\tSOURCE\tPROBLEMS")
	damaged := 0
	for _, name := range runs {
		r, err := parquet.InspectRunIn(ctx, b, name)
		label := name
		if label == "" {
			label = "."
		}
		if err != nil {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\t%v\n", label, err)
			damaged++
			continue
		}
		from, to := runSpan(r)
		src, _ := r.Meta(parquet.MetaSource)
		if seed, ok := r.Meta(parquet.MetaSeed); ok {
			src += " seed " + seed
		}
		problems, n := "-", 0
		for _, p := range r.Problems() {
			if !p.Harmless {
				n++
			}
		}
		if n > 0 {
			problems = fmt.Sprintf("%d (runs show)", n)
			damaged++
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%d\t%d\t%s\t%s\n", label, r.NumRows(), soldiersOf(r), from, to, len(r.Labels()), len(r.Parts()), src, problems)
		r.Close()
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if damaged > 0 {
		return fmt.Errorf("runs ls: %d of %d runs damaged (see chakra-tui runs show)", damaged, len(runs))
	}
	return nil
}

// runSpan is the run's first and last tick as times (or ticks).
func runSpan(r *parquet.Run) (string, string) {
	first, last, ok := r.Ticks()
	if !ok {
		return "-", "-"
	}
	if st := r.Start(); !st.IsZero() {
		return st.Add(time.Duration(first) * time.Second).UTC().Format(time.RFC3339), st.Add(time.Duration(last) * time.Second).UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("T%d", first), fmt.Sprintf("T%d", last)
}

// soldiersOf counts the soldiers with profiles or rows: profiles, or, if
// there are none, the distinct soldiers of the first part.
func soldiersOf(r *parquet.Run) int {
	return len(r.Profiles())
}

func runsShow(ctx context.Context, spec string, w io.Writer) error {
	b, name, err := splitRunSpec(ctx, spec)
	if err != nil {
		return err
	}
	r, err := parquet.InspectRunIn(ctx, b, name)
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Fprintf(w, "run %s\n", spec)
	src, _ := r.Meta(parquet.MetaSource)
	if seed, ok := r.Meta(parquet.MetaSeed); ok {
		src += ", seed " + seed
	}
	if src == "" {
		src = "unknown"
	}
	fmt.Fprintf(w, "  source    %s\n", src)
	first, last, ok := r.Ticks()
	from, to := runSpan(r)
	if ok {
		fmt.Fprintf(w, "  span      %s → %s (ticks %d–%d, %v)\n", from, to, first, last, time.Duration(last-first)*time.Second)
	} else {
		fmt.Fprintf(w, "  span      no observations\n")
	}
	fmt.Fprintf(w, "  rows      %d in %d parts\n", r.NumRows(), len(r.Parts()))
	ps := r.Profiles()
	squads := map[int]bool{}
	for _, p := range ps {
		squads[p.Squad] = true
	}
	fmt.Fprintf(w, "  soldiers  %d with profiles, in %d squads\n", len(ps), len(squads))
	kinds := map[engine.AnomalyKind]int{}
	for _, l := range r.Labels() {
		kinds[l.Kind]++
	}
	var ks []string
	for k := range engine.AnomalyKind(engine.NumKinds) {
		if kinds[k] > 0 {
			ks = append(ks, fmt.Sprintf("%s %d", k, kinds[k]))
		}
	}
	if len(ks) == 0 {
		ks = []string{"none"}
	}
	fmt.Fprintf(w, "  labels    %d: %s\n", len(r.Labels()), strings.Join(ks, ", "))
	var bad []string
	seen := map[engine.SoldierID]bool{}
	for i, p := range r.Parts() {
		n, err := r.CheckPart(i, func(o *engine.Observation) { seen[o.Soldier] = true })
		status := "ok"
		if err != nil {
			status = fmt.Sprintf("DAMAGED after %d of %d rows: %v", n, p.Rows, err)
			bad = append(bad, p.Name)
		}
		fmt.Fprintf(w, "  part      %s  %d rows, ticks %d–%d, %d bytes: %s\n", p.Name, p.Rows, p.First, p.Last, p.Bytes, status)
	}
	fmt.Fprintf(w, "  observed  %d soldiers in the readable rows\n", len(seen))
	for _, p := range r.Problems() {
		if p.Harmless {
			fmt.Fprintf(w, "  note      %s: %v\n", p.File, p.Err)
			continue
		}
		fmt.Fprintf(w, "  DAMAGED   %s: %v\n", p.File, p.Err)
		bad = append(bad, p.File)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d damaged files (%s); the rest (%d rows) is readable", len(bad), strings.Join(bad, ", "), r.NumRows())
	}
	return nil
}

// openRunsBucket opens a directory or s3:// prefix to read runs from.
func openRunsBucket(ctx context.Context, spec string) (parquet.Bucket, error) {
	if strings.HasPrefix(spec, "s3://") {
		return openS3(ctx, spec)
	}
	return parquet.Dir(spec), nil
}

// splitRunSpec names a run: a directory (the bucket is the run), or
// s3://bucket/prefix/run.
func splitRunSpec(ctx context.Context, spec string) (parquet.Bucket, string, error) {
	if !strings.HasPrefix(spec, "s3://") {
		return parquet.Dir(spec), "", nil
	}
	trimmed := strings.TrimSuffix(spec, "/")
	i := strings.LastIndex(trimmed, "/")
	if i <= len("s3://") {
		return nil, "", fmt.Errorf("%q: want s3://bucket/prefix/run", spec)
	}
	b, err := openS3(ctx, trimmed[:i])
	if err != nil {
		return nil, "", err
	}
	return b, trimmed[i+1:], nil
}
