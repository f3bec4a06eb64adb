package series

import (
	"errors"
	"strings"
	"testing"
)

// FuzzReadScored: results folders handed to `chakra-tui nab` may come from
// anywhere (NAB's own layout included). Any file either reads with one score
// per row (and one alert and one time per row when it has those columns) or
// fails with ErrResults; it never panics.
func FuzzReadScored(f *testing.F) {
	for _, s := range []string{
		"timestamp,value,anomaly_score,alert\n2014-04-01 00:00:00,1,0.5,0\n2014-04-01 00:05:00,2,0.9,1\n",
		"timestamp,value,anomaly_score,label\n2014-04-01 00:00:00,1,0.1,0\n",
		"\ufeffanomaly_score\n0\n1\nNaN\n",
		"anomaly_score,alert\n0.2,maybe\n", "value\n1\n", "", "anomaly_score\n\"0.5\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := readScored(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrResults) {
				t.Fatalf("error without ErrResults: %v", err)
			}
			return
		}
		n := len(sc.Score)
		if sc.HasAlert && len(sc.Alert) != n {
			t.Fatalf("%d scores, %d alerts", n, len(sc.Alert))
		}
		if sc.Times != nil && len(sc.Times) != n {
			t.Fatalf("%d scores, %d times", n, len(sc.Times))
		}
		for i, a := range sc.Alert {
			if a != 0 && a != 1 {
				t.Fatalf("alert %d = %v, want 0 or 1", i, a)
			}
		}
	})
}
