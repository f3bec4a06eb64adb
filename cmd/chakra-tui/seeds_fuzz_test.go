package main

import (
	"math"
	"testing"
)

// FuzzParseSeeds: --seeds comes from the command line. It either gives at
// least one seed (at most 10 000 per range) or an error; it never panics or
// loops forever (a range ending at the largest uint64 once did).
func FuzzParseSeeds(f *testing.F) {
	for _, s := range []string{"9001-9004,9100", "1", " 7 , 8-9 ", "5-3", "x", "", ",", "1-", "-1",
		"18446744073709551615-18446744073709551615", "18446744073709551614-18446744073709551615", "0-9999", "0-10000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seeds, err := parseSeeds(s)
		if err != nil {
			return
		}
		if len(seeds) == 0 {
			t.Fatalf("parseSeeds(%q): no error and no seeds", s)
		}
	})
}

func TestParseSeedsTopOfRange(t *testing.T) {
	seeds, err := parseSeeds("18446744073709551614-18446744073709551615")
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) != 2 || seeds[0] != math.MaxUint64-1 || seeds[1] != math.MaxUint64 {
		t.Fatalf("got %v", seeds)
	}
}
