package series

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/nab"
)

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScoreDir(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeTestFile(t, filepath.Join(in, "a", "one.csv"), nabCSV(400, 300, 1))
	writeTestFile(t, filepath.Join(in, "b", "c", "two.CSV"), nabCSV(300, 250, 2))
	writeTestFile(t, filepath.Join(in, "b", "bad.csv"), "timestamp,value\n")
	writeTestFile(t, filepath.Join(in, "notes.txt"), "not a series")
	var seen []Progress
	err := ScoreDir(context.Background(), in, out, likelihoodZ(), WithJobs(2), WithProgress(func(p Progress) { seen = append(seen, p) }))
	if !errors.Is(err, ErrNoUsableRows) || !strings.Contains(err.Error(), "bad.csv") {
		t.Errorf("err = %v, want ErrNoUsableRows naming bad.csv", err)
	}
	if len(seen) != 3 || seen[len(seen)-1].Done != 3 || seen[0].Total != 3 {
		t.Errorf("progress %+v", seen)
	}
	for _, rel := range []string{"a/one.csv", "b/c/two.CSV"} {
		s, err := ReadScored(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !s.HasAlert || len(s.Score) == 0 {
			t.Errorf("%s: %d scores, alert column %v", rel, len(s.Score), s.HasAlert)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "b", "bad.csv")); !os.IsNotExist(err) {
		t.Errorf("a failed file left output behind: %v", err)
	}
	if err := ScoreDir(context.Background(), t.TempDir(), out, likelihoodZ()); !errors.Is(err, ErrNoFiles) {
		t.Errorf("empty folder: %v", err)
	}
}

// TestScoreDirSkipsOutputInside checks that an output folder inside the
// input folder is not scored again.
func TestScoreDirSkipsOutputInside(t *testing.T) {
	in := t.TempDir()
	writeTestFile(t, filepath.Join(in, "x.csv"), nabCSV(300, 200, 3))
	writeTestFile(t, filepath.Join(in, "out", "old.csv"), nabCSV(300, 200, 3))
	files, err := ListCSV(in, filepath.Join(in, "out"))
	if err != nil || len(files) != 1 || files[0] != "x.csv" {
		t.Errorf("files %v, %v", files, err)
	}
}

func TestLoadNAB(t *testing.T) {
	data, res := t.TempDir(), t.TempDir()
	writeTestFile(t, filepath.Join(data, "cat", "f.csv"), nabCSV(1000, 600, 4))
	labels, err := nab.ReadLabels(strings.NewReader(`{"cat/f.csv": [["2014-04-03 02:00:00.000000", "2014-04-03 04:00:00.000000"]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ScoreFile(filepath.Join(data, "cat", "f.csv"), filepath.Join(res, "cat", "f.csv"), ZScoreFactory()); err != nil {
		t.Fatal(err)
	}
	run, err := LoadNAB(labels, data, res)
	if err != nil {
		t.Fatal(err)
	}
	if run.Files != 1 || run.Alerts == nil || run.Scores.NumWindows() != 1 {
		t.Fatalf("run %+v", run)
	}
	if r := run.Alerts.ScoreAt(nab.Standard, 0.5); r.Total.Detected != 1 {
		t.Errorf("the spike at row 600 (2014-04-03 02:00) should detect the window: %+v", r.Total)
	}
	// NAB's own layout: <category>/<detector>_<name>, no alert column.
	nabRes := t.TempDir()
	writeTestFile(t, filepath.Join(nabRes, "cat", "det_f.csv"), stripAlert(t, filepath.Join(res, "cat", "f.csv")))
	run, err = LoadNAB(labels, data, nabRes)
	if err != nil || run.Alerts != nil {
		t.Errorf("NAB layout: %v, alerts %v", err, run.Alerts)
	}
	// Wrong row count.
	writeTestFile(t, filepath.Join(nabRes, "cat", "det_f.csv"), "timestamp,anomaly_score\n2014-04-01 00:00:00,0\n")
	if _, err := LoadNAB(labels, data, nabRes); !errors.Is(err, ErrResults) {
		t.Errorf("short results: %v", err)
	}
	if _, err := LoadNAB(labels, data, t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing results: %v", err)
	}
}

func stripAlert(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		out = append(out, line[:strings.LastIndexByte(line, ',')])
	}
	return strings.Join(out, "\n") + "\n"
}

// TestRunProgress checks RunProgress's reports: increasing, one per
// percentage step at most, the last at the last row, and the scores the
// same as Run's.
func TestRunProgress(t *testing.T) {
	for _, n := range []int{1, 7, 100, 1234} {
		tab, err := Read(strings.NewReader(nabCSV(n, -1, 4)), "p.csv")
		if err != nil {
			t.Fatal(err)
		}
		var done []int
		got, err := RunProgress(tab, likelihoodZ(), func(d, total int) {
			if total != n {
				t.Errorf("n %d: total %d", n, total)
			}
			done = append(done, d)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(done) == 0 || len(done) > 100 || done[len(done)-1] != n {
			t.Errorf("n %d: %d reports, last %v", n, len(done), done[len(done)-1:])
		}
		for i := 1; i < len(done); i++ {
			if done[i] <= done[i-1] {
				t.Errorf("n %d: reports not increasing: %v", n, done)
				break
			}
		}
		want, _ := Run(tab, likelihoodZ())
		if !slices.Equal(got.Score, want.Score) || !slices.Equal(got.Alert, want.Alert) {
			t.Errorf("n %d: RunProgress scores differ from Run's", n)
		}
	}
}

// TestScoreDirLargestFirst checks that a folder is scored largest file
// first (one job, so the finishing order is the starting order) and that
// row progress arrives for every file, ending at its last row.
func TestScoreDirLargestFirst(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	writeTestFile(t, filepath.Join(in, "a.csv"), nabCSV(200, -1, 1))
	writeTestFile(t, filepath.Join(in, "b.csv"), nabCSV(900, -1, 2))
	writeTestFile(t, filepath.Join(in, "c", "d.csv"), nabCSV(500, -1, 3))
	var order []string
	last := map[string]RowProgress{}
	err := ScoreDir(context.Background(), in, out, likelihoodZ(), WithJobs(1),
		WithProgress(func(p Progress) { order = append(order, p.File) }),
		WithRowProgress(func(p RowProgress) { last[p.File] = p }))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b.csv", "c/d.csv", "a.csv"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	for _, f := range order {
		if p := last[f]; p.Done != p.Rows || p.Rows == 0 {
			t.Errorf("%s: last row progress %+v", f, p)
		}
	}
}
