// Command chakra-bench holds the HTTP benchmark tools of chakra-tui, kept
// out of the product binary: the load generator (plain load, --batch,
// --compare, --attack, --soak) and, as "chakra-bench reference", the
// do-nothing reference server the comparison measures the real server
// against. See docs/http.md. "chakra-bench kafka" runs franz-go's
// in-process Kafka cluster (kfake) on a loopback port, for trying the
// Kafka mode without a broker (docs/kafka.md).
// "chakra-bench scale" runs the built-in simulation of many soldiers in a
// server and reports whether it keeps up (docs/scale.md).
//
// --compare and --soak start the servers they measure: the reference is
// this binary itself, the real servers the chakra-tui binary beside it
// (bin/chakra-tui after make build) or --server-bin PATH.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chakra-bench:", err)
		os.Exit(1)
	}
}

// run is the whole program behind main: "reference" serves the reference
// handler, anything else is the load generator's flags and URL.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "reference" {
		return runReference(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "kafka" {
		return runKafka(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "scale" {
		return runScale(ctx, args[1:], stdout, stderr)
	}
	return runLoad(ctx, args, stdout, stderr)
}

// parseInterspersed parses args with fs, letting flags follow positional
// arguments (chakra-bench URL --conns 32), which flag.FlagSet.Parse alone
// would take as more positional arguments; "--" ends the flags. It returns
// the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
