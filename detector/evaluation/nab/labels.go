package nab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// Sentinel errors of the package; wrapped errors say which file or window.
var (
	// ErrBadLabels means a labels file is not NAB's windows JSON.
	ErrBadLabels = errors.New("bad labels")
	// ErrNoRows means a window matches no row of its data file.
	ErrNoRows = errors.New("window matches no rows")
	// ErrLength means a file's scores and rows differ in number.
	ErrLength = errors.New("scores and rows differ in number")
	// ErrOverlap means two windows of one file share rows.
	ErrOverlap = errors.New("windows overlap")
)

// Window is one labelled anomaly window, both ends inclusive.
type Window struct {
	Start, End time.Time
}

// Labels maps a data file's path relative to the corpus root, with forward
// slashes (e.g. "realKnownCause/nyc_taxi.csv"), to its windows in time
// order. A file listed with no windows is part of the corpus and can only
// lose points (false positives).
type Labels map[string][]Window

// Key returns the canonical form of a relative data path: forward slashes,
// cleaned, no leading "./".
func Key(rel string) string {
	return path.Clean(strings.ReplaceAll(rel, `\`, "/"))
}

// Files returns the labelled file keys in sorted order.
func (l Labels) Files() []string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// NumWindows returns the number of windows over all files.
func (l Labels) NumWindows() int {
	n := 0
	for _, ws := range l {
		n += len(ws)
	}
	return n
}

// LoadLabels reads a windows file (NAB's combined_windows.json layout) from
// disk.
func LoadLabels(name string) (Labels, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open labels: %w", err)
	}
	defer f.Close()
	l, err := ReadLabels(f)
	if err != nil {
		return nil, fmt.Errorf("read labels %q: %w", name, err)
	}
	return l, nil
}

// ReadLabels decodes NAB's windows JSON:
//
//	{"<category>/<file>.csv": [["<start>", "<end>"], ...], ...}
//
// Timestamps are "YYYY-MM-DD HH:MM:SS" with an optional fraction (NAB writes
// ".000000"), read as UTC, or RFC 3339.
func ReadLabels(r io.Reader) (Labels, error) {
	var raw map[string][][]string
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadLabels, err)
	}
	out := make(Labels, len(raw))
	for file, pairs := range raw {
		ws := make([]Window, 0, len(pairs))
		for i, p := range pairs {
			if len(p) != 2 {
				return nil, fmt.Errorf("%w: %s window %d has %d timestamps, want 2", ErrBadLabels, file, i, len(p))
			}
			start, err := parseLabelTime(p[0])
			if err != nil {
				return nil, fmt.Errorf("%w: %s window %d: %w", ErrBadLabels, file, i, err)
			}
			end, err := parseLabelTime(p[1])
			if err != nil {
				return nil, fmt.Errorf("%w: %s window %d: %w", ErrBadLabels, file, i, err)
			}
			if end.Before(start) {
				return nil, fmt.Errorf("%w: %s window %d ends before it starts", ErrBadLabels, file, i)
			}
			ws = append(ws, Window{Start: start, End: end})
		}
		sort.SliceStable(ws, func(a, b int) bool { return ws[a].Start.Before(ws[b].Start) })
		out[Key(file)] = ws
	}
	return out, nil
}

// parseLabelTime reads a label timestamp. Go's parser accepts a fraction
// after the seconds even when the layout has none.
func parseLabelTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: want YYYY-MM-DD HH:MM:SS or RFC 3339", s)
	}
	return t, nil
}
