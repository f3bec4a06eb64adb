package actes

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const table = `ID,time,RR,VO2,power
1,-2.5,1000,0.3,0
1,-1.5,1000,0.3,0
1,-0.6,900,0.3,0
1,0.1,600,0.4,50
1,0.5,400,0.4,50
1,0.6,,0.4,50
1,1.2,600,0.4,50
1,2.1,610,0.5,0
2,0,500,1,100
`

func TestReadAndHeartRate(t *testing.T) {
	subs, err := Read(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].ID != "1" || subs[1].ID != "2" {
		t.Fatalf("subjects %+v", subs)
	}
	// 600 after 900 is a 33 % jump (dropped); 400 after 600 too; the beat
	// after an empty RR has no previous to compare with (kept).
	var rrs []float64
	for _, b := range subs[0].Beats {
		rrs = append(rrs, b.RR)
	}
	if want := []float64{1000, 1000, 900, 600, 610}; !slices.Equal(rrs, want) {
		t.Fatalf("kept RR %v, want %v", rrs, want)
	}
	hr, from, to := subs[0].HeartRate()
	// Seconds -2 … 2: the last kept beat at or before each.
	if want := []float64{60, 60, 67, 67, 100}; !slices.Equal(hr, want) {
		t.Fatalf("heart rate %v, want %v", hr, want)
	}
	// Exercise: beats with power from t = 1.2 (first kept one) to 1.2.
	if from != 4 || to != 4 {
		t.Fatalf("exercise [%d, %d), want [4, 4)", from, to)
	}
}

func TestReadErrors(t *testing.T) {
	for _, in := range []string{"", "a,b,c\n1,2,3\n", "ID,time,RR,VO2,power\n", "ID,time,RR,VO2,power\n1,x,500,1,0\n",
		"ID,time,RR,VO2,power\n1,0,500\n", "ID,time,RR,VO2,power\n1,NaN,500,1,0\n",
		"ID,time,RR,VO2,power\n1,1e300,500,1,0\n"} {
		if _, err := Read(strings.NewReader(in)); !errors.Is(err, ErrFormat) {
			t.Errorf("%q: error %v, want ErrFormat", in, err)
		}
	}
}

// FuzzRead: the beat table is outside input. It reads or fails with
// ErrFormat, and HeartRate never panics or runs away on what it read.
func FuzzRead(f *testing.F) {
	f.Add(table)
	f.Add("ID,time,RR,VO2,power\n1,NaN,500,1,0\n1,-Inf,500,1,5\n")
	f.Add("ID,time,RR,VO2,power\n1,1e300,500,1,5\n1,-1e300,500,1,0\n")
	f.Fuzz(func(t *testing.T, s string) {
		subs, err := Read(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error without ErrFormat: %v", err)
			}
			return
		}
		for _, sub := range subs {
			hr, from, to := sub.HeartRate()
			if from < 0 || to < from || to > len(hr) {
				t.Fatalf("exercise [%d, %d) of %d seconds", from, to, len(hr))
			}
		}
	})
}
