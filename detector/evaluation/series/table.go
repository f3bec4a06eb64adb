package series

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for input files.
var (
	// ErrNoUsableRows means no row has both a timestamp and a value.
	ErrNoUsableRows = errors.New("no usable rows (none has both a timestamp and a value)")
	// ErrColumn means a named column is not in the header.
	ErrColumn = errors.New("no such column")
	// ErrNoHeader means the first row looks like data, not a header.
	ErrNoHeader = errors.New("the first row is data, not a header (add one, e.g. timestamp,value)")
	// ErrRowWidth means a row has more fields than the header.
	ErrRowWidth = errors.New("row has more fields than the header")
	// ErrOutputColumn means the input already has a column the output adds.
	ErrOutputColumn = errors.New("input already has an output column")
	// ErrSeparator means the file is not comma-separated: its header is one
	// field holding semicolons or tabs.
	ErrSeparator = errors.New("not comma-separated")
)

// Output column names.
const (
	ScoreColumn = "anomaly_score"
	AlertColumn = "alert"
)

// Table is a CSV time series held in memory: the raw fields of every row
// (kept to write them back unchanged) and the parsed timestamps and values.
type Table struct {
	Name      string     // where it came from, for messages
	Header    []string   // column names as read
	Records   [][]string // every data row, padded to the header's width
	TimeCol   int        // index of the time column
	ValueCols []int      // indexes of the scored value columns
	Times     []time.Time
	TimeOK    []bool      // false where the timestamp did not parse
	Values    [][]float64 // per value column, per row; NaN where missing
	Notes     Notes       // what Read accepted with a guess or as missing
	lines     []int       // per row, its line in the file
}

// Rows returns the number of data rows.
func (t *Table) Rows() int { return len(t.Records) }

// Usable returns the number of rows with a timestamp and at least one value.
func (t *Table) Usable() int {
	n := 0
	for i := range t.Records {
		if !t.TimeOK[i] {
			continue
		}
		for _, col := range t.Values {
			if !math.IsNaN(col[i]) {
				n++
				break
			}
		}
	}
	return n
}

// ReadOption configures Read.
type ReadOption func(*readConfig)

type readConfig struct {
	timeCol   string
	valueCols []string
}

// WithTimeColumn names the time column.
func WithTimeColumn(name string) ReadOption { return func(c *readConfig) { c.timeCol = name } }

// WithValueColumns names the value columns to score.
func WithValueColumns(names ...string) ReadOption {
	return func(c *readConfig) { c.valueCols = append(c.valueCols[:0:0], names...) }
}

// ReadFile reads a CSV time series from disk; errors name the file.
func ReadFile(path string, opts ...ReadOption) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open series: %w", err)
	}
	defer f.Close()
	t, err := Read(f, path, opts...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return t, nil
}

// Read reads a CSV time series; name is used in messages only. It fails
// with ErrNoUsableRows when no row has both a timestamp and a value.
func Read(r io.Reader, name string, opts ...ReadOption) (*Table, error) {
	var cfg readConfig
	for _, o := range opts {
		o(&cfg)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, ErrNoUsableRows
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	if err := checkSeparator(header); err != nil {
		return nil, err
	}
	t := &Table{Name: name, Header: header}
	var guessed bool
	if t.TimeCol, guessed, err = findTimeColumn(header, cfg.timeCol); err != nil {
		return nil, err
	}
	if guessed && looksLikeData(header, t.TimeCol) {
		return nil, ErrNoHeader
	}
	for _, h := range header {
		if n := strings.TrimSpace(h); n == ScoreColumn || n == AlertColumn {
			return nil, fmt.Errorf("%w %q", ErrOutputColumn, n)
		}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", line, err)
		}
		if len(rec) > len(header) {
			return nil, fmt.Errorf("line %d: %d fields, header has %d: %w", line, len(rec), len(header), ErrRowWidth)
		}
		recLine, _ := cr.FieldPos(0)
		for len(rec) < len(header) {
			rec = append(rec, "")
		}
		t.Records = append(t.Records, rec)
		t.lines = append(t.lines, recLine)
	}
	if t.ValueCols, err = findValueColumns(header, t.TimeCol, cfg.valueCols, t.Records); err != nil {
		return nil, err
	}
	if err := t.parse(); err != nil {
		return nil, err
	}
	if t.Usable() == 0 {
		return nil, t.whyUnusable()
	}
	return t, nil
}

// checkSeparator refuses a header that is one field holding semicolons or
// tabs: the file is separated by those, and every row would read as one
// field.
func checkSeparator(header []string) error {
	if len(header) != 1 {
		return nil
	}
	for _, sep := range []struct{ char, name string }{{";", "semicolon"}, {"\t", "tab"}} {
		if strings.Contains(header[0], sep.char) {
			return fmt.Errorf("the header %s is one field holding %ss: the file looks %s-separated, and only comma-separated files are read (export it as CSV with commas): %w",
				quoteCell(header[0]), sep.name, sep.name, ErrSeparator)
		}
	}
	return nil
}

// whyUnusable explains ErrNoUsableRows for a table with rows: no timestamp
// parsed, or no value did.
func (t *Table) whyUnusable() error {
	n := &t.Notes
	if t.Rows() > 0 && n.BadTimes.N == t.Rows() {
		return fmt.Errorf("no timestamp in column %q parses (first at line %d: %s; %s): %w",
			t.Header[t.TimeCol], n.BadTimes.Line, quoteCell(n.BadTimes.Text), acceptedTimes, ErrNoUsableRows)
	}
	if n.NotNumbers.N > 0 {
		return fmt.Errorf("no row has both a timestamp and a number (first value that is not a number at line %d: %s): %w",
			n.NotNumbers.Line, quoteCell(n.NotNumbers.Text), ErrNoUsableRows)
	}
	return ErrNoUsableRows
}

// parse fills Times, TimeOK, Values and Notes from the records. It fails
// with ErrAmbiguousDate at the first time cell written like 01/02/2024.
func (t *Table) parse() error {
	n := len(t.Records)
	t.Times = make([]time.Time, n)
	t.TimeOK = make([]bool, n)
	t.Values = make([][]float64, len(t.ValueCols))
	for c := range t.Values {
		t.Values[c] = make([]float64, n)
	}
	notes := &t.Notes
	var last time.Time
	lastOK := false
	lastText := ""
	for i, rec := range t.Records {
		line := t.lines[i]
		cell := rec[t.TimeCol]
		tm, kind, err := parseTime(cell)
		switch {
		case err != nil && isNumericDate(cell):
			return fmt.Errorf("timestamp %s at line %d: the day/month order of dates like 01/02/2024 is not guessed (%s): %w",
				quoteCell(cell), line, acceptedTimes, ErrAmbiguousDate)
		case err != nil:
			notes.BadTimes.add(line, cell)
		default:
			t.Times[i], t.TimeOK[i] = tm, true
			if kind != timeDate && !notes.Unix {
				notes.Unix, notes.UnixText, notes.UnixMS, notes.UnixTime = true, strings.TrimSpace(cell), kind == timeUnixMSec, tm
			}
			if lastOK && tm.Before(last) {
				if notes.Backward.N == 0 {
					notes.Before = lastText
				}
				notes.Backward.add(line, cell)
			}
			last, lastOK, lastText = tm, true, cell
		}
		for c, col := range t.ValueCols {
			v, ok := parseValue(rec[col])
			t.Values[c][i] = v
			if !ok && strings.TrimSpace(rec[col]) != "" {
				notes.NotNumbers.add(line, rec[col])
			}
		}
	}
	return nil
}

// looksLikeData reports whether a header row is really a data row: its
// time cell parses as a timestamp.
func looksLikeData(header []string, timeCol int) bool {
	_, err := ParseTime(header[timeCol])
	return err == nil
}

func columnIndex(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

// findTimeColumn returns the time column's index, and whether it was
// guessed (no name given and none of the usual names present).
func findTimeColumn(header []string, name string) (int, bool, error) {
	if name != "" {
		i := columnIndex(header, name)
		if i < 0 {
			return 0, false, fmt.Errorf("time column %q: %w (header: %s)", name, ErrColumn, strings.Join(header, ","))
		}
		return i, false, nil
	}
	for _, n := range []string{"timestamp", "time", "datetime", "date", "ts"} {
		if i := columnIndex(header, n); i >= 0 {
			return i, false, nil
		}
	}
	return 0, true, nil
}

func findValueColumns(header []string, timeCol int, names []string, records [][]string) ([]int, error) {
	var cols []int
	if len(names) > 0 {
		for _, n := range names {
			i := columnIndex(header, n)
			if i < 0 {
				return nil, fmt.Errorf("value column %q: %w (header: %s)", n, ErrColumn, strings.Join(header, ","))
			}
			if i == timeCol {
				return nil, fmt.Errorf("value column %q is the time column", n)
			}
			cols = append(cols, i)
		}
		return cols, nil
	}
	if i := columnIndex(header, "value"); i >= 0 && i != timeCol {
		return []int{i}, nil
	}
	for i := range header {
		if i == timeCol {
			continue
		}
		for _, rec := range records {
			if _, ok := parseValue(rec[i]); ok {
				cols = append(cols, i)
				break
			}
		}
	}
	if len(cols) == 0 {
		if len(header) == 1 {
			return nil, fmt.Errorf("the only column, %q, is taken as the time column and there is no value column: %w", header[0], ErrNoUsableRows)
		}
		return nil, fmt.Errorf("no column besides the time column %q holds a number: %w", header[timeCol], ErrNoUsableRows)
	}
	return cols, nil
}

// Write writes the table's header and rows followed by the score and alert
// columns. scores and alerts have one entry per row.
func Write(w io.Writer, t *Table, s Scores) error {
	if len(s.Score) != t.Rows() || len(s.Alert) != t.Rows() {
		return fmt.Errorf("write %s: %d scores and %d alerts for %d rows", t.Name, len(s.Score), len(s.Alert), t.Rows())
	}
	cw := csv.NewWriter(w)
	row := make([]string, 0, len(t.Header)+2)
	row = append(append(row, t.Header...), ScoreColumn, AlertColumn)
	if err := cw.Write(row); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	var buf []byte
	for i, rec := range t.Records {
		buf = strconv.AppendFloat(buf[:0], s.Score[i], 'g', -1, 64)
		alert := "0"
		if s.Alert[i] {
			alert = "1"
		}
		row = append(append(row[:0], rec...), string(buf), alert)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write row %d: %w", i+1, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write rows: %w", err)
	}
	return nil
}
