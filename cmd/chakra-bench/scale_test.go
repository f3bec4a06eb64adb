package main

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
)

// scrape sums a metric's samples over their labels and skips comments.
func TestScrape(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "# HELP chakra_verdicts_total x\n# TYPE chakra_verdicts_total counter\n"+
			"chakra_verdicts_total{kind=\"none\",state=\"ok\"} 1.5e+06\nchakra_verdicts_total{kind=\"stuck\",state=\"alert\"} 12\n"+
			"chakra_tick_lag_seconds 0.25\n\nchakra_simulation_tick 41\n")
	}))
	defer srv.Close()
	m, err := scrape(srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if m["chakra_verdicts_total"] != 1_500_012 || m["chakra_tick_lag_seconds"] != 0.25 || m["chakra_simulation_tick"] != 41 {
		t.Fatalf("scraped %v", m)
	}
	if _, err := scrape(srv.Client(), srv.URL+"/nope\x7f"); err == nil {
		t.Error("a bad URL scraped")
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ q, want float64 }{{0.5, 5}, {0.99, 10}, {1, 10}, {0, 1}} {
		if got := quantile(xs, c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if !math.IsNaN(quantile(nil, 0.5)) {
		t.Error("quantile of nothing is not NaN")
	}
}
