package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
)

// runRoot runs the default mode: the dashboard when stdout is a terminal,
// else (or with --text or --format json) text mode (text.go): the
// detector's verdicts and alerts, a line per second. Other modes
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
			"truth overlay) when stdout is a terminal, else text mode: one line per second of the detector's state counts\n"+
			"and the alerts it opened (per tick at --speed 0), as logfmt or --format json; the ground truth only with --truth.", e.stderr)
	c.footer = rootFooter()
	sf := addSimFlags(c, 0)
	df := addDashboardFlags(c)
	speed := c.fs.Float64("speed", 1, "simulated seconds per wall second (dashboard: its starting speed; text: 0 is as fast as possible, a line per tick)")
	c.example("speed", "10")
	text := c.fs.Bool("text", false, "text mode even on a terminal: a line per second of the detector's state counts and alerts")
	c.example("text", "true")
	format := c.fs.String("format", formatText, "text mode's lines: text (logfmt) or json (one object per line); json implies --text")
	c.example("format", "json")
	kf := addKafkaFlags(c, kafkaFollower)
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
	if *format != formatText && *format != formatJSON {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	if kf.on() {
		if *text || *format == formatJSON || !isTerminal(e.stdout) {
			return errors.New("--kafka-brokers: following a cluster is the dashboard's (a terminal); read its topics with a Kafka client instead")
		}
		return runDashboardKafka(ctx, kf, *speed, df, e)
	}
	if *text || *format == formatJSON || !isTerminal(e.stdout) {
		return runTextMode(ctx, cfg, df, textOptions{format: *format, truth: df.truth, speed: *speed}, e)
	}
	return runDashboard(ctx, cfg, *speed, df, e)
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
