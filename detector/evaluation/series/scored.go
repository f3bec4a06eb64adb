package series

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/evaluation/nab"
)

// ErrResults means a results file is not in the format Write produces.
var ErrResults = errors.New("bad results file")

// Scored is a results file read back: per row, the timestamp (when the file
// has a time column), the anomaly score and (when present) the alert.
type Scored struct {
	Times    []time.Time // nil without a time column
	Score    []float64
	Alert    []float64 // 0 or 1; nil without an alert column
	HasAlert bool
}

// ReadScored reads a results file: a header with anomaly_score (required),
// alert (optional) and a time column (optional, found as Read finds it).
// NAB's own results files (timestamp,value,anomaly_score,label,...) read
// too, without alerts.
func ReadScored(name string) (*Scored, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open results: %w", err)
	}
	defer f.Close()
	s, err := readScored(f)
	if err != nil {
		return nil, fmt.Errorf("read results %s: %w", name, err)
	}
	return s, nil
}

func readScored(r io.Reader) (*Scored, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrResults, err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	scoreCol, alertCol := columnIndex(header, ScoreColumn), columnIndex(header, AlertColumn)
	if scoreCol < 0 {
		return nil, fmt.Errorf("%w: no %s column", ErrResults, ScoreColumn)
	}
	timeCol, guessed, _ := findTimeColumn(header, "")
	s := &Scored{HasAlert: alertCol >= 0}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrResults, line, err)
		}
		field := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		v, err := strconv.ParseFloat(field(scoreCol), 64)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %s %q", ErrResults, line, ScoreColumn, field(scoreCol))
		}
		s.Score = append(s.Score, v)
		if s.HasAlert {
			switch field(alertCol) {
			case "1", "true":
				s.Alert = append(s.Alert, 1)
			case "0", "false", "":
				s.Alert = append(s.Alert, 0)
			default:
				return nil, fmt.Errorf("%w: line %d: %s %q", ErrResults, line, AlertColumn, field(alertCol))
			}
		}
		if !guessed {
			tm, _ := ParseTime(field(timeCol)) // zero when unparsable; compared, never trusted
			s.Times = append(s.Times, tm)
		}
	}
	return s, nil
}

// NABRun is a detector's results folder assembled for NAB scoring: one
// corpus with the anomaly scores and, when every file has an alert column,
// one with the alerts as 0/1 scores (the detector's own threshold).
type NABRun struct {
	Scores *nab.Corpus
	Alerts *nab.Corpus // nil unless every results file has an alert column
	Files  int
}

// LoadNAB reads, for every file in labels, the data file under dataDir (for
// its timestamps) and the results file under resultsDir. A results file is
// found at the same relative path, or, in NAB's own layout, as
// <category>/<detector>_<name>. Row counts must match, and so must
// timestamps when the results file has them.
func LoadNAB(labels nab.Labels, dataDir, resultsDir string) (*NABRun, error) {
	run := &NABRun{Scores: &nab.Corpus{}, Alerts: &nab.Corpus{}}
	for _, key := range labels.Files() {
		data, err := ReadFile(filepath.Join(dataDir, filepath.FromSlash(key)))
		if err != nil {
			return nil, err
		}
		for i, ok := range data.TimeOK {
			if !ok {
				return nil, fmt.Errorf("%s row %d: timestamp %q: %w", key, i+1, data.Records[i][data.TimeCol], ErrTime)
			}
		}
		f, err := nab.NewFile(key, data.Times, labels[key])
		if err != nil {
			return nil, err
		}
		resPath, err := findResults(resultsDir, key)
		if err != nil {
			return nil, err
		}
		res, err := ReadScored(resPath)
		if err != nil {
			return nil, err
		}
		if len(res.Score) != f.Rows {
			return nil, fmt.Errorf("%s: %d rows, data file has %d: %w", resPath, len(res.Score), f.Rows, ErrResults)
		}
		for i, tm := range res.Times {
			if !tm.Equal(data.Times[i]) {
				return nil, fmt.Errorf("%s row %d: timestamp %s, data file has %s: %w", resPath, i+1,
					tm.Format(time.DateTime), data.Times[i].Format(time.DateTime), ErrResults)
			}
		}
		if err := run.Scores.Add(f, res.Score); err != nil {
			return nil, err
		}
		if run.Alerts != nil && res.HasAlert {
			if err := run.Alerts.Add(f, res.Alert); err != nil {
				return nil, err
			}
		} else {
			run.Alerts = nil
		}
		run.Files++
	}
	return run, nil
}

// findResults locates the results file for a labels key.
func findResults(dir, key string) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(key))
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	cat, name := path.Split(key)
	matches, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(cat), "*_"+name))
	if len(matches) == 1 {
		return matches[0], nil
	}
	return "", fmt.Errorf("no results file for %s under %s: %w", key, dir, os.ErrNotExist)
}
