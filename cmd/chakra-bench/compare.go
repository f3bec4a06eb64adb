package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/cmd/chakra-bench/loadgen"
	"github.com/chakra-tui/chakra-tui/featurestore/redisserver"
)

// target is a server compareServers starts and drives.
type target struct {
	name string
	srv  *childServer
	cpu  time.Duration // the server's CPU time during the measured rounds
	gen  time.Duration // the load generator's
	runs []loadgen.Result
}

// laterWarmup is the unmeasured start of every round after the first: new
// connections and timestamps resynchronised, the scorer already warm.
const laterWarmup = 300 * time.Millisecond

// compareServers starts the reference (this binary's reference mode), the
// real server on the in-memory store and, with withRedis and redis-server
// installed, on a Redis it starts (the chakra-tui binary serverBin, see
// serverBinary, with extra flags), drives each in interleaved rounds and
// prints them side by side.
func compareServers(ctx context.Context, cfg loadgen.Config, rounds int, withRedis bool, serverBin string, extra []string, e env) error {
	if rounds < 1 {
		return fmt.Errorf("--rounds %d (want ≥ 1)", rounds)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	bin, err := serverBinary(serverBin, self)
	if err != nil {
		return err
	}
	targets, stop, err := startTargets(bin, self, cfg.Token, withRedis, extra, e)
	defer stop()
	if err != nil {
		return err
	}
	load1, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(e.stdout, "%d connections, %d soldiers, %v measured per target in %d interleaved rounds (warm-up %v first, %v later); GOMAXPROCS %d; load average before: %s\n",
		cfg.Conns, cfg.Soldiers, cfg.Duration, rounds, cfg.Warmup, laterWarmup, runtime.GOMAXPROCS(0), strings.TrimSpace(string(load1)))
	if err := measure(ctx, cfg, rounds, targets); err != nil {
		return err
	}
	load2, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(e.stdout, "load average after: %s\n", strings.TrimSpace(string(load2)))
	report(targets, e)
	return nil
}

// startTargets starts the servers to compare, the reference first: the
// memory server first of all, because the reference answers like its
// scorer (its name; an explanation with the TFT). stop stops every server
// started, even after an error.
func startTargets(bin, self, token string, withRedis bool, extra []string, e env) (targets []*target, stop func(), err error) {
	var stops []func()
	stop = func() { // the Redis server after the server using it
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	start := func(name, bin string, args []string) (*target, error) {
		srv, err := startServer(bin, args)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		stops = append(stops, srv.stop)
		return &target{name: name, srv: srv}, nil
	}
	base := append([]string{"--headless", "--addr", "127.0.0.1:0"}, extra...)
	mem, err := start("server, memory store", bin, base)
	if err != nil {
		return nil, stop, err
	}
	scorer, err := serverScorer(mem.srv.url, token)
	if err != nil {
		return nil, stop, fmt.Errorf("server, memory store: %w", err)
	}
	refArgs := []string{"reference", "--addr", "127.0.0.1:0", "--scorer", scorer}
	if scorer == "tft" {
		refArgs = append(refArgs, "--explain")
	}
	ref, err := start("reference (do-nothing)", self, append(refArgs, referenceArgs(extra)...))
	if err != nil {
		return nil, stop, err
	}
	targets = []*target{ref, mem}
	if !withRedis {
		return targets, stop, nil
	}
	switch r, err := redisserver.Start(""); {
	case err == nil:
		stops = append(stops, func() { r.Close() })
		t, err := start("server, redis store", bin, append(append([]string{}, base...), "--store", r.URL()))
		if err != nil {
			return nil, stop, err
		}
		targets = append(targets, t)
	case !errors.Is(err, redisserver.ErrNotInstalled):
		return nil, stop, fmt.Errorf("redis store: %w", err)
	default:
		fmt.Fprintln(e.stderr, "chakra-bench: redis-server not installed; skipping the Redis store")
	}
	return targets, stop, nil
}

// serverScorer asks the server at url which scorer it runs (GET /health).
func serverScorer(url, token string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, url+"/health", nil)
	if err != nil {
		return "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("ask its scorer: %w", err)
	}
	defer resp.Body.Close()
	var h struct {
		Model struct {
			Scorer string `json:"scorer"`
		} `json:"model"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ask its scorer: GET /health: %s (with --token if the servers need one)", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Model.Scorer == "" {
		return "", fmt.Errorf("ask its scorer: GET /health has no model.scorer (%v)", err)
	}
	return h.Model.Scorer, nil
}

// referenceArgs picks out of the real servers' extra flags those the
// reference has too (its timeouts), so both run with the same settings.
func referenceArgs(extra []string) []string {
	fs, _ := newReferenceFlags(nil)
	var out []string
	for i := 0; i < len(extra); i++ {
		a := extra[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasSuffix(name, "-timeout") || fs.Lookup(name) == nil {
			continue
		}
		out = append(out, a)
		if !hasValue && i+1 < len(extra) {
			i++
			out = append(out, extra[i])
		}
	}
	return out
}

// measure drives the targets in rounds that alternate them, so a change in
// the machine's other load during the run affects them alike.
func measure(ctx context.Context, cfg loadgen.Config, rounds int, targets []*target) error {
	for round := range rounds {
		for _, t := range targets {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c := cfg
			c.URL = t.srv.url
			c.Duration = cfg.Duration / time.Duration(rounds)
			if round > 0 {
				c.Warmup = laterWarmup
			}
			cpu0, self0 := t.srv.cpuTime(), selfCPU()
			res, err := loadgen.Run(ctx, c)
			t.cpu += t.srv.cpuTime() - cpu0
			t.gen += selfCPU() - self0
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			t.runs = append(t.runs, res)
		}
	}
	return nil
}

// report prints the merged rounds of every target: the table, peak RSS and
// CPU per request, status codes and the ratios to the reference (the first).
func report(targets []*target, e env) {
	var names, rss []string
	var results []loadgen.Result
	for _, t := range targets {
		res := loadgen.Merge(t.runs...)
		names = append(names, t.name)
		results = append(results, res)
		perReq := func(d time.Duration) string {
			if res.Sent == 0 || d <= 0 {
				return "unknown"
			}
			return fmt.Sprintf("%.1fµs", float64(d.Nanoseconds())/1e3/float64(res.Sent))
		}
		rss = append(rss, fmt.Sprintf("peak RSS %s; CPU per request: server %s, load generator %s",
			t.srv.peakRSS(), perReq(t.cpu), perReq(t.gen)))
	}
	fmt.Fprintln(e.stdout)
	loadgen.Table(e.stdout, names, results)
	fmt.Fprintln(e.stdout)
	for i := range names {
		fmt.Fprintf(e.stdout, "%-22s %s\n", names[i], rss[i])
	}
	printCodes(e.stdout, names, results)
	if len(results) >= 2 && results[0].RPS() > 0 && results[0].P99 > 0 {
		ref := results[0]
		fmt.Fprintln(e.stdout)
		for i := 1; i < len(results); i++ {
			fmt.Fprintf(e.stdout, "%s: %.2f× the reference's req/s, p99 %.2f× the reference's\n",
				names[i], results[i].RPS()/ref.RPS(), float64(results[i].P99)/float64(ref.P99))
		}
	}
}
