package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chakra-tui/chakra-tui/cmd/chakra-bench/loadgen"
	"github.com/chakra-tui/chakra-tui/featurestore/redisserver"
)

// runLoadgen drives one server, or with --compare starts the servers to
// compare itself and prints them side by side.
func runLoadgen(ctx context.Context, args []string, e env) error {
	c := newCommand("loadgen", "chakra-tui loadgen [flags] [URL]",
		"Drive POST /predict like the prototype's client: soldiers cycling, each soldier's timestamps\n"+
			"increasing, a fixed number of keep-alive connections, a bounded time. Prints req/s, latency\n"+
			"percentiles and errors. With --compare it starts, on 127.0.0.1, the do-nothing reference\n"+
			"handler, the server with the in-memory store and (if redis-server is installed) the server with\n"+
			"a Redis it starts, drives each in turn and prints a table with each server's peak RSS. With\n"+
			"--batch it drives POST /predict/batch with ticks of each connection's soldiers and prints\n"+
			"verdicts/s too.", e.stderr)
	var cfg loadgen.Config
	fs := c.fs
	fs.IntVar(&cfg.Conns, "conns", 16, "concurrent keep-alive connections")
	c.example("conns", "32")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time per target")
	c.example("duration", "30s")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured time first (connections, scorer warm-up)")
	c.example("warmup", "5s")
	fs.IntVar(&cfg.Soldiers, "soldiers", 100, "soldiers cycling")
	c.example("soldiers", "1000")
	fs.IntVar(&cfg.FirstID, "first-id", 1, "id of the first soldier")
	c.example("first-id", "1001")
	fs.StringVar(&cfg.Token, "token", "", "bearer token of the server")
	c.example("token", "s3cret")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the simulated readings")
	c.example("seed", "7")
	fs.BoolVar(&cfg.Prototype, "prototype-body", false, "send only the prototype's fields (no core_temp, spo2)")
	c.example("prototype-body", "true")
	fs.BoolVar(&cfg.Batch, "batch", false, "POST /predict/batch: each request carries a tick of every soldier its connection owns (soldiers/conns)")
	c.example("batch", "true")
	compare := fs.Bool("compare", false, "start the reference, memory and Redis servers and compare them")
	c.example("compare", "true")
	redis := fs.Bool("redis", true, "with --compare: include the Redis store when redis-server is installed")
	c.example("redis", "false")
	rounds := fs.Int("rounds", 5, "with --compare: interleaved rounds the measured time is split into")
	c.example("rounds", "10")
	serverArgs := fs.String("server-args", "", "with --compare: extra flags for every server started (space-separated)")
	c.example("server-args", "--scorer=threshold")
	attack := fs.String("attack", "", "instead of load, run an attack (loopback only): declared-length — each connection declares a 1 MiB body, sends 1 byte and holds on")
	c.example("attack", "declared-length")
	waves := fs.Int("waves", 8, "with --attack: waves of --conns connections")
	c.example("waves", "8")
	hold := fs.Duration("hold", 5*time.Second, "with --attack: how long each wave holds its connections")
	c.example("hold", "10s")
	soak := fs.Bool("soak", false, "with --attack: start the server (--server-bin, defaults, 127.0.0.1), sample its RSS and /health during and after the attack, and fail if RSS reaches --rss-limit or /health stops answering")
	c.example("soak", "true")
	serverBin := fs.String("server-bin", "", "with --soak: the chakra-tui binary to attack (default: this one)")
	c.example("server-bin", "/tmp/chakra-tui-main")
	rssLimit := fs.Float64("rss-limit", 150, "with --soak: the server's peak RSS, MB, at or above which the soak fails")
	c.example("rss-limit", "150")
	after := fs.Duration("after", 5*time.Second, "with --soak: how long to keep sampling after the attack")
	c.example("after", "30s")
	if err := c.parse(args); err != nil {
		return err
	}
	if *attack != "" {
		ac := loadgen.AttackConfig{Kind: *attack, Conns: cfg.Conns, Waves: *waves, Hold: *hold}
		if *soak {
			if c.fs.NArg() != 0 {
				return errors.New("loadgen: --soak starts its own server; give no URL")
			}
			return soakServer(ctx, ac, *serverBin, strings.Fields(*serverArgs), *rssLimit, *after, e)
		}
		if c.fs.NArg() != 1 {
			return errors.New("loadgen: --attack needs the server's URL (http://127.0.0.1:PORT), or --soak")
		}
		ac.URL = c.fs.Arg(0)
		res, err := loadgen.Attack(ctx, ac)
		printAttack(e.stdout, ac, res)
		return err
	}
	if !*compare {
		if c.fs.NArg() != 1 {
			return errors.New("loadgen: give the server's URL (e.g. http://127.0.0.1:8000), or --compare")
		}
		cfg.URL = c.fs.Arg(0)
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
	if c.fs.NArg() != 0 {
		return errors.New("loadgen: --compare starts its own servers; give no URL")
	}
	if cfg.Batch {
		return errors.New("loadgen: --batch needs a URL: the reference handler of --compare serves only /predict")
	}
	return compareServers(ctx, cfg, *rounds, *redis, strings.Fields(*serverArgs), e)
}

func printAttack(w io.Writer, ac loadgen.AttackConfig, r loadgen.AttackResult) {
	var codes []string
	for code, n := range r.Codes {
		codes = append(codes, fmt.Sprintf("%d×%d", code, n))
	}
	slices.Sort(codes)
	fmt.Fprintf(w, "attack %s: %d waves × %d connections held %v: %d opened, %d failed to open, %d bytes sent; at the end of each hold: answered %s, closed unanswered %d, still open %d\n",
		ac.Kind, ac.Waves, ac.Conns, ac.Hold, r.Opened, r.DialFail, r.BytesSent, strings.Join(codes, " "), r.Closed, r.Open)
}

// soakServer starts a server with its defaults on 127.0.0.1, runs the
// attack against it while sampling its RSS (VmRSS, VmHWM) and GET /health
// every 250 ms, keeps sampling for after, prints what it saw, and fails if
// the peak RSS reached rssLimit MB or a /health sample got no 200 within
// 2 s.
func soakServer(ctx context.Context, ac loadgen.AttackConfig, bin string, extra []string, rssLimit float64, after time.Duration, e env) error {
	if bin == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("loadgen: find own binary: %w", err)
		}
		bin = self
	}
	srv, err := startServer(bin, append([]string{"--headless", "--addr", "127.0.0.1:0"}, extra...), e.stderr)
	if err != nil {
		return fmt.Errorf("loadgen: start %s: %w", bin, err)
	}
	defer srv.stop()
	ac.URL = srv.url
	rss0, _ := srv.rss()
	fmt.Fprintf(e.stdout, "soak: %s --headless %s at %s, RSS %.1f MB at start\n", bin, strings.Join(extra, " "), srv.url, rss0)

	type sample struct {
		at          time.Duration
		rss, hwm    float64
		health      int // status, 0 for none
		healthErr   string
		healthTaken time.Duration
		phase       string
	}
	var (
		mu      sync.Mutex
		samples []sample
		phase   = "attack"
	)
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			s := sample{at: time.Since(start)}
			s.rss, s.hwm = srv.rss()
			t0 := time.Now()
			resp, err := client.Get(srv.url + "/health")
			s.healthTaken = time.Since(t0)
			if err != nil {
				s.healthErr = err.Error()
			} else {
				s.health = resp.StatusCode
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			s.phase = phase
			samples = append(samples, s)
			mu.Unlock()
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()
	ac.OnWave = func(w int) {
		rss, _ := srv.rss()
		fmt.Fprintf(e.stdout, "  wave %d opened at %v, server RSS %.1f MB\n", w+1, time.Since(start).Round(time.Millisecond), rss)
	}
	res, aerr := loadgen.Attack(ctx, ac)
	mu.Lock()
	phase = "after"
	mu.Unlock()
	select {
	case <-ctx.Done():
	case <-time.After(after):
	}
	close(stopSampling)
	<-sampled
	printAttack(e.stdout, ac, res)
	if aerr != nil {
		return fmt.Errorf("loadgen: attack: %w", aerr)
	}
	var peak, peakRSS, lastRSS float64
	var maxTaken time.Duration
	counts := map[string][2]int{} // phase → {answered 200, not}
	var failures []string
	for _, s := range samples {
		peak, peakRSS, lastRSS = max(peak, s.hwm), max(peakRSS, s.rss), s.rss
		maxTaken = max(maxTaken, s.healthTaken)
		c := counts[s.phase]
		if s.health == 200 {
			c[0]++
		} else {
			c[1]++
			if len(failures) < 5 {
				failures = append(failures, fmt.Sprintf("at %v: %d %s", s.at.Round(time.Millisecond), s.health, s.healthErr))
			}
		}
		counts[s.phase] = c
	}
	_, hwm := srv.rss()
	peak = max(peak, hwm)
	fmt.Fprintf(e.stdout, "server RSS: peak (VmHWM) %.1f MB, highest sampled VmRSS %.1f MB, last %.1f MB (limit %.0f MB)\n", peak, peakRSS, lastRSS, rssLimit)
	fmt.Fprintf(e.stdout, "/health: during the attack %d×200, %d failed; after it %d×200, %d failed; slowest answer %v\n",
		counts["attack"][0], counts["attack"][1], counts["after"][0], counts["after"][1], maxTaken.Round(time.Millisecond))
	for _, f := range failures {
		fmt.Fprintf(e.stdout, "  /health failed %s\n", f)
	}
	switch {
	case peak >= rssLimit:
		return fmt.Errorf("loadgen: soak failed: the server's peak RSS %.1f MB reached the %.0f MB limit", peak, rssLimit)
	case counts["attack"][1]+counts["after"][1] > 0:
		return fmt.Errorf("loadgen: soak failed: /health did not answer 200 within 2 s %d time(s)", counts["attack"][1]+counts["after"][1])
	case counts["after"][0] == 0:
		return errors.New("loadgen: soak failed: no /health sample after the attack")
	}
	fmt.Fprintln(e.stdout, "soak passed")
	return nil
}

// target is a server compareServers starts and drives.
type target struct {
	name string
	args []string
}

// laterWarmup is the unmeasured start of every round after the first: new
// connections and timestamps resynchronised, the scorer already warm.
const laterWarmup = 300 * time.Millisecond

func compareServers(ctx context.Context, cfg loadgen.Config, rounds int, withRedis bool, extra []string, e env) error {
	if rounds < 1 {
		return fmt.Errorf("loadgen: --rounds %d (want ≥ 1)", rounds)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("loadgen: find own binary: %w", err)
	}
	base := append([]string{"--headless", "--addr", "127.0.0.1:0"}, extra...)
	targets := []target{
		{"reference (do-nothing)", append(append([]string{}, base...), "--reference")},
		{"server, memory store", base},
	}
	if withRedis {
		switch r, err := redisserver.Start(""); {
		case err == nil:
			defer r.Close()
			targets = append(targets, target{"server, redis store", append(append([]string{}, base...), "--store", r.URL())})
		case !errors.Is(err, redisserver.ErrNotInstalled):
			return fmt.Errorf("loadgen: %w", err)
		default:
			fmt.Fprintln(e.stderr, "loadgen: redis-server not installed; skipping the Redis store")
		}
	}
	load1, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(e.stdout, "%d connections, %d soldiers, %v measured per target in %d interleaved rounds (warm-up %v first, %v later); GOMAXPROCS %d; load average before: %s\n",
		cfg.Conns, cfg.Soldiers, cfg.Duration, rounds, cfg.Warmup, laterWarmup, runtime.GOMAXPROCS(0), strings.TrimSpace(string(load1)))
	servers := make([]*childServer, len(targets))
	defer func() {
		for _, s := range servers {
			if s != nil {
				s.stop()
			}
		}
	}()
	for i, t := range targets {
		srv, err := startServer(self, t.args, e.stderr)
		if err != nil {
			return fmt.Errorf("loadgen: start %s: %w", t.name, err)
		}
		servers[i] = srv
	}
	// Rounds alternate the targets, so a change in the machine's other load
	// during the run affects them alike.
	runs := make([][]loadgen.Result, len(targets))
	cpu := make([]time.Duration, len(targets))
	gen := make([]time.Duration, len(targets))
	for round := range rounds {
		for i, t := range targets {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c := cfg
			c.URL = servers[i].url
			c.Duration = cfg.Duration / time.Duration(rounds)
			if round > 0 {
				c.Warmup = laterWarmup
			}
			cpu0, self0 := servers[i].cpuTime(), selfCPU()
			res, err := loadgen.Run(ctx, c)
			cpu[i] += servers[i].cpuTime() - cpu0
			gen[i] += selfCPU() - self0
			if err != nil {
				return fmt.Errorf("loadgen: %s: %w", t.name, err)
			}
			runs[i] = append(runs[i], res)
		}
	}
	var names []string
	var results []loadgen.Result
	var rss []string
	for i, t := range targets {
		res := loadgen.Merge(runs[i]...)
		names = append(names, t.name)
		results = append(results, res)
		perReq := func(d time.Duration) string {
			if res.Sent == 0 || d <= 0 {
				return "unknown"
			}
			return fmt.Sprintf("%.1fµs", float64(d.Nanoseconds())/1e3/float64(res.Sent))
		}
		rss = append(rss, fmt.Sprintf("peak RSS %s; CPU per request: server %s, load generator %s",
			servers[i].peakRSS(), perReq(cpu[i]), perReq(gen[i])))
	}
	load2, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(e.stdout, "load average after: %s\n", strings.TrimSpace(string(load2)))
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
	return nil
}

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

// childServer is a server process started by compareServers.
type childServer struct {
	cmd  *exec.Cmd
	url  string
	logs string // the server's stderr
	done chan struct{}
}

// startServer runs the binary with args and waits for its "listening" line.
func startServer(bin string, args []string, stderr io.Writer) (*childServer, error) {
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	logs, err := os.CreateTemp("", "chakra-loadgen-*.log")
	if err != nil {
		return nil, err
	}
	defer logs.Close()
	cmd.Stderr = logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &childServer{cmd: cmd, logs: logs.Name(), done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()
	select {
	case l := <-lines:
		u, ok := strings.CutPrefix(l, "listening ")
		if !ok {
			s.stop()
			return nil, fmt.Errorf("unexpected first line %q", l)
		}
		s.url = u
		return s, nil
	case <-s.done:
		b, _ := os.ReadFile(logs.Name())
		os.Remove(logs.Name())
		return nil, fmt.Errorf("exited at start: %s", strings.TrimSpace(string(b)))
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, errors.New("no listening line within 30 s")
	}
}

// rss reads the process's resident set (VmRSS) and its peak (VmHWM), MB,
// from /proc; 0 if unknown.
func (s *childServer) rss() (rss, hwm float64) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "status"))
	if err != nil {
		return 0, 0
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		for key, dst := range map[string]*float64{"VmRSS:": &rss, "VmHWM:": &hwm} {
			if v, ok := strings.CutPrefix(l, key); ok {
				if kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))); err == nil {
					*dst = float64(kb) / 1024
				}
			}
		}
	}
	return rss, hwm
}

// peakRSS reads the process's peak resident set from /proc.
func (s *childServer) peakRSS() string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "status"))
	if err != nil {
		return "unknown"
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err == nil {
				return fmt.Sprintf("%.1f MB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}

// cpuTime reads the process's user and system CPU time from /proc.
func (s *childServer) cpuTime() time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "stat"))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name: state is field 3; utime
	// and stime are fields 14 and 15, in clock ticks (100 per second).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is this process's user and system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stop asks the server to shut down (SIGTERM) and kills it after 10 s.
func (s *childServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	os.Remove(s.logs)
}
