package ui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/chakra-tui/chakra-tui/detector/live"
	"github.com/chakra-tui/chakra-tui/engine"
)

// Soldier ids and squads of the package's seeded run, moved to where a
// 50 000-soldier battlefield has them: five-digit ids, four-digit squads.
const (
	bigIDs    = 48_000
	bigSquads = 3_540
)

// bigModel is testModel on the seeded run with every soldier id moved up
// by bigIDs and every squad by bigSquads.
func bigModel(t *testing.T, w, h int) (*Model, Driver) {
	t.Helper()
	rec := recorded(t, false)
	profiles := slices.Clone(rec.profiles)
	for i := range profiles {
		profiles[i].ID += bigIDs
		profiles[i].Squad += bigSquads
	}
	snaps := make([]live.Snapshot, len(rec.snaps))
	for k, s := range rec.snaps {
		f := s.Frame
		f.Obs = slices.Clone(f.Obs)
		for i := range f.Obs {
			f.Obs[i].Soldier += bigIDs
		}
		f.Truth = slices.Clone(f.Truth)
		for i := range f.Truth {
			f.Truth[i].Soldier += bigIDs
		}
		vs := slices.Clone(s.Verdicts)
		for i := range vs {
			vs[i].Soldier += bigIDs
		}
		snaps[k] = live.Snapshot{Frame: f, Verdicts: vs}
	}
	d := &cannedDriver{snaps: snaps}
	m, err := New(profiles, WithDriver(d), WithDetector(rec.name, ""), WithSource("simulation · seed 3 · 100 soldiers, ids from 48000"), WithClock(fakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	m.Update(sizeMsg(w, h))
	return m, d
}

// compactCardRe is a compact card: state, five-digit id, mark, heart rate.
var compactCardRe = regexp.MustCompile(`(?:✓|◇|▲|\?|…)(4\d{4}) ([ \d]{2}\d|  –)`)

// TestGoldenBigIDs: with five-digit soldier ids the compact cards still
// show each soldier's whole heart rate (they widen with the id instead of
// cutting it to one digit), and squads past S99 keep every digit in the
// overview, a squad's cards and the detail.
func TestGoldenBigIDs(t *testing.T) {
	m, d := bigModel(t, 41, 12) // compact cards, as narrow as they go
	steps(t, m, d, goldenTicks)
	v := ansi.Strip(m.View())
	requireView(t, m)
	cards := compactCardRe.FindAllStringSubmatch(v, -1)
	if len(cards) < 10 {
		t.Fatalf("%d compact cards with a whole heart rate, want a page of them:\n%s", len(cards), v)
	}
	for _, c := range cards {
		var id engine.SoldierID
		fmt.Sscan(c[1], &id)
		s := &m.b.soldiers[m.b.index[id]]
		want := "–"
		if hr := float64(s.hist.last().v[engine.HeartRate]); hr == hr {
			want = fmt.Sprintf("%.0f", hr)
		}
		if s.seen && strings.TrimSpace(c[2]) != want {
			t.Errorf("soldier %d's card shows heart rate %q, want %q", id, c[2], want)
		}
	}

	m.Update(sizeMsg(80, 24))
	m.Update(press("o"))
	v = ansi.Strip(m.View())
	top := m.over.rows[0].squad // the worst squad, selected
	if top < bigSquads || !strings.Contains(v, fmt.Sprintf("▌S%d ", top+1)) {
		t.Errorf("the overview does not name its first squad, %d, S%d:\n%s", top, top+1, v)
	}
	m.Update(press("enter"))
	m.Update(sizeMsg(200, 60))
	v = ansi.Strip(m.View())
	want := fmt.Sprintf("S%d", m.grid.squad+1)
	if m.grid.squad < bigSquads || !regexp.MustCompile(`\b`+want+`\b`).MatchString(v) {
		t.Errorf("squad %d's cards do not name it %s:\n%s", m.grid.squad, want, v)
	}
	m.Update(press("enter")) // the selected soldier's detail
	if v = ansi.Strip(m.View()); !strings.Contains(v, "squad "+fmt.Sprint(m.grid.squad+1)) {
		t.Errorf("the detail does not name squad %d:\n%s", m.grid.squad+1, v)
	}
}
