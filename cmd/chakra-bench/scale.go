package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/featurestore/redisserver"
)

// scaleFlags are the flags of chakra-bench scale.
type scaleFlags struct {
	soldiers   int
	duration   time.Duration
	speed      float64
	store      string
	poll       time.Duration
	maxLag     time.Duration
	check      bool
	serverBin  string
	serverArgs string
	gogc       int
	memLimit   string
}

const scaleUsage = `Usage: chakra-bench scale [flags]

Start chakra-tui --headless --simulate with --soldiers soldiers at --speed on 127.0.0.1 (the
in-memory store, or a Redis this command starts), let it run for --duration, and print what it
kept up with: ticks published against ticks due, verdicts per second, the lag of each tick behind
its pace (p50, p99, max; chakra_tick_lag_seconds sampled every --poll, and the server's own
maximum), peak RSS (VmHWM) per soldier and CPU. With --check it fails when the lag exceeds
--max-lag. See docs/scale.md.

Flags:
`

func newScaleFlags(stderr io.Writer) (*flag.FlagSet, *scaleFlags) {
	fs := flag.NewFlagSet("chakra-bench scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, scaleUsage)
		fs.PrintDefaults()
	}
	f := &scaleFlags{}
	fs.IntVar(&f.soldiers, "soldiers", 50_000, "simulated soldiers")
	fs.DurationVar(&f.duration, "duration", 2*time.Minute, "how long to run (wall time)")
	fs.Float64Var(&f.speed, "speed", 1, "simulated seconds per wall second (> 0)")
	fs.StringVar(&f.store, "store", "memory", "memory, or redis: a redis-server started on a free loopback port")
	fs.DurationVar(&f.poll, "poll", 200*time.Millisecond, "how often /metrics and /proc are read")
	fs.DurationVar(&f.maxLag, "max-lag", time.Second, "the lag a pipeline that keeps up stays within")
	fs.BoolVar(&f.check, "check", false, "exit non-zero when the largest lag exceeds --max-lag")
	fs.StringVar(&f.serverBin, "server-bin", "", "the chakra-tui binary (default: chakra-tui beside this binary)")
	fs.IntVar(&f.gogc, "gogc", 0, "GOGC of the server (0: its environment's): a lower one trades CPU for a smaller heap")
	fs.StringVar(&f.memLimit, "memlimit", "", "GOMEMLIMIT of the server (e.g. 1000MiB; empty: its environment's): a soft limit the collector works to stay under")
	fs.StringVar(&f.serverArgs, "server-args", "", "extra flags for the server (space-separated, e.g. --workers=1)")
	return fs, f
}

// runScale is chakra-bench scale.
func runScale(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newScaleFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("scale: unexpected argument %q", fs.Arg(0))
	case f.gogc < 0:
		return errors.New("scale: --gogc must be ≥ 0")
	case f.soldiers < 1 || f.duration <= 0 || !(f.speed > 0) || math.IsInf(f.speed, 0) || f.poll <= 0:
		return errors.New("scale: --soldiers, --duration, --speed and --poll must be positive")
	case f.store != "memory" && f.store != "redis":
		return fmt.Errorf("scale: --store %q: want memory or redis", f.store)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bin, err := serverBinary(f.serverBin, self)
	if err != nil {
		return err
	}
	srvArgs := []string{"--headless", "--simulate", "--addr", "127.0.0.1:0", "--soldiers", strconv.Itoa(f.soldiers),
		"--speed", strconv.FormatFloat(f.speed, 'g', -1, 64)}
	redisPid := 0
	if f.store == "redis" {
		r, err := redisserver.Start("")
		if err != nil {
			return fmt.Errorf("scale: start redis-server: %w", err)
		}
		defer r.Close()
		srvArgs = append(srvArgs, "--store", r.URL())
		redisPid = r.Pid()
	}
	srvArgs = append(srvArgs, strings.Fields(f.serverArgs)...)
	gogc := ""
	if f.gogc > 0 {
		// The child inherits the environment; the Go runtime reads GOGC at
		// start, so setting it here leaves this process's own GC alone.
		gogc = "GOGC=" + strconv.Itoa(f.gogc) + " "
		if err := os.Setenv("GOGC", strconv.Itoa(f.gogc)); err != nil {
			return err
		}
	}
	if f.memLimit != "" {
		gogc += "GOMEMLIMIT=" + f.memLimit + " "
		if err := os.Setenv("GOMEMLIMIT", f.memLimit); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "scale: %s%s %s\n", gogc, bin, strings.Join(srvArgs, " "))
	srv, err := startServer(bin, srvArgs)
	if err != nil {
		return fmt.Errorf("scale: %w", err)
	}
	defer srv.stop()
	res, err := sampleScale(ctx, srv, redisPid, f)
	if err != nil {
		return err
	}
	res.print(stdout, f)
	if f.check && res.serverMax > f.maxLag.Seconds() {
		return fmt.Errorf("scale: the largest lag, %.2f s, exceeds --max-lag %v", res.serverMax, f.maxLag)
	}
	return nil
}

// scaleResult is what a scale run measured.
type scaleResult struct {
	wall              time.Duration
	firstTick, ticks  int64   // the first tick seen and the last one
	verdicts          float64 // verdicts produced during the run
	lags              []float64
	serverMax         float64 // chakra_tick_lag_max_seconds at the end
	hwm               float64 // MB
	cpu               time.Duration
	ticksDue          float64
	firstLag, lastLag float64
	// From the first tick sampled after the scorer's warm-up (steadyFrom)
	// to the end: the CPU time and the ticks published.
	steadyTick int64
	steadyCPU  time.Duration
	// redis-server's CPU time (--store redis): over the run, and over the
	// ticks after the warm-up.
	redisCPU, steadyRedis time.Duration
}

// steadyFrom is the first tick counted as past the warm-up: the TFT
// forecasts from its 31st row on, and the first ticks warm up cheaply.
const steadyFrom = 35

// sampleScale reads the server's /metrics and /proc every poll for the
// run's duration.
func sampleScale(ctx context.Context, srv *childServer, redisPid int, f *scaleFlags) (*scaleResult, error) {
	redisCPU := func() time.Duration {
		if redisPid == 0 {
			return 0
		}
		return procCPU(redisPid)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	res := &scaleResult{firstTick: -1}
	start := time.Now()
	cpu0, redis0 := srv.cpuTime(), redisCPU()
	seen := map[int64]bool{}
	var v0 float64
	t := time.NewTicker(f.poll)
	defer t.Stop()
	end := time.After(f.duration)
	first := true
	for {
		m, err := scrape(client, srv.url+"/metrics")
		if err != nil {
			return nil, fmt.Errorf("scale: %w", err)
		}
		if first {
			v0, first = m["chakra_verdicts_total"], false
		}
		if tick, ok := m["chakra_simulation_tick"]; ok && m["chakra_tick_lag_distribution_seconds_count"] > 0 && !seen[int64(tick)] {
			seen[int64(tick)] = true
			res.lags = append(res.lags, m["chakra_tick_lag_seconds"])
			if res.firstTick < 0 {
				res.firstTick, res.firstLag = int64(tick), m["chakra_tick_lag_seconds"]
			}
			res.ticks, res.lastLag = int64(tick), m["chakra_tick_lag_seconds"]
			if res.steadyTick == 0 && tick >= steadyFrom {
				res.steadyTick, res.steadyCPU, res.steadyRedis = int64(tick), srv.cpuTime(), redisCPU()
			}
		}
		res.serverMax = m["chakra_tick_lag_max_seconds"]
		res.verdicts = m["chakra_verdicts_total"] - v0
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-srv.done:
			return nil, errors.New("scale: the server exited during the run")
		case <-end:
			res.wall = time.Since(start)
			cpu := srv.cpuTime()
			res.cpu = cpu - cpu0
			rcpu := redisCPU()
			res.redisCPU = rcpu - redis0
			if res.steadyTick > 0 {
				res.steadyCPU = cpu - res.steadyCPU
				res.steadyRedis = rcpu - res.steadyRedis
			}
			_, res.hwm = srv.rss()
			res.ticksDue = res.wall.Seconds() * f.speed
			return res, nil
		case <-t.C:
		}
	}
}

// scrape reads a Prometheus text exposition and sums each metric's
// samples over their labels.
func scrape(client *http.Client, url string) (map[string]float64, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(l, ' ')
		if sp < 0 {
			continue
		}
		name := l[:sp]
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		if v, err := strconv.ParseFloat(l[sp+1:], 64); err == nil {
			out[name] += v
		}
	}
	return out, sc.Err()
}

// quantile returns the q-quantile of sorted xs (nearest rank).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}

func (r *scaleResult) print(w io.Writer, f *scaleFlags) {
	lags := slices.Clone(r.lags)
	slices.Sort(lags)
	published := r.ticks - r.firstTick + 1
	if r.firstTick < 0 {
		published = 0
	}
	cores := r.cpu.Seconds() / r.wall.Seconds()
	fmt.Fprintf(w, "soldiers            %d at ×%g, %s store, %v\n", f.soldiers, f.speed, f.store, r.wall.Round(time.Millisecond))
	fmt.Fprintf(w, "ticks               %d published while sampled (tick %d to %d), %.0f due in the wall time\n", published, r.firstTick, r.ticks, r.ticksDue)
	fmt.Fprintf(w, "verdicts/s          %.0f (%.0f needed at ×%g)\n", r.verdicts/r.wall.Seconds(), float64(f.soldiers)*f.speed, f.speed)
	fmt.Fprintf(w, "lag p50/p99/max     %.3f / %.3f / %.3f s over %d ticks sampled (server's max %.3f s; first %.3f, last %.3f)\n",
		quantile(lags, 0.5), quantile(lags, 0.99), quantile(lags, 1), len(lags), r.serverMax, r.firstLag, r.lastLag)
	fmt.Fprintf(w, "RSS peak            %.0f MB (VmHWM), %.1f KB per soldier\n", r.hwm, r.hwm*1024/float64(f.soldiers))
	fmt.Fprintf(w, "CPU                 %.2f s in %v: %.2f cores of %d", r.cpu.Seconds(), r.wall.Round(time.Second), cores, runtime.NumCPU())
	fmt.Fprintln(w)
	if f.store == "redis" {
		fmt.Fprintf(w, "redis-server CPU    %.2f s in %v: %.2f cores of %d\n", r.redisCPU.Seconds(), r.wall.Round(time.Second),
			r.redisCPU.Seconds()/r.wall.Seconds(), runtime.NumCPU())
	}
	if n := r.ticks - r.steadyTick; r.steadyTick > 0 && n > 0 {
		perTick := r.steadyCPU.Seconds() / float64(n)
		fmt.Fprintf(w, "after the warm-up   %.3f CPU-s per tick (ticks %d to %d): %.0f verdicts per CPU-second; %.0f/s if all %d cores were this server's\n",
			perTick, r.steadyTick, r.ticks, float64(f.soldiers)/perTick, float64(f.soldiers)/perTick*float64(runtime.NumCPU()), runtime.NumCPU())
		if f.store == "redis" {
			both := perTick + r.steadyRedis.Seconds()/float64(n)
			fmt.Fprintf(w, "  with redis-server %.3f CPU-s per tick (its own %.3f): %.0f verdicts per CPU-second; %.0f/s on all %d cores\n",
				both, both-perTick, float64(f.soldiers)/both, float64(f.soldiers)/both*float64(runtime.NumCPU()), runtime.NumCPU())
		}
	}
	keeps := "yes"
	if r.serverMax > f.maxLag.Seconds() {
		keeps = "no"
	}
	fmt.Fprintf(w, "keeps up            %s (largest lag %.3f s, limit %v)\n", keeps, r.serverMax, f.maxLag)
}
