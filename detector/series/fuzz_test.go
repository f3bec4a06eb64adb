package series

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the CSV reader: it must never panic,
// and whatever it accepts must score and write back with one output row per
// input row.
func FuzzRead(f *testing.F) {
	f.Add(nabCSV(20, 10, 1))
	f.Add("timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:00:00,\"2\"\n")
	f.Add("t,a,b\n1441863180,1,x\n1441863181,,2\n")
	f.Add("\ufefftime,v\n2024-05-01T10:00:00Z,NaN\n2024-05-01T10:01:00+02:00,1e308\n")
	f.Add("timestamp,value\n\"2014-01-01 00:00:00\",\"1\n2\"\n")
	f.Add("a\n1\n")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := Read(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			return
		}
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
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseTime(s) })
}
