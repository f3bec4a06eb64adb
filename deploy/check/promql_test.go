package check

import (
	"reflect"
	"strings"
	"testing"
)

func TestMetricNames(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`up`, []string{"up"}},
		{`sum by (route, code) (rate(chakra_http_requests_total{namespace="$namespace", service=~"a|b"}[$__rate_interval]))`, []string{"chakra_http_requests_total"}},
		{`sum(rate(a_total[5m])) by (kind) / ignoring(kind) group_left sum(b_total offset 1h)`, []string{"a_total", "b_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))`, []string{"x_bucket"}},
		{`count without (pod) (m) > bool 1e3 and on (job) n unless o or p`, []string{"m", "n", "o", "p"}},
		{`label_replace(up, "dst", "$1 {not a matcher}", "src", "(.*)")`, []string{"up"}},
		{`max_over_time(rate(q[5m:1m])[1h:]) @ start()`, []string{"q"}},
		{`{__name__="x"}`, nil},
		{`${var} + [[old]] + 0x1F + .5 + 1.5e-3 + Inf + NaN`, nil}, // [[old]] reads as a range: skipped
		{`sum by(kind)(rate(c[1m]))`, []string{"c"}},
		{`  sum   WITHOUT   (a) (d)`, []string{"d"}},
		{`sum`, []string{"sum"}}, // a metric may be named like an aggregation
		{`a:recorded:rate5m`, []string{"a:recorded:rate5m"}},
	} {
		got, err := MetricNames(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("MetricNames(%s) = %q, want %q", c.expr, got, c.want)
		}
	}
	for _, bad := range []string{`rate(x[5m)`, `x{a="b"`, `x{a="b}`, `sum by (a (x)`} {
		if names, err := MetricNames(bad); err == nil {
			t.Errorf("MetricNames(%s) = %q, want an error", bad, names)
		}
	}
}

func TestTemplateQueryMetrics(t *testing.T) {
	for q, want := range map[string][]string{
		`label_values(chakra_model_info, namespace)`:                       {"chakra_model_info"},
		`label_values(chakra_model_info{namespace="$namespace"}, service)`: {"chakra_model_info"},
		`label_values(namespace)`:                                          nil,
		`query_result(sum by (pod) (rate(process_cpu_seconds_total[5m])))`: {"process_cpu_seconds_total"},
		`metrics(chakra_.*)`:                                               nil,
		`up{job="x"}`:                                                      {"up"},
	} {
		got, err := TemplateQueryMetrics(q)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("TemplateQueryMetrics(%s) = %q, %v; want %q", q, got, err, want)
		}
	}
}

// FuzzMetricNames: the scanner never panics, and every name it returns is
// an identifier that occurs in the expression.
func FuzzMetricNames(f *testing.F) {
	for _, s := range []string{`sum by (a) (rate(x_total{a="b"}[5m]))`, `label_values(m, l)`, `"unterminated`, `{{{`, `$`, `a[`, `1e+`, `sum by`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		names, err := MetricNames(expr)
		if err != nil {
			return
		}
		for _, n := range names {
			if n == "" || !strings.Contains(expr, n) {
				t.Fatalf("MetricNames(%q) returned %q", expr, n)
			}
			for i := 0; i < len(n); i++ {
				if !isIdent(n[i], i > 0) {
					t.Fatalf("MetricNames(%q) returned %q, not an identifier", expr, n)
				}
			}
		}
		_, _ = TemplateQueryMetrics(expr)
	})
}
