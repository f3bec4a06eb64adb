package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// runRoot runs the default mode: the dashboard when stdout is a terminal,
// else (or with --text) a live text summary line per second. Other modes
// (--headless, --ssh, …) hand over before the flags are parsed.
func runRoot(ctx context.Context, args []string, e env) error {
	if rest, ok := headlessRequested(args); ok {
		return runHeadless(ctx, rest, e)
	}
	if sshRequested(args) {
		return runSSH(ctx, args, e)
	}
	c := newCommand("chakra-tui", "chakra-tui [flags]",
		"Watch a simulated battlefield: the dashboard (soldier cards, alerts that explain themselves,\n"+
			"truth overlay) when stdout is a terminal, else a text summary line per second.", e.stderr)
	c.footer = rootFooter()
	sf := addSimFlags(c, 0)
	df := addDashboardFlags(c)
	speed := c.fs.Float64("speed", 1, "simulated seconds per wall second (dashboard: its starting speed; text: 0 is as fast as possible)")
	c.example("speed", "10")
	text := c.fs.Bool("text", false, "print the text summary even on a terminal")
	c.example("text", "true")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (modes: %s)", c.fs.Arg(0), modeList())
	}
	if *speed < 0 || math.IsNaN(*speed) || math.IsInf(*speed, 0) {
		return fmt.Errorf("--speed must be ≥ 0 (got %v)", *speed)
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	if *text || !isTerminal(e.stdout) {
		if df.record != "" || df.replay != "" {
			return errors.New("--record and --replay drive the dashboard, which needs a terminal (without one: chakra-tui sim --record, --headless --simulate --record, chakra-tui eval --replay)")
		}
		return runText(ctx, cfg, *speed, e)
	}
	return runDashboard(ctx, cfg, *speed, df, e)
}

// runText prints a live text summary of the running simulation, paced at
// speed, one line per second of wall time.
func runText(ctx context.Context, cfg engine.Config, speed float64, e env) error {
	sim, err := engine.NewSim(cfg)
	if err != nil {
		return err
	}
	src := engine.NewPacer(sim, speed)
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

// rootFooter lists the other modes under the dashboard's flags.
func rootFooter() string {
	var b strings.Builder
	b.WriteString("Other modes (each has its own --help):\n")
	b.WriteString("  --headless      serve the monitor over HTTP: POST /predict, /predict/batch, /health, /metrics, /alerts\n")
	b.WriteString("                  e.g. chakra-tui --headless --addr 127.0.0.1:8000 [--simulate] [--store redis://127.0.0.1:6379/0]\n")
	b.WriteString("  --ssh ADDR      serve the dashboard to every SSH client, one shared battlefield\n")
	b.WriteString("                  e.g. chakra-tui --ssh 127.0.0.1:23234, then ssh -p 23234 localhost\n")
	for _, m := range modes() {
		fmt.Fprintf(&b, "  %-15s %s\n", m.name, m.synopsis)
	}
	return b.String()
}

// modeList names the modes.
func modeList() string {
	var names []string
	for _, m := range modes() {
		names = append(names, m.name)
	}
	return strings.Join(names, ", ")
}
