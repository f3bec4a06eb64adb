package alertsink

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// deployDir holds the shipped Prometheus rules and Alertmanager example.
var deployDir = filepath.Join("..", "..", "deploy")

// The shipped alerting rules for the service itself pass promtool's check
// and their unit tests (deploy/prometheus/rules_test.yaml). promtool is in
// Debian's prometheus package, which `make test` installs; without it the
// test is skipped, saying so.
func TestShippedPrometheusRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not on PATH (Debian package prometheus; `make deps-test` installs it): the shipped rules are not checked")
	}
	dir := filepath.Join(deployDir, "prometheus")
	for _, args := range [][]string{{"check", "rules", "rules.yaml"}, {"test", "rules", "rules_test.yaml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// The example Alertmanager configuration passes amtool's check and routes
// soldier alerts as its comments say.
func TestExampleAlertmanagerConfig(t *testing.T) {
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		t.Fatal("amtool not on PATH: `make test` installs it with prometheus-alertmanager (apt-get)")
	}
	cfg := filepath.Join(deployDir, "alertmanager", "example.yaml")
	if out, err := exec.Command(amtool, "check-config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
	for _, c := range []struct {
		labels []string
		want   string
	}{
		{[]string{"alertname=" + AlertName, "severity=critical", "squad=03", "soldier=21"}, "medics-pager"},
		{[]string{"alertname=" + AlertName, "severity=warning", "squad=03"}, "medics-alpha"},
		{[]string{"alertname=" + AlertName, "severity=info", "squad=10"}, "medics-bravo"},
		{[]string{"alertname=" + AlertName, "severity=warning"}, "medics"},
		{[]string{"alertname=ChakraServerDown", "severity=critical"}, "operations"},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=" + cfg}, c.labels...)
		out, err := exec.Command(amtool, args...).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != c.want {
			t.Errorf("%v routes to %q (err %v), want %q", c.labels, got, err, c.want)
		}
	}
}
