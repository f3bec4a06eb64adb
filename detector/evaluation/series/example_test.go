package series_test

import (
	"fmt"
	"os"
	"strings"
	"time"

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

// ExampleNewHROwn feeds the per-person-threshold detector and HR an hour
// of heart rate at 70 bpm (±1, alternating: a spread of 1.48 bpm) with a
// 15-bpm rise for two minutes at 09:10 (z ≈ 10) and 12-bpm rises (z ≈ 8)
// for two minutes every ten minutes after it. Both alert at the first rise
// (K = 6 for hrown at its default, 6.5 for HR). HR alerts at every later
// rise too. For hrown the first rise is now part of this person's own
// history (the 95 % quantile of their z, 60 rows lagged, about 10), so the
// smaller rises at 09:20–09:40 are usual for them and do not alert; by
// 09:50 those rises fill the person's top 5 % themselves, the threshold
// has come down to their own height (about 8.1) and the fifth alerts.
func ExampleNewHROwn() {
	own, hr := series.NewHROwn(series.DefaultOwnParams()), series.NewHR()
	t0 := time.Date(2022, 2, 7, 9, 0, 0, 0, time.UTC)
	var ownAlerts, hrAlerts []string
	for i := range 3600 {
		t, x := t0.Add(time.Duration(i)*time.Second), 70+float64(i%2*2-1)
		switch {
		case i >= 600 && i < 720:
			x += 15
		case i >= 1200 && i%600 < 120:
			x += 12
		}
		if _, a := own.Observe(t, x, true); a {
			ownAlerts = append(ownAlerts, t.Format("15:04"))
		}
		if _, a := hr.Observe(t, x, true); a {
			hrAlerts = append(hrAlerts, t.Format("15:04"))
		}
	}
	fmt.Println("hrown:", ownAlerts, "threshold at the end", fmt.Sprintf("%.2f", own.PersonalThreshold()))
	fmt.Println("hr:   ", hrAlerts)
	// Output:
	// hrown: [09:10 09:50] threshold at the end 8.10
	// hr:    [09:10 09:20 09:30 09:40 09:50]
}
