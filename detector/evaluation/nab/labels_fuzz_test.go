package nab

import (
	"errors"
	"strings"
	"testing"
)

// FuzzReadLabels: a labels file is outside input. It either decodes into
// windows that are sorted and never end before they start, or fails with
// ErrBadLabels; it never panics.
func FuzzReadLabels(f *testing.F) {
	for _, s := range []string{
		`{"a/b.csv": [["2014-02-19 10:50:00.000000", "2014-02-20 03:30:00.000000"]]}`,
		`{"a/b.csv": [["2014-02-20 03:30:00", "2014-02-19 10:50:00"]]}`,
		`{"a/b.csv": [["2014-02-19T10:50:00Z", "2014-02-19T11:50:00Z"], ["2014-01-01 00:00:00", "2014-01-02 00:00:00"]]}`,
		`{"x.csv": []}`, `{"x.csv": [["2014-01-01 00:00:00"]]}`, `[]`, `{`, ``, `{"x.csv": [[1, 2]]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ReadLabels(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrBadLabels) {
				t.Fatalf("error without ErrBadLabels: %v", err)
			}
			return
		}
		for file, ws := range l {
			for i, w := range ws {
				if w.End.Before(w.Start) {
					t.Fatalf("%s window %d ends before it starts", file, i)
				}
				if i > 0 && w.Start.Before(ws[i-1].Start) {
					t.Fatalf("%s windows not sorted at %d", file, i)
				}
			}
		}
	})
}
