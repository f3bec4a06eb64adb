package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/chakra-tui/chakra-tui/detector"
)

// TestTFTView runs the dashboard on the embedded TFT, when the build has one
// (`make model`), and checks what only a TFT shows: forecast bands, and for
// an alert the variable-selection weights and the attention. Its output is
// not a golden file, so retraining the model does not break it.
func TestTFTView(t *testing.T) {
	if _, err := detector.EmbeddedModel(); errors.Is(err, detector.ErrModel) {
		t.Skip("this build embeds no TFT model (make model)")
	} else if err != nil {
		t.Fatal(err)
	}
	sc, err := detector.Default()
	if err != nil {
		t.Fatal(err)
	}
	sim := testSim(t, 3, 20)
	mon := testPipeline(t, sim.Profiles(), sc)
	d := testRuntime(t, sim, mon)
	m, err := New(sim.Profiles(), WithDriver(d), WithDetector(sc.Name(), ""), WithClock(fakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	m.Update(sizeMsg(200, 60))
	steps(t, m, d, 150)
	if m.b.counts[detector.StateWarmingUp] != 0 {
		t.Errorf("%d soldiers still warming up after 150 ticks", m.b.counts[detector.StateWarmingUp])
	}
	i := firstAlerted(m)
	if i < 0 {
		i = 0
	}
	m.grid.selectIndex(i)
	m.Update(press("enter"))
	v := ansi.Strip(m.View())
	checkShape(t, v, 200, 60)
	if !strings.Contains(v, "│ tft") {
		t.Errorf("header does not name the TFT:\n%s", v)
	}
	if !strings.ContainsAny(v, "▒─") {
		t.Errorf("no 10–90 %% band or median in the charts:\n%s", v)
	}
	if s := &m.b.soldiers[i]; s.hasAlert {
		// The real TFT's alert is explained by its evidence and, for a
		// forecast check, the attribution: inputs ranked and a time strip.
		if !strings.Contains(v, "check") {
			t.Errorf("the TFT's alert names no check:\n%s", v)
		}
		if at := s.alert.Alert.Attribution; at != nil {
			if !strings.Contains(v, "oldest → now") || !strings.Contains(v, at.VarNames[at.TopVar()]) {
				t.Errorf("the TFT's alert attribution is not shown (top input %q):\n%s", at.VarNames[at.TopVar()], v)
			}
		}
		m.Update(press("x"))
		v = ansi.Strip(m.View())
		if strings.Contains(v, "no variable selection") || strings.Contains(v, "no attention") || !strings.Contains(v, "oldest → newest") {
			t.Errorf("the debug view does not show the TFT's selection and attention:\n%s", v)
		}
		x := &s.alert.Explanation
		top := 0
		for k := range x.NumVars {
			if x.VarWeights[k] > x.VarWeights[top] {
				top = k
			}
		}
		if name := x.VarNames[top]; !strings.Contains(v, name) {
			t.Errorf("the heaviest variable %q is missing from the selection weights:\n%s", name, v)
		}
	}
}
