package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/ui"
	"github.com/chakra-tui/chakra-tui/ui/kafkaio"
)

// kafkaFlags are the flags of the Kafka stream: --headless consumes it,
// sim publishes to it.
type kafkaFlags struct {
	brokers, topic, group, verdicts, txnID string
	partitions                             int
}

// kafkaRole is what a mode does with Kafka: it picks the flags it has.
type kafkaRole int

const (
	kafkaConsumer  kafkaRole = iota // --headless: consume, score, produce
	kafkaPublisher                  // sim: publish the frames
	kafkaFollower                   // the dashboard: follow a cluster
)

// addKafkaFlags registers the Kafka flags of role on c.
func addKafkaFlags(c *command, role kafkaRole) *kafkaFlags {
	f := &kafkaFlags{}
	fs := c.fs
	brokersUsage := map[kafkaRole]string{
		kafkaConsumer:  "Kafka seed brokers, HOST:PORT[,…]: consume observations there in --kafka-group beside HTTP (empty: no Kafka)",
		kafkaPublisher: "Kafka seed brokers, HOST:PORT[,…]: publish the frames there at --speed instead of fast-forwarding",
		kafkaFollower:  "Kafka seed brokers, HOST:PORT[,…]: the dashboard follows that cluster's topics instead of simulating",
	}[role]
	fs.StringVar(&f.brokers, "kafka-brokers", "", brokersUsage)
	c.example("kafka-brokers", "127.0.0.1:9092")
	fs.StringVar(&f.topic, "kafka-topic", "vitals", "Kafka topic of observations (/predict JSON, key = soldier id); T.verdicts, T.alerts, T.dead and T.truth beside it")
	c.example("kafka-topic", "vitals")
	if role != kafkaFollower {
		fs.IntVar(&f.partitions, "kafka-partitions", 12, "create the missing topics with this many partitions (0: create none; they must exist)")
		c.example("kafka-partitions", "12")
	}
	if role == kafkaConsumer {
		fs.StringVar(&f.group, "kafka-group", "chakra", "Kafka consumer group the replicas share")
		c.example("kafka-group", "chakra")
		fs.StringVar(&f.txnID, "kafka-txn-id", "", "transactional id of this replica's producer, unique among the running replicas (default: GROUP-HOSTNAME-PID)")
		c.example("kafka-txn-id", "chakra-0")
	}
	if role != kafkaPublisher {
		fs.StringVar(&f.verdicts, "kafka-verdicts", "", "Kafka topic of the verdicts (default: the observation topic + .verdicts)")
		c.example("kafka-verdicts", "vitals.verdicts")
	}
	return f
}

// on reports whether Kafka is asked for.
func (f *kafkaFlags) on() bool { return f.brokers != "" }

// brokerList checks --kafka-brokers: a comma-separated list of host:port.
func (f *kafkaFlags) brokerList() ([]string, error) {
	var out []string
	for _, b := range strings.Split(f.brokers, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			continue
		}
		host, port, err := net.SplitHostPort(b)
		if err != nil || host == "" {
			return nil, fmt.Errorf("--kafka-brokers %q: want HOST:PORT[,HOST:PORT…]", f.brokers)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("--kafka-brokers %q: port %q is not 1–65535", f.brokers, port)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--kafka-brokers %q: no broker", f.brokers)
	}
	return out, nil
}

// check validates the flags when Kafka is on.
func (f *kafkaFlags) check() error {
	if !f.on() {
		return nil
	}
	if _, err := f.brokerList(); err != nil {
		return err
	}
	if f.topic == "" {
		return errors.New("--kafka-topic is empty")
	}
	if f.partitions < 0 {
		return fmt.Errorf("--kafka-partitions must be ≥ 0 (got %d)", f.partitions)
	}
	return nil
}

// openConsumer connects the consumer of --headless to the scorer and
// reporter (the HTTP API).
func (f *kafkaFlags) openConsumer(sc kafkaio.Scorer, rep kafkaio.Reporter, log *slog.Logger) (*kafkaio.Consumer, error) {
	brokers, err := f.brokerList()
	if err != nil {
		return nil, err
	}
	return kafkaio.NewConsumer(kafkaio.Config{Brokers: brokers, Topic: f.topic, Group: f.group, Verdicts: f.verdicts,
		TransactionalID: f.txnID, Partitions: f.partitions, Log: log}, sc, rep)
}

// runConsumer runs c until ctx ends.
func runConsumer(ctx context.Context, c *kafkaio.Consumer) error {
	if err := c.Run(ctx); err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	return nil
}

// publishSim runs the simulation of cfg paced at speed and publishes its
// frames to the Kafka topic of f, printing a line when it starts and what
// it published when it ends (ctx ending is a normal stop).
func publishSim(ctx context.Context, cfg engine.Config, f *kafkaFlags, speed float64, e env) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if speed < 0 || math.IsNaN(speed) {
		return fmt.Errorf("sim: --speed must be ≥ 0 (got %v)", speed)
	}
	brokers, _ := f.brokerList()
	sim, err := engine.NewSim(cfg)
	if err != nil {
		return err
	}
	pub, err := kafkaio.NewPublisher(ctx, brokers, f.topic, f.partitions)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	defer pub.Close()
	fmt.Fprintf(e.stdout, "publishing %d soldiers at ×%g to %s on %s (truth to %s.truth)\n", cfg.Soldiers, speed, f.topic, strings.Join(brokers, ","), f.topic)
	src := engine.Source(sim)
	if speed > 0 {
		src = engine.NewPacer(sim, speed)
	}
	frames, obs := 0, 0
	var runErr error
	for {
		fr, err := src.Next(ctx)
		if errors.Is(err, io.EOF) || ctx.Err() != nil {
			break
		}
		if err != nil {
			runErr = err
			break
		}
		if err := pub.Publish(ctx, &fr); err != nil {
			runErr = err
			break
		}
		frames++
		obs += len(fr.Obs)
		if speed == 0 && frames%100 == 0 {
			if err := pub.Flush(ctx); err != nil { // bound what is buffered
				runErr = err
				break
			}
		}
	}
	fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pub.Flush(fctx); err != nil && runErr == nil {
		runErr = fmt.Errorf("flush: %w", err)
	}
	fmt.Fprintf(e.stdout, "published %d frames, %d observations\n", frames, obs)
	if runErr != nil {
		return fmt.Errorf("sim: %w", runErr)
	}
	return nil
}

// runDashboardKafka runs the dashboard on a cluster (--kafka-brokers in the
// root mode): frames from the observation topic, the cluster's verdicts
// from the verdict topic, the truth overlay from the truth topic. Nothing
// is scored here. It waits (until ctx ends) for the first whole frame.
func runDashboardKafka(ctx context.Context, f *kafkaFlags, speed float64, df *dashboardFlags, e env) error {
	if err := f.check(); err != nil {
		return err
	}
	if df.record != "" || df.replay != "" {
		return errors.New("--kafka-brokers: the dashboard follows the cluster; --record and --replay are for a simulation")
	}
	if speed <= 0 {
		speed = 1
	}
	brokers, _ := f.brokerList()
	logf, err := openLog(df.logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	restore := redirectLogs(logf)
	defer restore()
	fmt.Fprintf(e.stdout, "following %s on %s: waiting for a whole frame (ctrl+c to give up)…\n", f.topic, strings.Join(brokers, ","))
	fol, err := kafkaio.NewFollower(ctx, kafkaio.FollowerConfig{Brokers: brokers, Topic: f.topic, Verdicts: f.verdicts})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("--kafka-brokers: %w", err)
	}
	defer fol.Close()
	rt, err := live.Open(ctx, live.Config{Source: fol})
	if err != nil {
		return err
	}
	defer rt.Close()
	src := fmt.Sprintf("kafka %s · %d soldiers", f.topic, len(fol.Profiles()))
	slog.Info("dashboard following a cluster", "brokers", brokers, "topic", f.topic, "soldiers", len(fol.Profiles()))
	m, err := ui.New(rt.Profiles(),
		ui.WithDriver(rt),
		ui.WithContext(ctx),
		ui.WithSource(src),
		ui.WithDetector("cluster", "the verdicts of the consumer group, read from "+f.topic+".verdicts"),
		ui.WithSpeed(speed),
		ui.WithTruthOverlay(df.truth),
	)
	if err != nil {
		return err
	}
	opts := append(ui.ProgramOptions(), tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout))
	_, err = tea.NewProgram(m, opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}
