package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// runRoot runs the default mode. Until the dashboard lands it prints a live
// text summary of the running simulation, paced at --speed.
func runRoot(ctx context.Context, args []string, e env) error {
	c := newCommand("chakra-tui", "chakra-tui [flags]",
		"Run the battlefield simulation and print a live summary line per second of wall time\n"+
			"(a stand-in until the dashboard lands).", e.stderr)
	sf := addSimFlags(c, 0)
	speed := c.fs.Float64("speed", 1, "simulated seconds per wall second (0: as fast as possible)")
	c.example("speed", "60")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (modes: %s)", c.fs.Arg(0), modeList())
	}
	if *speed < 0 || math.IsNaN(*speed) {
		return fmt.Errorf("--speed must be ≥ 0 (got %v)", *speed)
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	sim, err := engine.NewSim(cfg)
	if err != nil {
		return err
	}
	src := engine.NewPacer(sim, *speed)
	var lastPrint time.Time
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
			return nil
		}
		if err != nil {
			return err
		}
		if now := time.Now(); now.Sub(lastPrint) >= time.Second {
			lastPrint = now
			fmt.Fprintln(e.stdout, liveLine(&f))
		}
	}
}

// liveLine summarises one frame on one line.
func liveLine(f *engine.Frame) string {
	var phases [engine.NumPhases]int
	var hrSum, tcSum float64
	var hrN, tcN int
	hrMin, hrMax := math.Inf(1), math.Inf(-1)
	amb := math.NaN()
	for i := range f.Obs {
		o := &f.Obs[i]
		phases[o.Phase]++
		amb = o.Ambient
		if hr, ok := o.Value(engine.HeartRate); ok {
			hrSum += hr
			hrN++
			hrMin, hrMax = min(hrMin, hr), max(hrMax, hr)
		}
		if tc, ok := o.Value(engine.CoreTemp); ok {
			tcSum += tc
			tcN++
		}
	}
	var ph []string
	for p, n := range phases {
		if n > 0 {
			ph = append(ph, fmt.Sprintf("%s %d", engine.Phase(p), n))
		}
	}
	var kinds [engine.NumKinds]int
	for _, l := range f.Truth {
		kinds[l.Kind]++
	}
	var an []string
	for k, n := range kinds {
		if n > 0 {
			an = append(an, fmt.Sprintf("%s %d", engine.AnomalyKind(k), n))
		}
	}
	if len(an) == 0 {
		an = []string{"none"}
	}
	return fmt.Sprintf("%s t=%-6d %4.1f°C | %s | HR %.0f [%.0f–%.0f] | Tc %.2f | labels: %s",
		f.Time.Format("15:04:05"), f.T, amb, strings.Join(ph, ", "),
		hrSum/float64(max(hrN, 1)), hrMin, hrMax, tcSum/float64(max(tcN, 1)), strings.Join(an, ", "))
}

// modeList names the subcommands, sorted.
func modeList() string {
	var names []string
	for n := range subcommands {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
