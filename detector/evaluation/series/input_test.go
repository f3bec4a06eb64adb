package series

import (
	"errors"
	"strings"
	"testing"
)

// TestReadWarnings checks that every kind of input Read accepts with a
// guess or as missing is counted and worded as one line naming the first
// case, and that clean input gets no warning.
func TestReadWarnings(t *testing.T) {
	cases := []struct {
		name, csv string
		want      []string // one substring per warning line, in order
	}{
		{"clean", "timestamp,value\n2024-05-01 10:00:00,1\n2024-05-01 10:00:00,\n2024-05-01 10:01:00,3\n", nil},
		{"not numbers", "timestamp,value\n2024-05-01 10:00:00,1\n2024-05-01 10:01:00,n/a\n2024-05-01 10:02:00,\n2024-05-01 10:03:00,x\n",
			[]string{"x.csv: 2 values were not numbers and were treated as missing (first at line 3: 'n/a')"}},
		{"one not number", "timestamp,value\n2024-05-01 10:00:00,1\n2024-05-01 10:01:00,NA\n",
			[]string{"x.csv: 1 value was not a number and was treated as missing (first at line 3: 'NA')"}},
		{"not numbers after a quoted line break", "timestamp,value,note\n2024-05-01 10:00:00,1,\"a\nb\"\n2024-05-01 10:01:00,?,\n",
			[]string{"1 value was not a number and was treated as missing (first at line 4: '?')"}},
		{"bad times", "timestamp,value\n2024-05-01 10:00:00,1\nsoon,2\n,3\n",
			[]string{"x.csv: 2 rows had no readable timestamp and were treated as missing (first at line 3: 'soon')"}},
		{"backward", "timestamp,value\n2024-05-01 10:00:00,1\n2024-05-01 10:05:00,2\n2024-05-01 10:01:00,3\n2024-05-01 10:01:00,4\n2024-05-01 10:00:00,5\n",
			[]string{"x.csv: 2 rows go back in time and were scored in file order (first at line 4: '2024-05-01 10:01:00' after '2024-05-01 10:05:00')"}},
		{"unix seconds", "t,v\n1234567890,1\n1234567950,2\n",
			[]string{`x.csv: timestamps in column "t" read as unix seconds (first: 1234567890 → 2009-02-13T23:31:30Z)`}},
		{"unix milliseconds", "when,v\n 1234567890500,1\n",
			[]string{`timestamps in column "when" read as unix milliseconds (first: 1234567890500 → 2009-02-13T23:31:30.5Z)`}},
		{"unix seconds shown to the microsecond", "time,v\n-130.84,1\n",
			[]string{"(first: -130.84 → 1969-12-31T23:57:49.16Z)"}},
		{"all kinds", "time,v\n-130.5,1\n-131,x\nnope,2\n",
			[]string{"read as unix seconds (first: -130.5 → 1969-12-31T23:57:49.5Z)", "1 row had no readable timestamp and was treated",
				"1 value was not a number", "1 row goes back in time and was scored in file order (first at line 3: '-131' after '-130.5')"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, err := Read(strings.NewReader(c.csv), "x.csv")
			if err != nil {
				t.Fatal(err)
			}
			got := tab.Warnings()
			if len(got) != len(c.want) {
				t.Fatalf("warnings %q, want %d", got, len(c.want))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

// TestReadFormatErrors checks that files in a format Read does not take
// fail with an error naming the likely cause.
func TestReadFormatErrors(t *testing.T) {
	cases := []struct {
		name, csv string
		want      error
		says      []string
	}{
		{"semicolons", "timestamp;value\n2024-05-01 10:00:00;1,5\n", ErrSeparator, []string{"semicolon-separated", "'timestamp;value'"}},
		{"tabs", "timestamp\tvalue\n2024-05-01 10:00:00\t1\n", ErrSeparator, []string{"tab-separated", `'timestamp\tvalue'`}},
		{"day/month", "date,value\n01/02/2024,1\n02/02/2024,2\n", ErrAmbiguousDate, []string{"'01/02/2024' at line 2", "day/month order", "ISO 8601", "unix seconds"}},
		{"day.month with time", "timestamp,value\n2024-05-01 10:00:00,1\n1.5.2024 10:00,1\n", ErrAmbiguousDate, []string{"line 3"}},
		{"year/month/day", "timestamp,value\n2024/05/01 10:00,1\n", ErrAmbiguousDate, []string{"'2024/05/01 10:00'"}},
		{"no timestamp parses", "timestamp,value\nmonday,1\ntuesday,2\n", ErrNoUsableRows, []string{`column "timestamp"`, "line 2: 'monday'", "accepted: ISO 8601"}},
		{"no value is a number", "timestamp,value\n2024-05-01 10:00:00,n/a\n", ErrNoUsableRows, []string{"line 2: 'n/a'"}},
		{"no numeric column", "t,v\n2024-05-01 10:00:00,high\n", ErrNoUsableRows, []string{`besides the time column "t"`}},
		{"one column", "value\n1\n2\n", ErrNoUsableRows, []string{`only column, "value"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.csv), "x.csv")
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			for _, s := range c.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestIsNumericDate(t *testing.T) {
	for s, want := range map[string]bool{
		"01/02/2024": true, "1/2/24": true, "13.02.2024": true, "2024/02/01": true, "01/02/2024 10:00": true, "01/02/2024T10:00": true,
		"1.5": false, "1/2": false, "2024-02-01": false, "01/02.2024": false, "12345/1/1": false, "abc": false, "": false, "1//2": false,
	} {
		if got := isNumericDate(s); got != want {
			t.Errorf("isNumericDate(%q) = %v, want %v", s, got, want)
		}
	}
}
