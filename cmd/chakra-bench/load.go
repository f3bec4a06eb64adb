package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/cmd/chakra-bench/loadgen"
)

// env is what a mode gets from the process: its output streams.
type env struct {
	stdout, stderr io.Writer
}

// loadFlags are the load generator's flags.
type loadFlags struct {
	cfg        loadgen.Config
	compare    bool
	redis      bool
	rounds     int
	serverArgs string
	serverBin  string
	attack     string
	waves      int
	hold       time.Duration
	soak       bool
	rssLimit   float64
	after      time.Duration
}

const loadUsage = `Usage:
  chakra-bench [flags] URL                           drive a running server
  chakra-bench --compare [flags]                     start the reference, memory and Redis servers and compare them
  chakra-bench --attack declared-length [flags] URL  attack a running server (loopback only)
  chakra-bench --attack declared-length --soak       start a server, attack it, watch its RSS and /health
  chakra-bench reference [flags]                     serve the do-nothing reference handler (--help for its flags)
  chakra-bench scale [flags]                         run N simulated soldiers in a server: does it keep up? (--help)

Drive POST /predict like the prototype's client: soldiers cycling, each soldier's timestamps
increasing, a fixed number of keep-alive connections, a bounded time. Prints req/s, latency
percentiles and errors. With --compare it starts, on 127.0.0.1, the do-nothing reference
handler (chakra-bench reference), the server with the in-memory store and (if redis-server is
installed) the server with a Redis it starts (chakra-tui --headless), drives each in turn and
prints a table with each server's peak RSS. With --batch it drives POST /predict/batch with
ticks of each connection's soldiers and prints verdicts/s too.

--compare and --soak run the chakra-tui binary beside this one (make build puts both in bin/),
or --server-bin PATH.

Examples:
  chakra-bench --compare --conns 16 --soldiers 100 --duration 10s
  chakra-bench --conns 16 --duration 10s http://127.0.0.1:8000
  chakra-bench --batch --conns 1 --soldiers 100 http://127.0.0.1:8000
  chakra-bench --soak --attack declared-length --conns 2000 --waves 8 --hold 5s

Flags:
`

// newLoadFlags defines the load generator's flags on a flag set that
// reports errors to stderr instead of exiting.
func newLoadFlags(stderr io.Writer) (*flag.FlagSet, *loadFlags) {
	fs := flag.NewFlagSet("chakra-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, loadUsage)
		fs.PrintDefaults()
	}
	f := &loadFlags{}
	fs.IntVar(&f.cfg.Conns, "conns", 16, "concurrent keep-alive connections")
	fs.DurationVar(&f.cfg.Duration, "duration", 10*time.Second, "measured time per target")
	fs.DurationVar(&f.cfg.Warmup, "warmup", 2*time.Second, "unmeasured time first (connections, scorer warm-up)")
	fs.IntVar(&f.cfg.Soldiers, "soldiers", 100, "soldiers cycling")
	fs.IntVar(&f.cfg.FirstID, "first-id", 1, "id of the first soldier")
	fs.StringVar(&f.cfg.Token, "token", "", "bearer token of the server")
	fs.Uint64Var(&f.cfg.Seed, "seed", 1, "seed of the simulated readings")
	fs.BoolVar(&f.cfg.Prototype, "prototype-body", false, "send only the prototype's fields (no core_temp, spo2)")
	fs.BoolVar(&f.cfg.Batch, "batch", false, "POST /predict/batch: each request carries a tick of every soldier its connection owns (soldiers/conns)")
	fs.BoolVar(&f.compare, "compare", false, "start the reference, memory and Redis servers and compare them")
	fs.BoolVar(&f.redis, "redis", true, "with --compare: include the Redis store when redis-server is installed")
	fs.IntVar(&f.rounds, "rounds", 5, "with --compare: interleaved rounds the measured time is split into")
	fs.StringVar(&f.serverArgs, "server-args", "", "with --compare or --soak: extra flags for every chakra-tui server started (space-separated, e.g. --scorer=threshold); the reference takes the timeouts among them")
	fs.StringVar(&f.serverBin, "server-bin", "", "with --compare or --soak: the chakra-tui binary to start (default: chakra-tui beside this binary)")
	fs.StringVar(&f.attack, "attack", "", "instead of load, run an attack (loopback only): declared-length — each connection declares a 1 MiB body, sends 1 byte and holds on")
	fs.IntVar(&f.waves, "waves", 8, "with --attack: waves of --conns connections")
	fs.DurationVar(&f.hold, "hold", 5*time.Second, "with --attack: how long each wave holds its connections")
	fs.BoolVar(&f.soak, "soak", false, "with --attack: start the server (--server-bin, defaults, 127.0.0.1), sample its RSS and /health during and after the attack, and fail if RSS reaches --rss-limit or /health stops answering")
	fs.Float64Var(&f.rssLimit, "rss-limit", 150, "with --soak: the server's peak RSS, MB, at or above which the soak fails")
	fs.DurationVar(&f.after, "after", 5*time.Second, "with --soak: how long to keep sampling after the attack")
	return fs, f
}

// runLoad drives one server, or with --compare starts the servers to
// compare itself and prints them side by side, or with --attack attacks one.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newLoadFlags(stderr)
	urls, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	e := env{stdout: stdout, stderr: stderr}
	switch {
	case f.attack != "":
		return runAttack(ctx, f, urls, e)
	case f.compare:
		if len(urls) != 0 {
			return errors.New("--compare starts its own servers; give no URL")
		}
		if f.cfg.Batch {
			return errors.New("--batch needs a URL: the reference handler of --compare serves only /predict")
		}
		return compareServers(ctx, f.cfg, f.rounds, f.redis, f.serverBin, strings.Fields(f.serverArgs), e)
	}
	if len(urls) != 1 {
		return errors.New("give the server's URL (e.g. http://127.0.0.1:8000), or --compare")
	}
	return drive(ctx, f.cfg, urls[0], e)
}

// drive runs the load against the server at url and prints the result.
func drive(ctx context.Context, cfg loadgen.Config, url string, e env) error {
	cfg.URL = url
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	loadgen.Table(e.stdout, []string{cfg.URL}, []loadgen.Result{res})
	printCodes(e.stdout, []string{cfg.URL}, []loadgen.Result{res})
	if cfg.Batch && res.Requests > 0 {
		fmt.Fprintf(e.stdout, "%s verdicts: %.0f/s, %.1f per request; %d items refused\n", cfg.URL, res.PPS(),
			float64(res.Predictions)/float64(res.Requests), res.Refused)
	}
	return nil
}

// runAttack runs the attack of --attack against the URL, or with --soak
// against a server it starts.
func runAttack(ctx context.Context, f *loadFlags, urls []string, e env) error {
	ac := loadgen.AttackConfig{Kind: f.attack, Conns: f.cfg.Conns, Waves: f.waves, Hold: f.hold}
	if f.soak {
		if len(urls) != 0 {
			return errors.New("--soak starts its own server; give no URL")
		}
		return soakServer(ctx, ac, f.serverBin, strings.Fields(f.serverArgs), f.rssLimit, f.after, e)
	}
	if len(urls) != 1 {
		return errors.New("--attack needs the server's URL (http://127.0.0.1:PORT), or --soak")
	}
	ac.URL = urls[0]
	res, err := loadgen.Attack(ctx, ac)
	printAttack(e.stdout, ac, res)
	return err
}

// printCodes prints each result's status codes, failures and anomalies.
func printCodes(w io.Writer, names []string, results []loadgen.Result) {
	for i, r := range results {
		var parts []string
		for code, n := range r.Codes {
			parts = append(parts, fmt.Sprintf("%d×%d", code, n))
		}
		if r.Failed > 0 {
			parts = append(parts, fmt.Sprintf("no response×%d", r.Failed))
		}
		fmt.Fprintf(w, "%-22s status codes: %s; anomalies %d\n", names[i], strings.Join(parts, " "), r.Anomalies)
	}
}
