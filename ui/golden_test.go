package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// goldenTicks is how far the seeded simulation runs before a golden view.
const goldenTicks = 240

// requireView compares the model's View, ANSI stripped, with the golden file
// named after the test; `go test ./ui/... -update` (make golden) refreshes it.
func requireView(t *testing.T, m *Model) {
	t.Helper()
	v := ansi.Strip(m.View())
	checkShape(t, v, m.w, m.h)
	golden.RequireEqual(t, v)
}

// checkShape fails if a view has more lines than the terminal or a line wider
// than it.
func checkShape(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := 1
	col := 0
	for _, r := range v {
		if r == '\n' {
			lines++
			col = 0
			continue
		}
		col++
		if col > w {
			t.Fatalf("line %d is wider than %d columns:\n%s", lines, w, v)
		}
	}
	if lines != h {
		t.Fatalf("view has %d lines, want %d", lines, h)
	}
}

func TestGoldenGrid(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}, {"200x60", 200, 60}} {
		t.Run(size.name, func(t *testing.T) {
			m, d := testModel(t, size.w, size.h)
			steps(t, m, d, goldenTicks)
			requireView(t, m)
		})
	}
}

func TestGoldenDetail(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x40", 120, 40}, {"200x60", 200, 60}} {
		t.Run(size.name, func(t *testing.T) {
			m, d := testModelScorer(t, size.w, size.h, true)
			steps(t, m, d, goldenTicks)
			i := firstAttributed(m)
			if i < 0 {
				t.Fatal("no soldier has an alert to explain")
			}
			if !m.grid.selectIndex(i) {
				t.Fatalf("soldier %d is not on the grid", i)
			}
			m.Update(press("enter"))
			v := ansi.Strip(m.View())
			requireView(t, m)
			if !containsAll(v, "why", "band check", "inputs", "heart_rate ", "time", "oldest → now", "phase now") || strings.Contains(v, "selection") {
				t.Errorf("detail pane misses parts of the explanation:\n%s", v)
			}
			// x shows the model's own selection and attention instead.
			m.Update(press("x"))
			if v := ansi.Strip(m.View()); !containsAll(v, "why", "selection", "attention", "peak") {
				t.Errorf("debug view misses the model's selection and attention:\n%s", v)
			}
		})
	}
}

func TestGoldenDetailBaseline(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, goldenTicks)
	m.grid.selectIndex(firstAlerted(m))
	m.Update(press("enter"))
	requireView(t, m)
}

func TestGoldenAlertLog(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, goldenTicks)
	m.Update(press("L"))
	m.Update(press("down"))
	m.Update(press("a"))
	requireView(t, m)
}

func TestGoldenHelp(t *testing.T) {
	m, d := testModel(t, 120, 40)
	steps(t, m, d, 5)
	m.Update(press("?"))
	requireView(t, m)
}

func TestGoldenTruth(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"200x60", 200, 60}} {
		t.Run(size.name, func(t *testing.T) {
			m, d := testModel(t, size.w, size.h)
			steps(t, m, d, goldenTicks)
			m.Update(press("t"))
			requireView(t, m)
		})
	}
}

func TestGoldenTruthDetail(t *testing.T) {
	m, d := testModel(t, 200, 60, WithTruthOverlay(true))
	steps(t, m, d, goldenTicks)
	m.grid.selectIndex(firstAlerted(m))
	m.Update(press("enter"))
	requireView(t, m)
}
