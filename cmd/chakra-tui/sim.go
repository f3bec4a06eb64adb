package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// simFlags are the flags that describe a simulated battlefield; every mode
// that runs a simulation (sim, the dashboard, --headless, --ssh) adds them
// with addSimFlags.
type simFlags struct {
	soldiers, squadSize int
	seed                uint64
	tick, duration      time.Duration
	start               string
	poison, artefacts   float64
	mix                 string
	ambient, swing      float64
	world               *worldFlags
}

// addSimFlags registers the simulation flags on c; duration is the default
// of --duration (0: run until stopped).
func addSimFlags(c *command, duration time.Duration) *simFlags {
	d := engine.DefaultConfig()
	f := &simFlags{}
	fs := c.fs
	fs.IntVar(&f.soldiers, "soldiers", d.Soldiers, "number of simulated soldiers")
	c.example("soldiers", "1000")
	fs.IntVar(&f.squadSize, "squad-size", d.SquadSize, "soldiers per squad (squads share their activity phase)")
	c.example("squad-size", "8")
	fs.Uint64Var(&f.seed, "seed", d.Seed, "seed of every random draw: the same seed gives the same battlefield")
	c.example("seed", "42")
	fs.DurationVar(&f.tick, "tick", d.Tick, "simulated time per frame (whole seconds)")
	c.example("tick", "1s")
	fs.DurationVar(&f.duration, "duration", duration, "simulated time to run (0: until stopped)")
	c.example("duration", "2h")
	fs.StringVar(&f.start, "start", d.Start.Format(time.RFC3339), "simulated wall-clock time of the first tick (RFC 3339; sets the time of day)")
	c.example("start", "2025-07-15T06:00:00Z")
	fs.Float64Var(&f.poison, "poison-rate", d.PoisonRate, "fraction of soldier-ticks inside anomaly windows, in [0, 0.5)")
	c.example("poison-rate", "0.1")
	fs.StringVar(&f.mix, "mix", d.Mix.String(), "relative weight of each anomaly kind (kinds not listed get 0)")
	c.example("mix", "tachycardia=2,dropout=1,heat_strain=1")
	fs.Float64Var(&f.artefacts, "artefact-rate", d.ArtefactRate, "motion artefacts (non-events) per soldier-hour (× --artefact-exertion in march and contact)")
	c.example("artefact-rate", "2")
	fs.Float64Var(&f.ambient, "ambient", d.AmbientMean, "mean ambient temperature of the day, °C")
	c.example("ambient", "32")
	fs.Float64Var(&f.swing, "ambient-swing", d.AmbientSwing, "half the day-night range of ambient temperature, °C")
	c.example("ambient-swing", "6")
	f.world = addWorldFlags(c)
	return f
}

// config turns the flags into a validated engine.Config.
func (f *simFlags) config() (engine.Config, error) {
	cfg := engine.DefaultConfig()
	start, err := time.Parse(time.RFC3339, f.start)
	if err != nil {
		return cfg, fmt.Errorf("--start %q: want RFC 3339 such as 2025-06-01T09:00:00Z", f.start)
	}
	mix, err := engine.ParseMix(f.mix)
	if err != nil {
		return cfg, fmt.Errorf("--mix: %w", err)
	}
	cfg.Soldiers, cfg.SquadSize, cfg.Seed = f.soldiers, f.squadSize, f.seed
	cfg.Tick, cfg.Duration, cfg.Start = f.tick, f.duration, start.UTC()
	cfg.PoisonRate, cfg.Mix, cfg.ArtefactRate = f.poison, mix, f.artefacts
	cfg.AmbientMean, cfg.AmbientSwing = f.ambient, f.swing
	if cfg.World, err = f.world.world(); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// runSim fast-forwards a simulation without a screen and prints a summary.
func runSim(ctx context.Context, args []string, e env) error {
	c := newCommand("sim", "chakra-tui sim [flags]",
		"Fast-forward a simulation as fast as the CPU allows, optionally record it, and print a summary:\n"+
			"ticks, anomalies by kind, the poison rate achieved, vital ranges per phase, speed.\n"+
			"With --kafka-brokers, publish the frames instead at --speed to --kafka-topic as /predict-shaped\n"+
			"observations (key = soldier id) and the ground truth to TOPIC.truth (--duration 0: until stopped).", e.stderr)
	sf := addSimFlags(c, 2*time.Hour)
	record := c.fs.String("record", "", "write the run to this recording file (gzip JSON lines, replayable)")
	c.example("record", "run.chakra.gz")
	var force bool
	addForceFlag(c, &force)
	kf := addKafkaFlags(c, kafkaPublisher)
	speed := c.fs.Float64("speed", 1, "with --kafka-brokers: simulated seconds per wall second (0: as fast as possible)")
	c.example("speed", "10")
	of := addOfflineFlags(c)
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return fmt.Errorf("sim: unexpected argument %q", c.fs.Arg(0))
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	if kf.on() {
		if *record != "" {
			return errors.New("sim: --record and --kafka-brokers: pick one (record the cluster's input with chakra-tui --kafka-brokers … --record)")
		}
		if of.dest != "" {
			return errors.New("sim: --offline and --kafka-brokers: pick one (the servers consuming the topic write the offline store: chakra-tui --headless --kafka-brokers … --offline DIR)")
		}
		return publishSim(ctx, cfg, kf, *speed, e)
	}
	if cfg.Duration == 0 {
		return errors.New("sim: --duration must be positive (sim fast-forwards, it does not run forever)")
	}
	sim, err := engine.NewSim(cfg)
	if err != nil {
		return err
	}
	var rec *engine.Recorder
	if *record != "" {
		var opts []engine.RecorderOption
		if force {
			opts = append(opts, engine.WithOverwrite())
		}
		rec, err = engine.CreateRecording(*record, engine.NewHeader(sim.Profiles(), &cfg), opts...)
		if err != nil {
			return fmt.Errorf("sim: --record: %w", err)
		}
		defer rec.Close()
	}
	sink, err := of.open(ctx, offlineRun{source: "simulation", cfg: &cfg, profiles: sim.Profiles()}, nil)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	defer closeOffline(sink, io.Discard) // on an error return; the normal end closes it below
	stats := engine.NewStats(sim.Profiles())
	began := time.Now()
	var stepping time.Duration // time inside Step alone
	var f engine.Frame
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		t0 := time.Now()
		err := sim.Step(&f)
		stepping += time.Since(t0)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		stats.Add(&f)
		if sink != nil {
			// A fast-forward waits for the offline store rather than drop rows.
			if err := sink.ObserveWait(ctx, f.Obs); err != nil {
				return err
			}
			sink.Labels(f.Truth)
		}
		if rec != nil {
			if err := rec.WriteFrame(&f); err != nil {
				return err
			}
		}
	}
	elapsed := time.Since(began)
	if rec != nil {
		if err := rec.Close(); err != nil {
			return err
		}
	}
	printSummary(e.stdout, cfg, stats, stepping, elapsed)
	if err := closeOffline(sink, e.stdout); err != nil {
		return fmt.Errorf("sim: --offline: %w", err)
	}
	if rec != nil {
		if fi, err := os.Stat(*record); err == nil {
			fmt.Fprintf(e.stdout, "recorded %s (%d bytes)\n", *record, fi.Size())
		}
	}
	return nil
}

// printSummary writes the human summary of a run.
func printSummary(w io.Writer, cfg engine.Config, s *engine.Stats, stepping, elapsed time.Duration) {
	fmt.Fprintf(w, "simulated %v: %d ticks × %d soldiers in %d squads = %d soldier-ticks (seed %d, ambient %.1f±%.1f °C)\n",
		time.Duration(s.Ticks)*cfg.Tick, s.Ticks, cfg.Soldiers, cfg.Squads(), s.SoldierTicks, cfg.Seed, cfg.AmbientMean, cfg.AmbientSwing)

	fmt.Fprintf(w, "sensor world: %s\n", worldName(cfg.World))
	fmt.Fprintln(w, "\nanomalies")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\twindows\tsoldier-ticks\tshare\t")
	for k := range engine.AnomalyKind(engine.NumKinds) {
		if k == engine.KindNone {
			continue
		}
		share := fmt.Sprintf("%.4f", float64(s.KindTicks[k])/float64(max(s.SoldierTicks, 1)))
		if !k.IsEvent() {
			share = "non-event"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\n", k, s.KindCount[k], s.KindTicks[k], share)
	}
	tw.Flush()
	fmt.Fprintf(w, "poison rate achieved %.4f (target %.4f)\n", s.PoisonRate(), cfg.PoisonRate)
	var miss []string
	for v := range engine.Vital(engine.NumVitals) {
		miss = append(miss, fmt.Sprintf("%s %d", v, s.Missing[v]))
	}
	fmt.Fprintf(w, "missing readings: %s\n", strings.Join(miss, ", "))

	fmt.Fprintln(w, "\nnormal physiology per phase (outside labels and the 10 min after event windows): p5 / median / p95 [min–max]")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tsoldier-ticks\tHR bpm\tstamina\tcore °C\tSpO2 %\tPSI")
	for p := range engine.Phase(engine.NumPhases) {
		hr := s.Vital(p, engine.HeartRate)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", p, hr.N,
			dist(hr, 0), dist(s.Vital(p, engine.Stamina), 1), dist(s.Vital(p, engine.CoreTemp), 2),
			dist(s.Vital(p, engine.SpO2), 0), dist(s.PSI(p), 1))
	}
	tw.Flush()
	st := float64(s.SoldierTicks)
	fmt.Fprintf(w, "\nsimulation %v: %.3g soldier-ticks/s (%.0f ns per soldier-tick), %.0f× real time\n",
		stepping.Round(time.Millisecond), st/stepping.Seconds(), float64(stepping.Nanoseconds())/st,
		float64(s.Ticks)*cfg.Tick.Seconds()/stepping.Seconds())
	fmt.Fprintf(w, "runtime %v with the summary and recording (%.0f ns per soldier-tick)\n",
		elapsed.Round(time.Millisecond), float64(elapsed.Nanoseconds())/st)
}

// dist formats a distribution with prec decimals.
func dist(d engine.Dist, prec int) string {
	if d.N == 0 || math.IsNaN(d.P50) {
		return "–"
	}
	return fmt.Sprintf("%.*f/%.*f/%.*f [%.*f–%.*f]", prec, d.P05, prec, d.P50, prec, d.P95, prec, d.Min, prec, d.Max)
}
