package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chakra-tui/chakra-tui/cmd/chakra-bench/loadgen"
)

// printAttack prints what an attack saw.
func printAttack(w io.Writer, ac loadgen.AttackConfig, r loadgen.AttackResult) {
	var codes []string
	for code, n := range r.Codes {
		codes = append(codes, fmt.Sprintf("%d×%d", code, n))
	}
	slices.Sort(codes)
	fmt.Fprintf(w, "attack %s: %d waves × %d connections held %v: %d opened, %d failed to open, %d bytes sent; at the end of each hold: answered %s, closed unanswered %d, still open %d\n",
		ac.Kind, ac.Waves, ac.Conns, ac.Hold, r.Opened, r.DialFail, r.BytesSent, strings.Join(codes, " "), r.Closed, r.Open)
}

// soakServer starts a server with its defaults on 127.0.0.1 (the
// chakra-tui binary bin, see serverBinary), runs the attack against it
// while sampling its RSS (VmRSS, VmHWM) and GET /health every 250 ms,
// keeps sampling for after, prints what it saw, and fails if the peak RSS
// reached rssLimit MB or a /health sample got no 200 within 2 s.
func soakServer(ctx context.Context, ac loadgen.AttackConfig, bin string, extra []string, rssLimit float64, after time.Duration, e env) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	if bin, err = serverBinary(bin, self); err != nil {
		return err
	}
	srv, err := startServer(bin, append([]string{"--headless", "--addr", "127.0.0.1:0"}, extra...))
	if err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	defer srv.stop()
	ac.URL = srv.url
	rss0, _ := srv.rss()
	fmt.Fprintf(e.stdout, "soak: %s --headless %s at %s, RSS %.1f MB at start\n", bin, strings.Join(extra, " "), srv.url, rss0)

	start := time.Now()
	sm := startSampler(srv, start)
	ac.OnWave = func(w int) {
		rss, _ := srv.rss()
		fmt.Fprintf(e.stdout, "  wave %d opened at %v, server RSS %.1f MB\n", w+1, time.Since(start).Round(time.Millisecond), rss)
	}
	res, aerr := loadgen.Attack(ctx, ac)
	sm.setPhase("after")
	select {
	case <-ctx.Done():
	case <-time.After(after):
	}
	samples := sm.stop()
	printAttack(e.stdout, ac, res)
	if aerr != nil {
		return fmt.Errorf("attack: %w", aerr)
	}
	_, hwm := srv.rss()
	return judgeSoak(e.stdout, samples, hwm, rssLimit)
}

// soakSample is one look at the server during a soak.
type soakSample struct {
	at          time.Duration // since the attack started
	rss, hwm    float64       // MB
	health      int           // status, 0 for none
	healthErr   string
	healthTaken time.Duration
	phase       string // "attack" or "after"
}

// sampler samples a server's RSS and /health every 250 ms until stopped.
type sampler struct {
	mu      sync.Mutex
	samples []soakSample
	phase   string
	stopc   chan struct{}
	done    chan struct{}
}

// startSampler starts sampling srv, in phase "attack".
func startSampler(srv *childServer, start time.Time) *sampler {
	s := &sampler{phase: "attack", stopc: make(chan struct{}), done: make(chan struct{})}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	go func() {
		defer close(s.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			s.add(sampleServer(srv, client, start))
			select {
			case <-s.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// sampleServer takes one sample of srv.
func sampleServer(srv *childServer, client *http.Client, start time.Time) soakSample {
	s := soakSample{at: time.Since(start)}
	s.rss, s.hwm = srv.rss()
	t0 := time.Now()
	resp, err := client.Get(srv.url + "/health")
	s.healthTaken = time.Since(t0)
	if err != nil {
		s.healthErr = err.Error()
		return s
	}
	s.health = resp.StatusCode
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return s
}

func (s *sampler) add(x soakSample) {
	s.mu.Lock()
	x.phase = s.phase
	s.samples = append(s.samples, x)
	s.mu.Unlock()
}

// setPhase labels the samples taken from now on.
func (s *sampler) setPhase(p string) {
	s.mu.Lock()
	s.phase = p
	s.mu.Unlock()
}

// stop ends the sampling and returns the samples.
func (s *sampler) stop() []soakSample {
	close(s.stopc)
	<-s.done
	return s.samples
}

// judgeSoak prints the soak's samples and fails it if the peak RSS (the
// samples' and hwm, MB, read at the end) reached rssLimit MB, a /health
// sample failed, or none was taken after the attack.
func judgeSoak(w io.Writer, samples []soakSample, hwm, rssLimit float64) error {
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
	peak = max(peak, hwm)
	fmt.Fprintf(w, "server RSS: peak (VmHWM) %.1f MB, highest sampled VmRSS %.1f MB, last %.1f MB (limit %.0f MB)\n", peak, peakRSS, lastRSS, rssLimit)
	fmt.Fprintf(w, "/health: during the attack %d×200, %d failed; after it %d×200, %d failed; slowest answer %v\n",
		counts["attack"][0], counts["attack"][1], counts["after"][0], counts["after"][1], maxTaken.Round(time.Millisecond))
	for _, f := range failures {
		fmt.Fprintf(w, "  /health failed %s\n", f)
	}
	switch {
	case peak >= rssLimit:
		return fmt.Errorf("soak failed: the server's peak RSS %.1f MB reached the %.0f MB limit", peak, rssLimit)
	case counts["attack"][1]+counts["after"][1] > 0:
		return fmt.Errorf("soak failed: /health did not answer 200 within 2 s %d time(s)", counts["attack"][1]+counts["after"][1])
	case counts["after"][0] == 0:
		return errors.New("soak failed: no /health sample after the attack")
	}
	fmt.Fprintln(w, "soak passed")
	return nil
}
