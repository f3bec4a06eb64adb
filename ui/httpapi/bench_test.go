package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector"
	"github.com/chakra-tui/chakra-tui/engine"
)

// benchWriter is a ResponseWriter that discards the body, so benchmarks
// measure the handler and not a recorder.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// benchBody is a reusable request body.
type benchBody struct {
	strings.Reader
}

func (b *benchBody) Close() error { return nil }

var sinkBytes []byte

// benchPredict posts observations of soldiers soldiers in turn, timestamps
// increasing, straight to the handler (no network): the cost of the
// pipeline per request.
func benchPredict(b *testing.B, h http.Handler, soldiers int) {
	benchRequests(b, h, soldiers, 1)
}

// benchRequests posts the observations of soldiers soldiers in turn,
// timestamps increasing, per of them to a request: to /predict one at a
// time (per 1), else to /predict/batch. It reports the CPU time per request
// and, for batches, the time per verdict.
func benchRequests(b *testing.B, h http.Handler, soldiers, per int) {
	path := "/predict"
	if per > 1 {
		path = "/predict/batch"
	}
	req, _ := http.NewRequest("POST", path, nil)
	req.Header.Set("Content-Type", "application/json")
	body := &benchBody{}
	req.Body = body
	w := &benchWriter{h: http.Header{}}
	var ts int64 = 1_600_000_000
	item := 0
	next := func() string {
		var sb strings.Builder
		if per > 1 {
			sb.WriteByte('[')
		}
		for k := range per {
			i := item
			item++
			id := i%soldiers + 1
			if i%soldiers == 0 {
				ts++
			}
			if k > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(`{"soldier_id":` + strconv.Itoa(id) + `,"heart_rate":` + strconv.Itoa(70+i%13) +
				`,"stamina":90.5,"core_temp":37.21,"spo2":98,"timestamp":` + strconv.FormatInt(ts, 10) + `}`)
		}
		if per > 1 {
			sb.WriteByte(']')
		}
		return sb.String()
	}
	for i := range 100 * soldiers / per { // past the warm-up of every soldier
		body.Reset(next())
		req.ContentLength = int64(body.Len())
		h.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("warm-up request %d: %d", i, w.code)
		}
	}
	reqs := make([]string, b.N)
	for i := range reqs {
		reqs[i] = next()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := range b.N {
		body.Reset(reqs[i])
		req.ContentLength = int64(body.Len())
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != 200 {
			b.Fatalf("request %d: %d", i, w.code)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	if per > 1 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*per), "ns/verdict")
	}
}

// cpuTime is the process's user and system CPU time: unlike wall time it
// does not grow while other processes hold the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchServer(b *testing.B, sc detector.Scorer) http.Handler {
	f := newFixture(b, sc, WithMaxFuture(1<<62))
	return f.api
}

func zscore(b *testing.B) detector.Scorer {
	sc, err := detector.NewZScore()
	if err != nil {
		b.Fatal(err)
	}
	return sc
}

func tft(b *testing.B) detector.Scorer {
	sc, err := detector.Default()
	if err != nil {
		b.Skipf("no embedded TFT model: %v", err)
	}
	return sc
}

func BenchmarkPredictTFT(b *testing.B)       { benchPredict(b, benchServer(b, tft(b)), 100) }
func BenchmarkPredictBatchTFT(b *testing.B)  { benchRequests(b, benchServer(b, tft(b)), 100, 100) }
func BenchmarkPredictZScore(b *testing.B)    { benchPredict(b, benchServer(b, zscore(b)), 100) }
func BenchmarkPredictReference(b *testing.B) { benchPredict(b, NewReference(true, "tft"), 100) }

func BenchmarkDecodeObservation(b *testing.B) {
	body := []byte(`{"soldier_id": 17, "heart_rate": 83, "stamina": 91.5, "core_temp": 37.21, "spo2": 98, "timestamp": 1700000000}`)
	var l lexer
	var o obsFields
	b.ReportAllocs()
	for range b.N {
		l.reset(body)
		if rule, fatal := decodeObservation(&l, &o); rule != nil || fatal != nil || l.end() != nil {
			b.Fatal(rule, fatal)
		}
	}
}

func BenchmarkAppendVerdict(b *testing.B) {
	var v detector.Verdict
	o := engine.Observation{Soldier: 3, T: 1, Values: [engine.NumVitals]float64{83, 91.5, 37.21, 98}}
	NewReference(true, "tft").fill(&v, &o)
	b.ReportAllocs()
	for range b.N {
		sinkBytes = appendVerdict(sinkBytes[:0], &v, verdictExtras{scorer: "tft"})
	}
	b.SetBytes(int64(len(sinkBytes)))
}

// BenchmarkMetrics50000 is a /metrics scrape of a server whose store
// holds 50 000 soldiers (three ticks through the pipeline), as
// `--headless --simulate --soldiers 50000` serves it. Every scrape asks
// the store for its soldier count, as one a second or more after the last
// does (the gauge's answer is kept for a second).
func BenchmarkMetrics50000(b *testing.B) { benchMetrics(b, 50_000) }

// BenchmarkMetrics100 is the same scrape of 100 soldiers: the reference a
// scrape of 50 000 should cost no more than, with no per-soldier work.
func BenchmarkMetrics100(b *testing.B) { benchMetrics(b, 100) }

func benchMetrics(b *testing.B, soldiers int) {
	f := newFixture(b, nil, WithMaxFuture(1<<62))
	obs := make([]engine.Observation, soldiers)
	var vs []detector.Verdict
	for tk := range int64(3) {
		for i := range obs {
			obs[i] = engine.Observation{Soldier: engine.SoldierID(i + 1), T: testNow.Unix() - 3 + tk,
				Values: [engine.NumVitals]float64{70 + float64(i%13), 90, 37.2, 98}}
		}
		var err error
		if vs, err = f.api.Ingest(context.Background(), obs, vs[:0]); err != nil {
			b.Fatal(err)
		}
	}
	req, _ := http.NewRequest("GET", "/metrics", nil)
	w := &benchWriter{h: http.Header{}}
	f.api.ServeHTTP(w, req)
	if w.code != 0 && w.code != 200 {
		b.Fatalf("GET /metrics: %d", w.code)
	}
	if got := f.api.soldiersTracked(); got != float64(soldiers) {
		b.Fatalf("chakra_soldiers_tracked %v, want %d", got, soldiers)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		f.api.tracked.mu.Lock()
		f.api.tracked.at = time.Time{}
		f.api.tracked.mu.Unlock()
		w.h, w.n = http.Header{}, 0
		f.api.ServeHTTP(w, req)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(w.n), "bytes")
}
