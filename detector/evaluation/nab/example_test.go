package nab_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/nab"
)

func Example() {
	labels, err := nab.ReadLabels(strings.NewReader(`{"demo/a.csv": [["2024-01-01 08:20:00.000000", "2024-01-01 09:10:00.000000"]]}`))
	if err != nil {
		panic(err)
	}
	// 200 rows, five minutes apart; the window covers rows 100..110.
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	times := make([]time.Time, 200)
	for i := range times {
		times[i] = start.Add(time.Duration(i) * 5 * time.Minute)
	}
	f, err := nab.NewFile("demo/a.csv", times, labels["demo/a.csv"])
	if err != nil {
		panic(err)
	}
	scores := make([]float64, len(times))
	scores[100] = 0.9 // the window's first row
	scores[150] = 0.7 // a false positive long after it
	var c nab.Corpus
	if err := c.Add(f, scores); err != nil {
		panic(err)
	}
	for _, r := range []nab.Result{c.ScoreAt(nab.Standard, 0.5), c.Optimise(nab.Standard)} {
		fmt.Printf("threshold %.2f optimised=%v: raw %.2f, normalised %.1f\n",
			r.Threshold, r.Optimised, r.Total.Raw, float64(r.Total.Normalised))
	}
	// Output:
	// threshold 0.50 optimised=false: raw 0.89, normalised 94.5
	// threshold 0.90 optimised=true: raw 1.00, normalised 100.0
}

// ExampleHalfOf shows the out-of-sample split: a file's half depends on its
// name only.
func ExampleHalfOf() {
	for _, name := range []string{"realKnownCause/nyc_taxi.csv", "realTweets/Twitter_volume_PFE.csv"} {
		fmt.Println(name, nab.HalfOf(name))
	}
	// Output:
	// realKnownCause/nyc_taxi.csv 1
	// realTweets/Twitter_volume_PFE.csv 0
}
