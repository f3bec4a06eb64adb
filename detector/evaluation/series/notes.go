package series

import (
	"fmt"
	"strings"
	"time"
)

// Tally counts cells of one kind that Read accepted with a guess or treated
// as missing, and remembers the first.
type Tally struct {
	N    int    // how many
	Line int    // line of the first in the file (1 is the header)
	Text string // the first cell as read
}

func (c *Tally) add(line int, text string) {
	if c.N == 0 {
		c.Line, c.Text = line, text
	}
	c.N++
}

// Notes counts what Read let through that a user may not expect. Each kind
// is worded as one line by Warnings.
type Notes struct {
	// NotNumbers counts non-empty value cells (of the scored columns) that
	// are not finite numbers; each is a missing observation.
	NotNumbers Tally
	// BadTimes counts time cells that are empty or do not parse; their rows
	// are missing observations.
	BadTimes Tally
	// Backward counts rows whose timestamp is earlier than the previous
	// parsed one; Text is that row's time cell, Before the previous one.
	// Such rows are scored in file order like any other.
	Backward Tally
	Before   string
	// Unix is set when the timestamps are plain numbers read as unix
	// seconds (or milliseconds, from 1e11 up): the first such cell, its
	// unit and the time it was read as (the warning shows it rounded to
	// the microsecond).
	Unix     bool
	UnixText string
	UnixMS   bool
	UnixTime time.Time
}

// Warnings words t's notes, one line per kind, each naming the file, in a
// fixed order; nil when there is nothing to say.
func (t *Table) Warnings() []string {
	n := &t.Notes
	var w []string
	add := func(format string, a ...any) { w = append(w, t.Name+": "+fmt.Sprintf(format, a...)) }
	if n.Unix {
		unit := "seconds"
		if n.UnixMS {
			unit = "milliseconds"
		}
		add("timestamps in column %q read as unix %s (first: %s → %s)",
			t.Header[t.TimeCol], unit, n.UnixText, n.UnixTime.Round(time.Microsecond).Format(time.RFC3339Nano))
	}
	if c := n.BadTimes; c.N > 0 {
		add("%s no readable timestamp and %s treated as missing (first at line %d: %s)",
			count(c.N, "row had", "rows had"), was(c.N), c.Line, quoteCell(c.Text))
	}
	if c := n.NotNumbers; c.N > 0 {
		add("%s and %s treated as missing (first at line %d: %s)",
			count(c.N, "value was not a number", "values were not numbers"), was(c.N), c.Line, quoteCell(c.Text))
	}
	if c := n.Backward; c.N > 0 {
		add("%s back in time and %s scored in file order (first at line %d: %s after %s)",
			count(c.N, "row goes", "rows go"), was(c.N), c.Line, quoteCell(c.Text), quoteCell(n.Before))
	}
	return w
}

// count returns "1 one" or "n many".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// was returns "was" for one and "were" for more.
func was(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// quoteCell quotes a cell for a message, in single quotes as a user would
// write it, shortened to 40 characters and with control characters escaped.
func quoteCell(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	q := fmt.Sprintf("%q", s)
	q = strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
	return "'" + q + "'"
}
