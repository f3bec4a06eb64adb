package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
)

// runKafka serves franz-go's in-process Kafka cluster (kfake: the one the
// tests use, not a real broker) until ctx ends, printing "kafka ADDR,…".
func runKafka(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kafka", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 9092, "loopback port of the first broker (0: any free port)")
	brokers := fs.Int("brokers", 1, "number of brokers (ports follow the first)")
	dir := fs.String("data-dir", "", "keep the cluster's data here across restarts (empty: in memory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *brokers < 1 {
		return fmt.Errorf("kafka: --brokers must be ≥ 1 (got %d)", *brokers)
	}
	ports := make([]int, *brokers)
	for i := range ports {
		if *port != 0 {
			ports[i] = *port + i
		}
	}
	opts := []kfake.Opt{kfake.NumBrokers(*brokers), kfake.Ports(ports...)}
	if *dir != "" {
		opts = append(opts, kfake.DataDir(*dir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	defer c.Close()
	fmt.Fprintf(stdout, "kafka %s (kfake, in-process: for trying chakra-tui's Kafka mode, not a real broker)\n", strings.Join(c.ListenAddrs(), ","))
	<-ctx.Done()
	return nil
}
