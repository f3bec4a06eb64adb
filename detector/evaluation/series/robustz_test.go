package series

import (
	"math"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/hrbase"
)

// TestRobustZ: on a 1 Hz series with 1 bpm of noise, a 10 bpm rise is
// about 10 robust z high: it alerts at threshold 4 and not at 20; a fall
// never alerts; the score is 0.5 at z = K.
func TestRobustZ(t *testing.T) {
	ts, xs := hrSeries(900, 1, 10, 600, 0, 11)
	if alerts, _ := observeAll(NewRobustZ(), ts, xs); len(alerts) != 1 || alerts[0] != 600 {
		t.Errorf("K 4: alerts at %v, want [600]", alerts)
	}
	if alerts, _ := observeAll(NewRobustZ(WithRobustZ(300, 20)), ts, xs); len(alerts) != 0 {
		t.Errorf("K 20: alerts at %v, want none", alerts)
	}
	ts, xs = hrSeries(900, 1, -10, 600, 0, 11)
	if alerts, _ := observeAll(NewRobustZ(), ts, xs); len(alerts) != 0 {
		t.Errorf("a fall: alerts at %v, want none", alerts)
	}
	// Window 3 holding 1, 2, 4: median 2, MAD 1, so 2 + z·1.4826 is z
	// robust deviations high; the score is 0.5 at z = K = 4 and the alert
	// opens from there.
	for _, c := range []struct {
		z     float64
		alert bool
	}{{3.99, false}, {4, false}, {4.01, true}} {
		d := NewRobustZ(WithRobustZ(3, 4))
		for _, x := range []float64{1, 2, 4} {
			d.Observe(ts[0], x, true)
		}
		s, a := d.Observe(ts[0], 2+c.z*hrbase.MADScale, true)
		if math.Abs(s-0.5) > 2e-3 || a != c.alert && c.z != 4 {
			t.Errorf("z = %v: score %v alert %v, want about 0.5, alert %v", c.z, s, a, c.alert)
		}
	}
}
