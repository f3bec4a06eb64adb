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
