package series

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzRead feeds arbitrary bytes to the CSV reader: it must never panic,
// whatever it accepts must score and write back with one output row per
// input row, and its warnings must be single lines whose counts agree with
// the parsed table.
func FuzzRead(f *testing.F) {
	f.Add(nabCSV(20, 10, 1))
	f.Add("timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:00:00,\"2\"\n")
	f.Add("t,a,b\n1441863180,1,x\n1441863181,,2\n")
	f.Add("\ufefftime,v\n2024-05-01T10:00:00Z,NaN\n2024-05-01T10:01:00+02:00,1e308\n")
	f.Add("timestamp,value\n\"2014-01-01 00:00:00\",\"1\n2\"\n")
	f.Add("a\n1\n")
	f.Add("timestamp;value\n2024-05-01 10:00:00;1,5\n")
	f.Add("timestamp\tvalue\n2024-05-01 10:00:00\t1\n")
	f.Add("date,value\n01/02/2024,1\n")
	f.Add("time,v\n-130.5,1\n-131,x\nnope,n/a\n,\n1234567890500,2\n")
	f.Add("timestamp,value\n2024-05-01 10:05:00,1\n2024-05-01 10:00:00,\"a\nb\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := Read(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			return
		}
		checkNotes(t, tab)
		s, err := Run(tab, likelihoodZ())
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := Write(&out, tab, s); err != nil {
			t.Fatal(err)
		}
		back, err := readScored(&out)
		if err != nil {
			t.Fatalf("reading our own output: %v\n%q", err, out.String())
		}
		if len(back.Score) != tab.Rows() {
			t.Fatalf("%d rows in, %d out", tab.Rows(), len(back.Score))
		}
		for i, x := range back.Score {
			if x != s.Score[i] || x < 0 || x > 1 {
				t.Fatalf("row %d: score %v written, %v read", i, s.Score[i], x)
			}
		}
	})
}

// FuzzParseTime must never panic.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2015-09-10 05:33:00", "1441863180", "2015-09-10T05:33:00Z", "-1e10", "+."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseTime(s)
		_ = isNumericDate(s)
	})
}

// checkNotes recounts what Read noted from the parsed table.
func checkNotes(t *testing.T, tab *Table) {
	t.Helper()
	bad, back := 0, 0
	var last time.Time
	seen := false
	for i, ok := range tab.TimeOK {
		if !ok {
			bad++
			continue
		}
		if seen && tab.Times[i].Before(last) {
			back++
		}
		last, seen = tab.Times[i], true
	}
	n := tab.Notes
	if n.BadTimes.N != bad || n.Backward.N != back {
		t.Fatalf("notes count %d bad times and %d steps back, the table has %d and %d", n.BadTimes.N, n.Backward.N, bad, back)
	}
	if n.NotNumbers.N > tab.Rows()*len(tab.ValueCols) {
		t.Fatalf("%d values not numbers in %d rows × %d columns", n.NotNumbers.N, tab.Rows(), len(tab.ValueCols))
	}
	for _, w := range tab.Warnings() {
		if strings.ContainsAny(w, "\r\n") || !strings.HasPrefix(w, tab.Name+": ") {
			t.Fatalf("warning %q is not one line naming the file", w)
		}
	}
}
