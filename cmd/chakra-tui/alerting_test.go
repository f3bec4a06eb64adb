package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/ui/alertsink"
	"github.com/chakra-tui/chakra-tui/ui/alertsink/amtest"
)

// --headless --simulate with both sinks: the built-in battlefield's alerts
// reach a real Alertmanager (on the simulation's clock, linked to the
// server) and a signed webhook, and /metrics counts them.
func TestHeadlessAlertsReachAlertmanagerAndWebhook(t *testing.T) {
	am := amtest.Start(t, "")
	var signed, unsigned atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if alertsink.Verify([]byte("k"), body, r.Header.Get(alertsink.HeaderSignature)) && r.Header.Get(alertsink.HeaderAlertID) != "" {
			signed.Add(1)
		} else {
			unsigned.Add(1)
		}
	}))
	defer hook.Close()
	url, stop := startHeadless(t, "--simulate", "--speed", "0", "--soldiers", "5", "--poison-rate", "0.3",
		"--scorer", "threshold", "--alertmanager", am.URL(), "--alert-webhook", hook.URL, "--alert-webhook-secret", "k")
	type listed struct {
		Labels       map[string]string `json:"labels"`
		StartsAt     time.Time         `json:"startsAt"`
		GeneratorURL string            `json:"generatorURL"`
	}
	var got []listed
	for deadline := time.Now().Add(60 * time.Second); len(got) == 0 || signed.Load() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %d alerts in Alertmanager, %d signed webhook deliveries", len(got), signed.Load())
		}
		resp, err := http.Get(am.URL() + "/api/v2/alerts")
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
	}
	a := got[0]
	if a.Labels["alertname"] != alertsink.AlertName || a.Labels["soldier"] == "" || a.Labels["squad"] != "01" {
		t.Errorf("labels %v", a.Labels)
	}
	if !strings.HasPrefix(a.GeneratorURL, url+"/soldiers/") {
		t.Errorf("generatorURL %q, want a link to %s/soldiers/…", a.GeneratorURL, url)
	}
	if a.StartsAt.Year() != 2025 {
		t.Errorf("startsAt %v, want the simulation's clock (2025-06-01)", a.StartsAt)
	}
	if unsigned.Load() != 0 {
		t.Errorf("%d webhook deliveries without a valid signature or id", unsigned.Load())
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`chakra_alert_sink_delivered_total{sink="alertmanager"}`, `chakra_alert_sink_queue{sink="webhook"}`,
		`chakra_alert_sink_dropped_total{sink="webhook"} 0`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestSinksRefuseReplay(t *testing.T) {
	for _, args := range [][]string{
		{"--text", "--replay", "x.chakra.gz", "--alertmanager", "http://127.0.0.1:9093"},
		{"--ssh", "127.0.0.1:0", "--replay", "x.chakra.gz", "--alert-webhook", "http://127.0.0.1:9095"},
	} {
		err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
		if !errors.Is(err, errSinksReplay) {
			t.Errorf("%v: err %v, want errSinksReplay", args, err)
		}
	}
	err := run(context.Background(), []string{"--text", "--duration", "1s", "--alertmanager", "127.0.0.1:9093"}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--alertmanager") {
		t.Errorf("a URL without a scheme: err %v", err)
	}
}
