package series

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nabCSV builds a NAB-layout CSV of n rows, five minutes apart: a daily
// sine with noise, and a spike at row spike (none if negative).
func nabCSV(n, spike int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	t0 := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		v := 50 + 10*math.Sin(2*math.Pi*float64(i)/288) + rng.NormFloat64()
		if i == spike {
			v += 60
		}
		fmt.Fprintf(&b, "%s,%s\n", t0.Add(time.Duration(i)*5*time.Minute).Format(time.DateTime), strconv.FormatFloat(v, 'f', -1, 64))
	}
	return b.String()
}

func mustRead(t *testing.T, csv string, opts ...ReadOption) *Table {
	t.Helper()
	tab, err := Read(strings.NewReader(csv), "test.csv", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func likelihoodZ() Factory {
	return LikelihoodFactory("zscore+likelihood", func(Info) (RawScorer, error) { return NewZScore(), nil })
}

// factories are the detectors the stream-wide tests run; hrcusum has no
// drift here, so that its sum (hence its score) moves with any rise.
func factories() []Factory {
	return []Factory{ZScoreFactory(), likelihoodZ(), HRFactory(), HROwnFactory(DefaultOwnParams()), RobustZFactory(), HRCusumFactory(CusumParams{Short: 10, Long: 300, Warmup: 200, H: 50, MinRise: 3, SpreadFloor: 1, Refractory: 120, MaxFreeze: 300}), AutoFactory(HRFactory(), ZScoreFactory())}
}

// TestNoLookAhead changes every row from k on and checks that no score or
// alert before k moves: each row is scored only from the rows before it.
func TestNoLookAhead(t *testing.T) {
	base := mustRead(t, nabCSV(3000, 2500, 1))
	for _, f := range factories() {
		want, err := Run(base, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{1, 700, 1500, 2499} {
			changed := mustRead(t, nabCSV(3000, 2500, 1))
			rng := rand.New(rand.NewPCG(uint64(k), 2))
			for i := k; i < changed.Rows(); i++ {
				changed.Values[0][i] = rng.NormFloat64() * 1e3
				changed.Times[i] = changed.Times[i].Add(time.Duration(rng.IntN(1000)) * time.Hour)
			}
			got, err := Run(changed, f)
			if err != nil {
				t.Fatal(err)
			}
			for i := range k {
				if got.Score[i] != want.Score[i] || got.Alert[i] != want.Alert[i] {
					t.Fatalf("%s: row %d changed (score %v→%v) after changing rows from %d", f.Name, i, want.Score[i], got.Score[i], k)
				}
			}
			diff := false
			for i := k; i < changed.Rows(); i++ {
				diff = diff || got.Score[i] != want.Score[i]
			}
			if !diff {
				t.Errorf("%s: changing rows from %d changed no score at all", f.Name, k)
			}
		}
	}
}

// shiftCSV is nabCSV with the level raised by 45 on rows from..to.
func shiftCSV(t *testing.T, n, from, to int, seed uint64) *Table {
	t.Helper()
	tab := mustRead(t, nabCSV(n, -1, seed))
	for i := from; i <= to; i++ {
		tab.Values[0][i] += 45
	}
	return tab
}

// TestAnomaliesAlert checks the z-score alerts at a spike, the likelihood
// early in a sustained shift, and neither fires much on clean data.
func TestAnomaliesAlert(t *testing.T) {
	spike := mustRead(t, nabCSV(3000, 2000, 3))
	shift := shiftCSV(t, 3000, 2000, 2200, 3)
	cases := []struct {
		f        Factory
		tab      *Table
		from, to int
	}{
		{ZScoreFactory(), spike, 2000, 2000},
		{ZScoreFactory(), shift, 2000, 2000},
		{likelihoodZ(), shift, 2000, 2010},
	}
	for _, c := range cases {
		f := c.f
		s, err := Run(c.tab, f)
		if err != nil {
			t.Fatal(err)
		}
		hit := false
		for i := c.from; i <= c.to; i++ {
			hit = hit || s.Alert[i]
		}
		if !hit {
			t.Errorf("%s: no alert in rows %d..%d (score %v)", f.Name, c.from, c.to, s.Score[c.from:c.to+1])
		}
		alerts := 0
		for i, a := range s.Alert {
			if a {
				alerts++
			}
			if s.Score[i] < 0 || s.Score[i] > 1 || math.IsNaN(s.Score[i]) {
				t.Fatalf("%s: score %v at row %d outside [0, 1]", f.Name, s.Score[i], i)
			}
		}
		if alerts > 10 {
			t.Errorf("%s: %d alerts on a clean series with one anomaly", f.Name, alerts)
		}
	}
}

func TestMissingValuesCarryScore(t *testing.T) {
	csv := nabCSV(800, 790, 4)
	lines := strings.Split(csv, "\n")
	// rows 700..702 (lines 701..703): empty, unparsable, NaN value; row 703: bad timestamp.
	for i, v := range []string{"", "n/a", "NaN"} {
		ts, _, _ := strings.Cut(lines[701+i], ",")
		lines[701+i] = ts + "," + v
	}
	_, val, _ := strings.Cut(lines[704], ",")
	lines[704] = "not a time," + val
	tab := mustRead(t, strings.Join(lines, "\n"))
	for _, f := range factories() {
		s, err := Run(tab, f)
		if err != nil {
			t.Fatal(err)
		}
		for i := 700; i <= 703; i++ {
			if s.Score[i] != s.Score[699] || s.Alert[i] {
				t.Errorf("%s: missing row %d scored %v (alert %v), want carried %v", f.Name, i, s.Score[i], s.Alert[i], s.Score[699])
			}
		}
	}
}

func TestRowsKeptInOrder(t *testing.T) {
	csv := "timestamp,value\n" +
		"2014-01-01 00:10:00,1\n" +
		"2014-01-01 00:05:00,2\n" + // steps back
		"2014-01-01 00:05:00,3\n" + // repeats
		"2014-01-01 09:00:00,\"4\"\n" + // gap, quoted
		"2014-01-01 09:05:00\n" // short row: missing value
	tab := mustRead(t, csv)
	s, err := Run(tab, ZScoreFactory())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Write(&out, tab, s); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"timestamp,value,anomaly_score,alert", "2014-01-01 00:10:00,1,", "2014-01-01 00:05:00,2,", "2014-01-01 00:05:00,3,", "2014-01-01 09:00:00,4,", "2014-01-01 09:05:00,,"}
	if len(got) != len(want) {
		t.Fatalf("output:\n%s", out.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}

func TestScoresWrittenAtFullPrecision(t *testing.T) {
	tab := mustRead(t, nabCSV(500, 400, 5))
	s, err := Run(tab, likelihoodZ())
	if err != nil {
		t.Fatal(err)
	}
	s.Score[10] = 0.1 + 0.2 // 0.30000000000000004
	var out bytes.Buffer
	if err := Write(&out, tab, s); err != nil {
		t.Fatal(err)
	}
	back, err := readScored(&out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Score {
		if back.Score[i] != s.Score[i] {
			t.Fatalf("row %d: wrote %v, read back %v", i, s.Score[i], back.Score[i])
		}
		if (back.Alert[i] == 1) != s.Alert[i] {
			t.Fatalf("row %d: alert mismatch", i)
		}
		if !back.Times[i].Equal(tab.Times[i]) {
			t.Fatalf("row %d: time mismatch", i)
		}
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name, csv string
		opts      []ReadOption
		want      error
	}{
		{"empty file", "", nil, ErrNoUsableRows},
		{"header only", "timestamp,value\n", nil, ErrNoUsableRows},
		{"no values", "timestamp,value\n2014-01-01 00:00:00,\n2014-01-01 00:05:00,x\n", nil, ErrNoUsableRows},
		{"no timestamps", "timestamp,value\nnope,1\nnada,2\n", nil, ErrNoUsableRows},
		{"no header", "2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n", nil, ErrNoHeader},
		{"long row", "timestamp,value\n2014-01-01 00:00:00,1,2\n", nil, ErrRowWidth},
		{"unknown time column", "t,v\n2014-01-01 00:00:00,1\n", []ReadOption{WithTimeColumn("when")}, ErrColumn},
		{"unknown value column", "t,v\n2014-01-01 00:00:00,1\n", []ReadOption{WithValueColumns("x")}, ErrColumn},
		{"output column present", "timestamp,value,anomaly_score\n2014-01-01 00:00:00,1,0\n", nil, ErrOutputColumn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.csv), "x.csv", c.opts...)
			if !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
		})
	}
	_, err := ReadFile("testdata/does-not-exist.csv")
	if err == nil || !strings.Contains(err.Error(), "does-not-exist.csv") {
		t.Errorf("missing file error %v does not name the file", err)
	}
}

func TestReadFileNamesFileWithoutRows(t *testing.T) {
	path := t.TempDir() + "/empty.csv"
	writeTestFile(t, path, "timestamp,value\n")
	_, err := ReadFile(path)
	if !errors.Is(err, ErrNoUsableRows) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want ErrNoUsableRows naming %s", err, path)
	}
}

func TestColumns(t *testing.T) {
	csv := "\ufeffid,Time,cpu,mem,host\n1,2024-05-01T10:00:00Z,0.5,10,a\n2,2024-05-01T10:01:00Z,0.6,,b\n"
	tab := mustRead(t, csv)
	if tab.Header[tab.TimeCol] != "Time" {
		t.Errorf("time column %q", tab.Header[tab.TimeCol])
	}
	var names []string
	for _, c := range tab.ValueCols {
		names = append(names, tab.Header[c])
	}
	if strings.Join(names, ",") != "id,cpu,mem" {
		t.Errorf("value columns %v, want id,cpu,mem (host holds no numbers)", names)
	}
	tab = mustRead(t, csv, WithValueColumns("cpu"), WithTimeColumn("time"))
	if len(tab.ValueCols) != 1 || tab.Header[tab.ValueCols[0]] != "cpu" {
		t.Errorf("value columns %v", tab.ValueCols)
	}
}

// TestSeveralColumns checks the row score is the largest column score.
func TestSeveralColumns(t *testing.T) {
	a := mustRead(t, nabCSV(600, 500, 6))
	b := mustRead(t, nabCSV(600, 300, 7))
	var sb strings.Builder
	sb.WriteString("timestamp,a,b\n")
	for i := range a.Rows() {
		fmt.Fprintf(&sb, "%s,%s,%s\n", a.Records[i][0], a.Records[i][1], b.Records[i][1])
	}
	both := mustRead(t, sb.String())
	sa, _ := Run(a, ZScoreFactory())
	sbs, _ := Run(b, ZScoreFactory())
	s, err := Run(both, ZScoreFactory())
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Score {
		if s.Score[i] != math.Max(sa.Score[i], sbs.Score[i]) || s.Alert[i] != (sa.Alert[i] || sbs.Alert[i]) {
			t.Fatalf("row %d: %v/%v from %v and %v", i, s.Score[i], s.Alert[i], sa.Score[i], sbs.Score[i])
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2015, 9, 10, 5, 33, 0, 0, time.UTC)
	for _, s := range []string{"2015-09-10 05:33:00", "2015-09-10T05:33:00", "2015-09-10 05:33", "2015-09-10T05:33:00Z",
		"2015-09-10T07:33:00+02:00", " 2015-09-10 05:33:00.000000 ", "1441863180", "1441863180000", "1441863180.0"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	if got, err := ParseTime("2015-09-10"); err != nil || !got.Equal(time.Date(2015, 9, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date only: %v, %v", got, err)
	}
	for _, s := range []string{"", "yesterday", "12:00", "2015-13-40 00:00:00", "1e400", "NaN", "1.2.3"} {
		if _, err := ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
}

func TestSurprise(t *testing.T) {
	if got := Surprise(math.Log(1e-5)); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("Surprise(1e-5) = %v, want 0.5", got)
	}
	if Surprise(0) != 0 || Surprise(1) != 0 {
		t.Error("p ≥ 1 must score 0")
	}
	prev := 0.0
	for z := 0.0; z < 200; z += 0.25 {
		s := Surprise(LogUpperTail(z))
		if s < prev || s >= 1 {
			t.Fatalf("Surprise(Q(%v)) = %v after %v: not rising in [0, 1)", z, s, prev)
		}
		prev = s
	}
	lo, hi := LogUpperTail(30-1e-9), LogUpperTail(30)
	if math.Abs(lo-hi) > 1e-6 {
		t.Errorf("log tail jumps at z = 30: %v vs %v", lo, hi)
	}
}

func TestAlarmHysteresis(t *testing.T) {
	a := Alarm{On: 0.5, Off: 0.3}
	var got []bool
	for _, s := range []float64{0.1, 0.6, 0.7, 0.4, 0.6, 0.2, 0.55} {
		got = append(got, a.Step(s))
	}
	want := []bool{false, true, false, false, false, false, true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("alerts %v, want %v", got, want)
	}
	f := Alarm{On: 0.5, Off: 0.3}
	var scores []float64
	for _, s := range []float64{0.6, 0.9, 0.2, 0.8} {
		x, _ := f.Filter(s)
		scores = append(scores, x)
	}
	if fmt.Sprint(scores) != "[0.6 0.3 0.2 0.8]" {
		t.Errorf("filtered scores %v", scores)
	}
}

func TestRolling(t *testing.T) {
	r := newRolling(50)
	rng := rand.New(rand.NewPCG(9, 9))
	var xs []float64
	for i := range 1000 {
		x := 1e6 + rng.NormFloat64()
		xs = append(xs, x)
		r.push(x)
		lo := max(0, i+1-50)
		var m, v float64
		for _, y := range xs[lo:] {
			m += y
		}
		m /= float64(len(xs[lo:]))
		for _, y := range xs[lo:] {
			v += (y - m) * (y - m)
		}
		v = math.Sqrt(v / float64(len(xs[lo:])))
		if math.Abs(r.mean()-m) > 1e-6 || math.Abs(r.std()-v) > 1e-6 {
			t.Fatalf("push %d: mean %v std %v, want %v %v", i, r.mean(), r.std(), m, v)
		}
	}
}
