package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHeadlessArgs(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	for _, c := range []struct {
		args []string
		env  string
		rest []string
		on   bool
	}{
		{[]string{"--headless", "--addr", ":1"}, "", []string{"--addr", ":1"}, true},
		{[]string{"-headless"}, "", []string{}, true},
		{[]string{"--headless=true", "--simulate"}, "", []string{"--simulate"}, true},
		{[]string{"--seed", "3"}, "", []string{"--seed", "3"}, false},
		{[]string{"--seed", "3"}, "1", []string{"--seed", "3"}, true},
		{[]string{"--headless=false"}, "1", []string{}, false},
		{[]string{"--", "--headless"}, "", []string{"--", "--headless"}, false},
		{[]string{"headless"}, "", []string{"headless"}, false},
	} {
		env := noEnv
		if c.env != "" {
			env = func(k string) (string, bool) { return c.env, k == "CHAKRA_HEADLESS" }
		}
		rest, on := headlessArgs(c.args, env)
		if on != c.on || !slices.Equal(rest, c.rest) {
			t.Errorf("%q env %q: %q %v, want %q %v", c.args, c.env, rest, on, c.rest, c.on)
		}
	}
}

func TestCheckExposure(t *testing.T) {
	var warn strings.Builder
	for _, addr := range []string{"127.0.0.1:8000", "localhost:1", "[::1]:80", "127.8.9.1:0"} {
		if err := checkExposure(addr, "", false, &warn); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
	for _, addr := range []string{"0.0.0.0:8000", ":8000", "10.1.2.3:80", "example.com:80"} {
		if err := checkExposure(addr, "", false, &warn); err == nil || !strings.Contains(err.Error(), "--token") {
			t.Errorf("%s without token: %v", addr, err)
		}
		if err := checkExposure(addr, "t", false, &warn); err != nil {
			t.Errorf("%s with token: %v", addr, err)
		}
	}
	if warn.Len() != 0 {
		t.Fatalf("warned: %s", warn.String())
	}
	if err := checkExposure("0.0.0.0:8000", "", true, &warn); err != nil || !strings.Contains(warn.String(), "WARNING") {
		t.Fatalf("--insecure: %v %q", err, warn.String())
	}
	if err := checkExposure("nonsense", "", false, &warn); err == nil {
		t.Fatal("bad address accepted")
	}
}

// startHeadless runs the --headless mode with args and returns its base URL
// and a function that stops it and returns its error.
func startHeadless(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	return startMode(t, append([]string{"--headless", "--addr", "127.0.0.1:0"}, args...), "listening ", 10*time.Second)
}

// startMode runs the program with args until the test ends. It waits for
// its first line of output, which must start with prefix, and returns the
// rest of that line (the address it serves on) and a function that stops it
// (waiting at most wait) and returns its error.
func startMode(t *testing.T, args []string, prefix string, wait time.Duration) (string, func() error) {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("%v: no listening line: %v", args, <-done)
	}
	addr, ok := strings.CutPrefix(lines.Text(), prefix)
	if !ok {
		t.Fatalf("%v: first line %q, want %q…", args, lines.Text(), prefix)
	}
	go func() {
		for lines.Scan() {
		}
	}()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(wait):
			t.Fatalf("%v did not stop within %v", args, wait)
		}
		return nil
	}
	t.Cleanup(func() { stop() })
	return addr, stop
}

func TestHeadlessServesAndStops(t *testing.T) {
	url, stop := startHeadless(t, "--scorer", "threshold", "--token", "tok")
	req, _ := http.NewRequest("POST", url+"/predict", strings.NewReader(`{"soldier_id": 1, "heart_rate": 190, "stamina": 100, "timestamp": 1234567890}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"scorer":"threshold"`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestHeadlessRefusesExposedAddress(t *testing.T) {
	err := run(context.Background(), []string{"headless", "--addr", "0.0.0.0:0"}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--token") {
		t.Fatalf("err = %v", err)
	}
}

// TestHeadlessSimulate: the simulation runs inside the server and its
// alerts reach /alerts without any client posting.
func TestHeadlessSimulate(t *testing.T) {
	url, stop := startHeadless(t, "--simulate", "--speed", "0", "--soldiers", "5", "--poison-rate", "0.3",
		"--scorer", "threshold", "--heartbeat", "100ms")
	resp, err := http.Get(url + "/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan string, 1)
	go func() {
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				close(got)
				return
			}
			if strings.HasPrefix(line, "event: alert") {
				got <- line
				return
			}
		}
	}()
	select {
	case _, ok := <-got:
		if !ok {
			t.Fatal("stream ended without an alert")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no alert from the built-in simulation within 30 s")
	}
	r, err := http.Post(url+"/predict", "application/json", strings.NewReader(`{"soldier_id": 2, "heart_rate": 80, "stamina": 90, "timestamp": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 409 || !strings.Contains(string(b), "simulated_soldier") {
		t.Fatalf("predict for a simulated soldier: %d %s", r.StatusCode, b)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestHeadlessForcedShutdownIsAnError: a request still running when the
// shutdown grace period ends is cut off, and the mode returns an error (the
// process exits 1) that says how many were.
func TestHeadlessForcedShutdownIsAnError(t *testing.T) {
	url, stop := startHeadless(t, "--scorer", "threshold", "--shutdown-timeout", "50ms", "--read-timeout", "1m")
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // a hang bound
	// Expect: 100-continue makes the server say when the handler starts
	// reading the body, which then never comes: the request is in flight.
	if _, err := io.WriteString(c, "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: 100\r\nExpect: 100-continue\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("waiting for 100 Continue: %q %v", line, err)
	}
	err = stop()
	if err == nil || !strings.Contains(err.Error(), "1 request(s) still running were cut off") {
		t.Fatalf("forced shutdown: %v, want an error counting 1 request cut off", err)
	}
}

func TestHeadlessMaxConnsFlag(t *testing.T) {
	err := run(context.Background(), []string{"headless", "--scorer", "threshold", "--addr", "127.0.0.1:0", "--max-conns", "0"},
		strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "connection limit 0") {
		t.Fatalf("--max-conns 0: %v", err)
	}
	t.Setenv("CHAKRA_MAX_CONNS", "-3")
	err = run(context.Background(), []string{"headless", "--scorer", "threshold", "--addr", "127.0.0.1:0"},
		strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "connection limit -3") {
		t.Fatalf("CHAKRA_MAX_CONNS=-3: %v", err)
	}
}
