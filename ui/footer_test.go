package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/chakra-tui/chakra-tui/detector/live"
)

// footerEnd is how the footer's key help always ends.
const footerEnd = "? more • q quit"

// TestFooterFits checks, at 80, 120 and 200 columns, live and in a replay,
// that the footer always ends with "? more • q quit" and that every status
// message the dashboard sets is shown whole.
func TestFooterFits(t *testing.T) {
	statuses := []string{
		"", "truth on: ◉ hit ○ missed ✗ false ~ artefact", "truth overlay off",
		"acked 12 alerts of soldier 100", "paused this view (the battlefield runs on)", "paused",
		"speed: set by the feed's owner", "speed ×10", "seeking to 09:59:59…", "at 09:59:59",
		"end of the source", "the feed ended", "alert acknowledged",
		"no soldier or squad matches \"s99\"", "squad S07: esc shows everyone",
		"source stopped: read frame 1234 of /home/someone/recordings/a-rather-long-name.chakra.gz: unexpected EOF",
	}
	for _, replay := range []bool{false, true} {
		for _, w := range []int{80, 120, 200} {
			h := map[int]int{80: 24, 120: 40, 200: 60}[w]
			var opts []Option
			if replay {
				opts = append(opts, WithReplay(ReplayControl{First: 0, Last: 300,
					Seek: func(context.Context, int64) ([]live.Snapshot, error) { return nil, nil }}))
			}
			m, d := testModel(t, w, h, opts...)
			steps(t, m, d, 3)
			for _, st := range statuses {
				name := fmt.Sprintf("replay=%v/%d/%q", replay, w, st)
				m.setStatus(st, strings.HasPrefix(st, "source stopped"))
				v := ansi.Strip(m.View())
				checkShape(t, v, w, h)
				lines := strings.Split(v, "\n")
				last := strings.TrimRight(lines[len(lines)-1], " ")
				if !strings.HasSuffix(last, footerEnd) {
					t.Errorf("%s: footer %q does not end with %q", name, last, footerEnd)
				}
				foot := strings.Join(lines[len(lines)-m.footH:], "")
				if !strings.Contains(strings.Join(strings.Fields(foot), ""), strings.Join(strings.Fields(st), "")) {
					t.Errorf("%s: footer %q cuts the status", name, foot)
				}
				if w >= 120 && m.footH != 1 && len(st) < 100 {
					t.Errorf("%s: a short status takes %d footer lines", name, m.footH)
				}
			}
		}
	}
}

// TestHeaderFits checks that header line 2 is never cut, with every flag
// and the truth tally on: it turns terse when the words do not fit.
func TestHeaderFits(t *testing.T) {
	for _, w := range []int{80, 120, 200} {
		m, d := testModel(t, w, 40)
		steps(t, m, d, 200)
		m.Update(press("t"))
		m.Update(press("s"))
		m.Update(press("f"))
		line := strings.TrimRight(strings.Split(ansi.Strip(m.View()), "\n")[1], " ")
		if !strings.HasSuffix(line, "false") && !strings.HasSuffix(line, "false alerts") {
			t.Errorf("%d columns: header line 2 %q is cut", w, line)
		}
		if !containsAll(line, "by sev", "only") {
			t.Errorf("%d columns: header line 2 %q lacks the sort and filter flags", w, line)
		}
	}
}
