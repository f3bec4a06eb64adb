package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
)

// observations reads chakra_observations_total from /metrics.
func observations(t *testing.T, url string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "chakra_observations_total "); ok {
			x, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return x
		}
	}
	return 0
}

func waitObservations(t *testing.T, url string, n float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for observations(t, url) < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %v observations after 30 s", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHeadlessSimulateRecordThenReplay records the built-in battlefield of
// --headless --simulate with the server's verdicts, checks the file, and
// feeds it back with --replay.
func TestHeadlessSimulateRecordThenReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "headless.chakra.gz")
	url, stop := startHeadless(t, "--simulate", "--speed", "0", "--soldiers", "5", "--seed", "6", "--duration", "2m",
		"--poison-rate", "0.3", "--scorer", "threshold", "--record", path)
	waitObservations(t, url, 5*120)
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	r, err := session.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.HasVerdicts() || r.Meta().Detector != "threshold" || r.Len() != 120 {
		t.Fatalf("recording: verdicts %v, meta %+v, %d ticks", r.HasVerdicts(), r.Meta(), r.Len())
	}
	again, err := session.Open(path, session.WithRescore(func() (detector.Scorer, error) { return detector.NewThreshold() }))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	sim, err := engine.NewSim(*r.Header().Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 120 {
		a, err := r.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := again.Step(ctx)
		want, _ := sim.Next(ctx)
		if a.Frame.T != want.T || len(a.Frame.Truth) != len(want.Truth) || a.Frame.Obs[2].Values != want.Obs[2].Values && a.Frame.Obs[2].Missing == 0 {
			t.Fatalf("tick %d: the recorded frame is not the simulation's", i)
		}
		for j := range a.Verdicts {
			w := session.Rounded(b.Verdicts[j], false)
			if g := a.Verdicts[j]; g.State != w.State || g.Channels != w.Channels || g.Score != w.Score {
				t.Fatalf("tick %d soldier %d: recorded %+v, re-scored %+v", i, g.Soldier, g, w)
			}
		}
	}

	// --replay feeds the recording's frames through the server's monitor.
	url, stop = startHeadless(t, "--replay", path, "--speed", "0", "--scorer", "threshold")
	waitObservations(t, url, 5*120)
	resp, err := http.Get(url + "/soldiers/3")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"soldier_id":3`) {
		t.Fatalf("GET /soldiers/3 after the replay: %d %s", resp.StatusCode, b)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// Bad combinations and damaged files are refused before serving.
	data, _ := os.ReadFile(path)
	bad := filepath.Join(t.TempDir(), "bad.chakra.gz")
	os.WriteFile(bad, data[:100], 0o600) // cut inside the first gzip member: nothing to play
	for _, c := range []struct {
		args []string
		want error
		text string
	}{
		{[]string{"--replay", bad}, engine.ErrTruncatedRecording, "bad.chakra.gz"},
		{[]string{"--record", "x.gz"}, nil, "--record needs --simulate"},
		{[]string{"--replay", path, "--record", "x.gz"}, errRecordReplay, "--record and --replay"},
	} {
		err := run(context.Background(), append([]string{"--headless", "--addr", "127.0.0.1:0", "--scorer", "threshold"}, c.args...),
			strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || c.want != nil && !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%q: %v", c.args, err)
		}
	}
}
