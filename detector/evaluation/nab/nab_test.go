package nab

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)

// evenTimes returns n timestamps five minutes apart.
func evenTimes(n int) []time.Time {
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = t0.Add(time.Duration(i) * 5 * time.Minute)
	}
	return ts
}

// oneWindowFile is 1000 rows (probation 150) with one window on rows
// 500..599 (W = 100).
func oneWindowFile(t *testing.T) *File {
	t.Helper()
	ts := evenTimes(1000)
	f, err := NewFile("cat/one.csv", ts, []Window{{ts[500], ts[599]}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Probation != 150 || len(f.Spans) != 1 || f.Spans[0] != (Span{500, 599}) {
		t.Fatalf("file = probation %d spans %v", f.Probation, f.Spans)
	}
	return f
}

// detectAt returns scores of n rows with 1 at the given rows.
func detectAt(n int, rows ...int) []float64 {
	s := make([]float64, n)
	for _, r := range rows {
		s[r] = 1
	}
	return s
}

func rawAt(t *testing.T, f *File, p Profile, scores []float64) float64 {
	t.Helper()
	var c Corpus
	if err := c.Add(f, scores); err != nil {
		t.Fatal(err)
	}
	return c.ScoreAt(p, 0.5).Total.Raw
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestScaledSigmoid(t *testing.T) {
	cases := []struct{ y, want float64 }{
		{-1, 0.9866142981514303}, {0, 0}, {1, -0.9866142981514303}, {-0.5, 0.8482836399575131}, {3, -1}, {10, -1},
	}
	for _, c := range cases {
		if got := ScaledSigmoid(c.y); !near(got, c.want) {
			t.Errorf("σ(%g) = %v, want %v", c.y, got, c.want)
		}
	}
}

func TestProbation(t *testing.T) {
	for n, want := range map[int]int{0: 0, 6: 0, 7: 1, 1000: 150, 4032: 604, 5000: 750, 22695: 750} {
		if got := Probation(n); got != want {
			t.Errorf("Probation(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestScoreHandMade(t *testing.T) {
	f := oneWindowFile(t)
	sd, fp := Standard, Standard.FP
	endTP := ScaledSigmoid(-1.0/100) / ScaledSigmoid(-1)
	justAfter := ScaledSigmoid(1.0 / 99)
	cases := []struct {
		name string
		p    Profile
		rows []int
		want float64
	}{
		{"detection at window start is +A_TP", sd, []int{500}, 1},
		{"detection at window end is near 0+", sd, []int{599}, endTP},
		{"detection before any window costs A_FP", sd, []int{200}, -1 - fp},
		{"detection right after a window costs little", sd, []int{600}, -1 + fp*justAfter},
		{"detection far after a window costs A_FP", sd, []int{999}, -1 - fp},
		{"missed window costs A_FN", sd, nil, -1},
		{"missed window, low-FN profile", RewardLowFN, nil, -2},
		{"false positive, low-FP profile", RewardLowFP, []int{200, 500}, 1 - 0.22},
		{"probationary detections are ignored", sd, []int{0, 10, 149}, -1},
		{"row 150 is the first scored row", sd, []int{150}, -1 - fp},
		{"only the earliest detection in a window counts", sd, []int{590, 510, 520, 599}, ScaledSigmoid(-90.0/100) / ScaledSigmoid(-1)},
		{"each false positive counts", sd, []int{200, 201, 202, 500}, 1 - 3*fp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := rawAt(t, f, c.p, detectAt(f.Rows, c.rows...)); !near(got, c.want) {
				t.Errorf("raw = %.15g, want %.15g", got, c.want)
			}
		})
	}
	if endTP <= 0 || endTP > 0.03 {
		t.Errorf("end-of-window reward %v, want in (0, 0.03)", endTP)
	}
	if justAfter >= 0 || justAfter < -0.03 {
		t.Errorf("just-after weight %v, want in [-0.03, 0)", justAfter)
	}
}

func TestSigmoidCostGrowsAfterWindow(t *testing.T) {
	f := oneWindowFile(t)
	prev := 0.0
	for i := 600; i < 1000; i += 20 {
		w := f.Weight(i)
		if w > prev {
			t.Fatalf("weight at row %d = %v rises above %v", i, w, prev)
		}
		prev = w
	}
	if f.Weight(999) != -1 {
		t.Errorf("weight far after window = %v, want -1", f.Weight(999))
	}
}

func TestNullAndPerfect(t *testing.T) {
	f := oneWindowFile(t)
	g, err := NewFile("other/two.csv", evenTimes(2000), []Window{{t0.Add(400 * 5 * time.Minute), t0.Add(450 * 5 * time.Minute)}, {t0.Add(1500 * 5 * time.Minute), t0.Add(1700 * 5 * time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Profiles() {
		var null, perfect Corpus
		for _, x := range []*File{f, g} {
			if err := null.Add(x, make([]float64, x.Rows)); err != nil {
				t.Fatal(err)
			}
			if err := perfect.Add(x, x.PerfectScores()); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range []Result{null.ScoreAt(p, 0.5), null.Optimise(p)} {
			if r.Total.Normalised != 0 || r.Total.Missed != 3 {
				t.Errorf("%s null: %+v", p.Name, r.Total)
			}
		}
		for _, r := range []Result{perfect.ScoreAt(p, 0.5), perfect.Optimise(p)} {
			if !near(float64(r.Total.Normalised), 100) || r.Total.Detected != 3 || r.Total.FP != 0 {
				t.Errorf("%s perfect: %+v", p.Name, r.Total)
			}
		}
	}
}

func TestOptimiseSmall(t *testing.T) {
	f := oneWindowFile(t)
	s := make([]float64, f.Rows)
	for i := range s {
		s[i] = 0.1
	}
	s[500] = 0.9  // window start
	s[300] = 0.95 // a false positive before the window
	s[700] = 0.8  // a false positive after it
	var c Corpus
	if err := c.Add(f, s); err != nil {
		t.Fatal(err)
	}
	r := c.Optimise(Standard)
	if r.Threshold != 0.9 || !r.Optimised {
		t.Fatalf("threshold = %v (optimised %v), want 0.9", r.Threshold, r.Optimised)
	}
	if want := 1 - 0.11; !near(r.Total.Raw, want) {
		t.Errorf("raw = %v, want %v", r.Total.Raw, want)
	}
	// Missing is −1 here; detecting nothing is best when FPs are costlier.
	costly := Profile{Name: "costly", TP: 1, FP: 3, FN: 1}
	if r := c.Optimise(costly); r.Threshold != NoDetection || r.Total.Raw != -1 {
		t.Errorf("costly profile: threshold %v raw %v, want %v and -1", r.Threshold, r.Total.Raw, NoDetection)
	}
}

// TestOptimiseMatchesBruteForce checks the sweep against scoring at every
// distinct score on random data with ties.
func TestOptimiseMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var c Corpus
	distinct := map[float64]bool{}
	for k := range 4 {
		n := 300 + rng.IntN(400)
		ts := evenTimes(n)
		var ws []Window
		for start := 100 + rng.IntN(50); start+30 < n; start += 60 + rng.IntN(120) {
			end := start + 5 + rng.IntN(25)
			ws = append(ws, Window{ts[start], ts[end]})
			start = end
		}
		f, err := NewFile(string(rune('a'+k))+"/f.csv", ts, ws)
		if err != nil {
			t.Fatal(err)
		}
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(rng.IntN(40)) / 40 // many ties
			distinct[s[i]] = true
		}
		if err := c.Add(f, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range Profiles() {
		bestRaw, bestTh := c.ScoreAt(p, NoDetection).Total.Raw, NoDetection
		for th := range distinct {
			if raw := c.ScoreAt(p, th).Total.Raw; raw > bestRaw+1e-9 || (math.Abs(raw-bestRaw) <= 1e-9 && th > bestTh) {
				bestRaw, bestTh = raw, th
			}
		}
		r := c.Optimise(p)
		if math.Abs(r.Total.Raw-bestRaw) > 1e-9 || r.Threshold != bestTh {
			t.Errorf("%s: optimise %v at %v, brute force %v at %v", p.Name, r.Total.Raw, r.Threshold, bestRaw, bestTh)
		}
	}
}

func TestNewFileErrors(t *testing.T) {
	ts := evenTimes(100)
	if _, err := NewFile("x.csv", ts, []Window{{ts[99].Add(time.Hour), ts[99].Add(2 * time.Hour)}}); err == nil {
		t.Error("window after the data: no error")
	}
	if _, err := NewFile("x.csv", ts, []Window{{ts[10], ts[30]}, {ts[20], ts[40]}}); err == nil {
		t.Error("overlapping windows: no error")
	}
	var c Corpus
	f, _ := NewFile("x.csv", ts, nil)
	if err := c.Add(f, make([]float64, 99)); err == nil {
		t.Error("short scores: no error")
	}
}

// TestWindowTimestampFallback covers labels whose timestamps are not rows.
func TestWindowTimestampFallback(t *testing.T) {
	ts := evenTimes(100)
	f, err := NewFile("x.csv", ts, []Window{{ts[10].Add(time.Minute), ts[20].Add(time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Spans[0] != (Span{11, 20}) {
		t.Errorf("span = %v, want {11 20}", f.Spans[0])
	}
}

// TestRepeatedTimestamps follows NAB: a window ends at the first row with
// its end timestamp.
func TestRepeatedTimestamps(t *testing.T) {
	ts := evenTimes(100)
	ts[21] = ts[20]
	f, err := NewFile("x.csv", ts, []Window{{ts[10], ts[20]}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Spans[0] != (Span{10, 20}) || f.InWindow(21) {
		t.Errorf("span = %v", f.Spans[0])
	}
}
