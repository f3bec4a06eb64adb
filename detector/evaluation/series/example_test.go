package series_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/series"
)

func Example() {
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := range 40 {
		v := 10 + i%3 // a steady pattern
		if i == 30 {
			v = 90 // one spike
		}
		fmt.Fprintf(&b, "2024-01-01 %02d:%02d:00,%d\n", i/12, 5*(i%12), v)
	}
	t, err := series.Read(strings.NewReader(b.String()), "demo.csv")
	if err != nil {
		panic(err)
	}
	s, err := series.Run(t, series.ZScoreFactory())
	if err != nil {
		panic(err)
	}
	for i, alert := range s.Alert {
		if alert {
			fmt.Printf("alert at row %d (%s), score %.3f\n", i, t.Records[i][0], s.Score[i])
		}
	}
	_ = series.Write(os.Stdout, &series.Table{Header: t.Header, Records: t.Records[30:31]},
		series.Scores{Score: s.Score[30:31], Alert: s.Alert[30:31]})
	// Output:
	// alert at row 30 (2024-01-01 02:30:00), score 0.998
	// timestamp,value,anomaly_score,alert
	// 2024-01-01 02:30:00,90,0.997548908678187,1
}

// ExampleRunProgress scores a 1 Hz heart-rate series with the CUSUM
// detector, reporting progress at each quarter of the rows. The rise of
// 15 bpm at 09:10:00 is about 4.7 of this person's spreads (about 3 bpm
// here), so the sum grows by 4.7 − 3 (the drift) a second and passes 190.8
// about 100 s later.
func ExampleRunProgress() {
	var b strings.Builder
	b.WriteString("timestamp,heart_rate\n")
	for i := range 800 {
		hr := 70 + i%2*2 - 1 // 69, 71, …
		if i >= 600 {
			hr += 15 // a sustained rise
		}
		fmt.Fprintf(&b, "2022-02-07 %02d:%02d:%02d,%d\n", 9+i/3600, i/60%60, i%60, hr)
	}
	t, err := series.Read(strings.NewReader(b.String()), "hr.csv")
	if err != nil {
		panic(err)
	}
	s, err := series.RunProgress(t, series.HRCusumFactory(series.DefaultCusumParams()), func(done, total int) {
		if done*4%total == 0 {
			fmt.Printf("%d of %d rows\n", done, total)
		}
	})
	if err != nil {
		panic(err)
	}
	for i, alert := range s.Alert {
		if alert {
			fmt.Printf("alert at %s\n", t.Records[i][0])
		}
	}
	// Output:
	// 200 of 800 rows
	// 400 of 800 rows
	// 600 of 800 rows
	// 800 of 800 rows
	// alert at 2022-02-07 09:11:41
}
