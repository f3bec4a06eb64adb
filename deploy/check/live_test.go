package check

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"

	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// binary is the chakra-tui the chart deploys: $CHAKRA_BIN (make
// deploy-check passes bin/chakra-tui), else built from the repository.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func chakraBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if p := os.Getenv("CHAKRA_BIN"); p != "" {
			binPath, binErr = filepath.Abs(p)
			return
		}
		dir, err := os.MkdirTemp("", "deploy-check-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "chakra-tui")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/chakra-tui")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/chakra-tui: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// deployment returns the rendered Deployment's container and the token
// its Secret holds (defaults only).
func deployment(t *testing.T, v variant) (corev1.Container, string) {
	t.Helper()
	objs := rendered(t, v)
	d := Find[*appsv1.Deployment](objs)[0]
	c := d.Spec.Template.Spec.Containers[0]
	token := ""
	for _, s := range Find[*corev1.Secret](objs) {
		token = string(s.Data["token"])
	}
	return c, token
}

// TestDeploymentArgsParse: every flag in the Deployment's args, with every
// option on, is one the binary's flag parser accepts (--help after them
// makes the parse stop before the server starts).
func TestDeploymentArgsParse(t *testing.T) {
	bin := chakraBin(t)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			c, _ := deployment(t, v)
			args := append(append([]string{}, c.Args...), "--help")
			cmd := exec.Command(bin, args...)
			cmd.Env = cleanEnv()
			out, err := cmd.CombinedOutput()
			if err != nil {
				msg := string(out)
				if i := strings.Index(msg, "flag provided but not defined"); i >= 0 {
					msg = firstLine(msg[i:])
					if strings.Contains(msg, "kafka") {
						msg += " (the --kafka-* flags come with branch kafka: merge it)"
					}
				}
				t.Fatalf("chakra-tui %s: %v: %s", strings.Join(args, " "), err, msg)
			}
			if !strings.Contains(string(out), "Usage: chakra-tui --headless") {
				t.Errorf("--help after the args did not print the headless usage:\n%s", out)
			}
		})
	}
	// The check itself can fail: a flag the binary lacks is refused.
	out, err := exec.Command(bin, "--headless", "--no-such-flag=1", "--help").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "flag provided but not defined: -no-such-flag") {
		t.Errorf("an unknown flag was accepted: %v %s", err, out)
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// cleanEnv is the environment without CHAKRA_* variables, so that only the
// args and the env the test sets configure the binary.
func cleanEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CHAKRA_") {
			env = append(env, e)
		}
	}
	return env
}

// server is the real binary started with the Deployment's args, on a
// loopback port.
type server struct {
	base, token string
	stderr      *bytes.Buffer
}

// startServer runs the default Deployment's container args and its
// CHAKRA_TOKEN with only --addr moved from 0.0.0.0 to a free loopback
// port, and waits (bounded) until it answers.
func startServer(t *testing.T) *server {
	t.Helper()
	bin := chakraBin(t)
	c, token := deployment(t, variants[0])
	if token == "" {
		t.Fatal("the default render has no token in its Secret")
	}
	port := freePort(t)
	args := make([]string, len(c.Args))
	replaced := false
	for i, a := range c.Args {
		if strings.HasPrefix(a, "--addr=0.0.0.0:") {
			a, replaced = fmt.Sprintf("--addr=127.0.0.1:%d", port), true
		}
		args[i] = a
	}
	if !replaced {
		t.Fatalf("no --addr=0.0.0.0:PORT in %v", c.Args)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(cleanEnv(), "CHAKRA_TOKEN="+token)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), token: token, stderr: &stderr}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("chakra-tui %v exited: %v\n%s", args, err, stderr.String())
		default:
		}
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			conn.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("chakra-tui did not listen on %d within 60 s:\n%s", port, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *server) get(t *testing.T, path string, withToken bool) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if withToken {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	cl := &http.Client{Timeout: 10 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func (s *server) post(t *testing.T, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestProbesAgainstLiveBinary: the binary started with the chart's args
// answers the chart's liveness and readiness probes — the paths and the
// port the probes name, without the token, as a kubelet sends them — and
// still refuses everything else without the token.
func TestProbesAgainstLiveBinary(t *testing.T) {
	s := startServer(t)
	c, _ := deployment(t, variants[0])
	for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		for _, h := range p.HTTPGet.HTTPHeaders {
			t.Errorf("%s probe sends header %s: the probe must work without secrets", name, h.Name)
		}
		code, body := s.get(t, p.HTTPGet.Path, false)
		if code < 200 || code >= 400 {
			t.Errorf("%s probe GET %s without a token: %d %s (a kubelet counts 200-399 as success)", name, p.HTTPGet.Path, code, body)
		}
	}
	for _, path := range []string{"/metrics", "/soldiers/1"} {
		if code, _ := s.get(t, path, false); code != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d, want 401 (only the probes are open)", path, code)
		}
	}
	if code, body := s.get(t, "/health", true); code != 200 || !json.Valid(body) {
		t.Errorf("GET /health with the token: %d %s", code, body)
	}
}

// exported parses Prometheus text exposition and returns the metric names
// of its samples (histograms as their _bucket, _sum and _count series).
func exported(body []byte) map[string]bool {
	names := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		end := strings.IndexAny(l, "{ ")
		if end > 0 {
			names[l[:end]] = true
		}
	}
	return names
}

// dashboardQueries returns every PromQL query of a Grafana dashboard: the
// panels' targets (rows' nested panels too) and the template variables'
// queries, each with where it sits.
func dashboardQueries(data []byte) (exprs, vars map[string]string, err error) {
	var d struct {
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, nil, err
	}
	exprs, vars = map[string]string{}, map[string]string{}
	type panel struct {
		Title   string            `json:"title"`
		Panels  []json.RawMessage `json:"panels"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	}
	var walk func([]json.RawMessage) error
	walk = func(ps []json.RawMessage) error {
		for _, raw := range ps {
			var p panel
			if err := json.Unmarshal(raw, &p); err != nil {
				return err
			}
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					return fmt.Errorf("panel %q target %s has no expr", p.Title, tg.RefID)
				}
				exprs[fmt.Sprintf("panel %q target %s", p.Title, tg.RefID)] = tg.Expr
			}
			if err := walk(p.Panels); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(d.Panels); err != nil {
		return nil, nil, err
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q string
		if err := json.Unmarshal(v.Query, &q); err != nil {
			var obj struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(v.Query, &obj); err != nil {
				return nil, nil, fmt.Errorf("variable %s: query neither a string nor {query}", v.Name)
			}
			q = obj.Query
		}
		vars["variable "+v.Name] = q
	}
	return exprs, vars, nil
}

// TestDashboardMetricsExported: every metric the Grafana dashboard's
// queries name is one the live server, started with the chart's args,
// exports on /metrics — so no panel stays empty because of a typo or a
// renamed metric.
func TestDashboardMetricsExported(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir, "dashboards/chakra-tui.json"))
	if err != nil {
		t.Fatal(err)
	}
	exprs, vars, err := dashboardQueries(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(exprs) < 10 {
		t.Fatalf("only %d panel queries found", len(exprs))
	}
	s := startServer(t)
	// Labelled counters have no series before their first event: one
	// observation makes a verdict, and the first scrape counts a request.
	obs := fmt.Sprintf(`{"soldier_id": 7, "heart_rate": 80, "stamina": 100, "timestamp": %d}`, time.Now().Unix())
	if code, body := s.post(t, "/predict", obs); code != 200 {
		t.Fatalf("POST /predict: %d %s", code, body)
	}
	var code int
	var body []byte
	for range 2 {
		if code, body = s.get(t, "/metrics", true); code != 200 {
			t.Fatalf("GET /metrics: %d %s", code, body)
		}
	}
	have := exported(body)
	if !have["chakra_http_requests_total"] || !have["go_goroutines"] {
		t.Fatalf("the scrape looks wrong: %d names", len(have))
	}
	need := map[string][]string{} // metric → where
	add := func(where, q string, names []string, err error) {
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		if len(names) == 0 {
			t.Errorf("%s: %q names no metric", where, q)
		}
		for _, n := range names {
			need[n] = append(need[n], where)
		}
	}
	for where, q := range exprs {
		names, err := MetricNames(q)
		add(where, q, names, err)
	}
	for where, q := range vars {
		names, err := TemplateQueryMetrics(q)
		add(where, q, names, err)
	}
	var missing []string
	for n, where := range need {
		if !have[n] {
			sort.Strings(where)
			hint := ""
			if strings.HasPrefix(n, "chakra_kafka_") {
				hint = " (the chakra_kafka_* metrics come with branch kafka: merge it)"
			}
			missing = append(missing, fmt.Sprintf("%s, used by %s, is not exported by the server%s", n, strings.Join(where, "; "), hint))
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
	t.Logf("%d metrics used by %d queries, checked against a live /metrics of %d names", len(need), len(exprs)+len(vars), len(have))
	// The dashboard shows what it is for (issue 21): requests, latency,
	// verdicts and alerts by kind, store errors, consumer lag.
	for _, n := range []string{"chakra_http_requests_total", "chakra_http_request_duration_seconds_bucket",
		"chakra_verdicts_total", "chakra_alerts_opened_total", "chakra_store_errors_total", "chakra_kafka_consumer_lag"} {
		if need[n] == nil {
			t.Errorf("no dashboard query uses %s", n)
		}
	}
	// Metrics added since are reported, not failed: a new metric need not
	// wait for a panel.
	var unshown []string
	for n := range have {
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")
		if strings.HasPrefix(n, "chakra_") && need[n] == nil && need[base+"_bucket"] == nil {
			unshown = append(unshown, n)
		}
	}
	sort.Strings(unshown)
	if len(unshown) > 0 {
		t.Logf("exported but on no dashboard panel: %s", strings.Join(unshown, ", "))
	}
}
