package check

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const chartDir = "../helm/chakra-tui"

var rel = Release{Name: "chakra", Namespace: "field"}

// variant is one set of values the chart is rendered with.
type variant struct {
	name   string
	values []string
	kinds  map[string]int // kind → how many objects of it
}

var variants = []variant{
	{"defaults", nil, map[string]int{"Deployment": 1, "Service": 1, "Secret": 1, "ServiceAccount": 1,
		"HorizontalPodAutoscaler": 1, "PodDisruptionBudget": 1}},
	{"all-on", []string{"testdata/all-on.yaml"}, map[string]int{"Deployment": 1, "Service": 2, "ServiceAccount": 1,
		"HorizontalPodAutoscaler": 1, "PodDisruptionBudget": 1, "StatefulSet": 1, "ServiceMonitor": 1, "ConfigMap": 1}},
}

// rendered renders and strictly decodes v, failing the test on any error.
func rendered(t *testing.T, v variant) []Object {
	t.Helper()
	ms, notes, err := Render(chartDir, rel, v.values...)
	if err != nil {
		t.Fatal(err)
	}
	if notes == "" {
		t.Error("NOTES.txt rendered empty")
	}
	objs, err := Decode(ms)
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("DEPLOY_CHECK_OUT"); dir != "" { // for a person to read
		if err := os.WriteFile(filepath.Join(dir, v.name+".yaml"), []byte(String(ms)), 0o644); err != nil {
			t.Error(err)
		}
	}
	return objs
}

func TestChartRendersAndDecodesStrictly(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := rendered(t, v)
			got := map[string]int{}
			for _, o := range objs {
				got[o.Kind]++
			}
			if !reflect.DeepEqual(got, v.kinds) {
				t.Errorf("kinds rendered: %v, want %v", got, v.kinds)
			}
			checkConsistent(t, objs, v)
		})
	}
}

// checkConsistent checks what the objects say about each other: selectors
// match the pods, ports and secrets are the ones defined, the security
// context is the one claimed.
func checkConsistent(t *testing.T, objs []Object, v variant) {
	deps := Find[*appsv1.Deployment](objs)
	if len(deps) != 1 {
		t.Fatalf("%d Deployments", len(deps))
	}
	d := deps[0]
	pod := d.Spec.Template
	for k, want := range d.Spec.Selector.MatchLabels {
		if pod.Labels[k] != want {
			t.Errorf("Deployment selector %s=%s does not match its pod labels %v", k, want, pod.Labels)
		}
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	if strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
		t.Errorf("image %q: want a pinned tag", c.Image)
	}
	checkSecurity(t, "Deployment "+d.Name, pod.Spec, true)
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %v: want cpu and memory requests and a memory limit", c.Resources)
	}
	httpPort := containerPort(t, c, "http")
	addr := argValue(c.Args, "--addr")
	if addr != fmt.Sprintf("0.0.0.0:%d", httpPort) {
		t.Errorf("--addr %q: want 0.0.0.0:%d (every address of the pod, on the container port)", addr, httpPort)
	}
	for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: want an httpGet probe", name)
			continue
		}
		if got := resolvePort(t, c, p.HTTPGet.Port); got != httpPort {
			t.Errorf("%s probe port %v is %d, the server listens on %d", name, p.HTTPGet.Port.String(), got, httpPort)
		}
	}
	if p := c.LivenessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "/health" {
		t.Errorf("liveness path %s, want /health", p.HTTPGet.Path)
	}
	if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "/ready" {
		t.Errorf("readiness path %s, want /ready", p.HTTPGet.Path)
	}

	// The token: CHAKRA_TOKEN from a Secret the chart renders, or the
	// existing one the values name.
	var ref *corev1.SecretKeySelector
	for _, e := range c.Env {
		if e.Name == "CHAKRA_TOKEN" && e.ValueFrom != nil {
			ref = e.ValueFrom.SecretKeyRef
		}
	}
	if ref == nil {
		t.Fatal("no CHAKRA_TOKEN from a Secret")
	}
	secrets := Find[*corev1.Secret](objs)
	if v.name == "defaults" {
		if len(secrets) != 1 || secrets[0].Name != ref.Name || len(secrets[0].Data[ref.Key]) < 32 {
			t.Errorf("CHAKRA_TOKEN from %s/%s: the rendered Secret %v does not hold a token of ≥ 32 bytes there", ref.Name, ref.Key, secrets)
		}
	} else if ref.Name != "chakra-api-token" || ref.Key != "api-token" {
		t.Errorf("CHAKRA_TOKEN from %s/%s, want the existing Secret chakra-api-token/api-token", ref.Name, ref.Key)
	}

	// Services select the pods and target their ports.
	var svc *corev1.Service
	for _, s := range Find[*corev1.Service](objs) {
		if s.Name == d.Name {
			svc = s
		}
	}
	if svc == nil {
		t.Fatal("no Service named like the Deployment")
	}
	for k, want := range svc.Spec.Selector {
		if pod.Labels[k] != want {
			t.Errorf("Service selector %s=%s does not match the pod labels", k, want)
		}
	}
	if len(svc.Spec.Ports) != 1 || resolvePort(t, c, svc.Spec.Ports[0].TargetPort) != httpPort {
		t.Errorf("Service ports %v do not reach the server's port %d", svc.Spec.Ports, httpPort)
	}

	for _, h := range Find[*autoscalingv2.HorizontalPodAutoscaler](objs) {
		if h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != d.Name || h.Spec.ScaleTargetRef.APIVersion != "apps/v1" {
			t.Errorf("HPA targets %+v, not the Deployment %s", h.Spec.ScaleTargetRef, d.Name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			t.Errorf("HPA replicas %v..%d", h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
		if d.Spec.Replicas != nil {
			t.Error("the Deployment sets replicas while an HPA scales it: every upgrade would reset the HPA's choice")
		}
	}
	for _, p := range Find[*policyv1.PodDisruptionBudget](objs) {
		if !reflect.DeepEqual(p.Spec.Selector.MatchLabels, d.Spec.Selector.MatchLabels) {
			t.Errorf("PDB selects %v, the Deployment %v", p.Spec.Selector.MatchLabels, d.Spec.Selector.MatchLabels)
		}
	}
	for _, sm := range Find[*monitoringv1.ServiceMonitor](objs) {
		for k, want := range sm.Spec.Selector.MatchLabels {
			if svc.Labels[k] != want {
				t.Errorf("ServiceMonitor selects %s=%s, the Service's labels are %v", k, want, svc.Labels)
			}
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoints %+v: want port %s path /metrics", sm.Spec.Endpoints, svc.Spec.Ports[0].Name)
		} else if a := sm.Spec.Endpoints[0].Authorization; a == nil || a.Credentials == nil || a.Credentials.Name != ref.Name || a.Credentials.Key != ref.Key {
			t.Errorf("ServiceMonitor authorization %+v: want the token's Secret %s/%s", a, ref.Name, ref.Key)
		}
	}
	for _, s := range Find[*appsv1.StatefulSet](objs) {
		checkSecurity(t, "StatefulSet "+s.Name, s.Spec.Template.Spec, false)
		store := argValue(c.Args, "--store")
		if !strings.HasPrefix(store, "redis://"+s.Spec.ServiceName+":") {
			t.Errorf("--store %q does not point at the chart's Redis (Service %s)", store, s.Spec.ServiceName)
		}
		var found bool
		for _, rs := range Find[*corev1.Service](objs) {
			if rs.Name == s.Spec.ServiceName {
				found = true
				for k, want := range rs.Spec.Selector {
					if s.Spec.Template.Labels[k] != want {
						t.Errorf("Redis Service selector %s=%s does not match its pods", k, want)
					}
				}
			}
		}
		if !found {
			t.Errorf("StatefulSet serviceName %s: no such Service", s.Spec.ServiceName)
		}
	}
	for _, cm := range Find[*corev1.ConfigMap](objs) {
		want, err := os.ReadFile(filepath.Join(chartDir, "dashboards/chakra-tui.json"))
		if err != nil {
			t.Fatal(err)
		}
		got := cm.Data["chakra-tui.json"]
		if strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
			t.Error("the dashboard ConfigMap's chakra-tui.json differs from dashboards/chakra-tui.json")
		}
		if !json.Valid([]byte(got)) {
			t.Error("the dashboard ConfigMap holds invalid JSON")
		}
		if cm.Labels["grafana_dashboard"] != "1" {
			t.Errorf("dashboard labels %v: Grafana's sidecar looks for grafana_dashboard=1", cm.Labels)
		}
	}
}

// checkSecurity checks the pod's and every container's security context.
func checkSecurity(t *testing.T, what string, spec corev1.PodSpec, noToken bool) {
	t.Helper()
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext %+v: want runAsNonRoot and seccomp RuntimeDefault", what, psc)
	}
	if psc != nil && (psc.RunAsUser == nil || *psc.RunAsUser == 0) {
		t.Errorf("%s: runAsUser must be a non-zero uid", what)
	}
	if noToken && (spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken) {
		t.Errorf("%s: the server needs no Kubernetes API token: automountServiceAccountToken should be false", what)
	}
	for _, c := range spec.Containers {
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 {
			t.Errorf("%s container %s: securityContext %+v: want readOnlyRootFilesystem, no privilege escalation, drop ALL", what, c.Name, sc)
		}
	}
}

func containerPort(t *testing.T, c corev1.Container, name string) int {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return int(p.ContainerPort)
		}
	}
	t.Fatalf("container %s has no port named %s", c.Name, name)
	return 0
}

// resolvePort resolves a named or numbered port of container c.
func resolvePort(t *testing.T, c corev1.Container, p intstr.IntOrString) int {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntValue()
	}
	return containerPort(t, c, p.StrVal)
}

// argValue returns the value of --name=value or --name value in args.
func argValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// TestChartRefusesLatest: image.tag latest fails the render.
func TestChartRefusesLatest(t *testing.T) {
	f := filepath.Join(t.TempDir(), "latest.yaml")
	if err := os.WriteFile(f, []byte("image:\n  tag: latest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Render(chartDir, rel, f); err == nil || !strings.Contains(err.Error(), "latest is not allowed") {
		t.Errorf("render with image.tag latest: %v", err)
	}
}

// TestChartKafkaNeedsBrokers: Kafka on without brokers fails the render.
func TestChartKafkaNeedsBrokers(t *testing.T) {
	f := filepath.Join(t.TempDir(), "kafka.yaml")
	if err := os.WriteFile(f, []byte("kafka:\n  enabled: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Render(chartDir, rel, f); err == nil || !strings.Contains(err.Error(), "kafka.brokers") {
		t.Errorf("render with Kafka on and no brokers: %v", err)
	}
}

// TestDecodeRejectsUnknownFields: the strict decode is strict — a field
// the API type lacks, as a typo would make, is an error.
func TestDecodeRejectsUnknownFields(t *testing.T) {
	for _, y := range []string{
		"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n",
		"apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  name: y\n",
		"apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports: 80\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n",
		"apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: x\nspec:\n  endpoints:\n    - port: http\n      bearerTokenSecrett: {}\n",
	} {
		if _, err := Decode([]Manifest{{Template: "t", YAML: y}}); err == nil {
			t.Errorf("decoded without error:\n%s", y)
		}
	}
	if _, err := Decode([]Manifest{{Template: "t", YAML: "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: 80\n"}}); err != nil {
		t.Errorf("a valid Service: %v", err)
	}
}
