// Package actes reads the ACTES beat-by-beat heart-rate recordings (Chabert
// et al., "Cardiorespiratory measurement from graded cycloergometer exercise
// testing", PhysioNet 2022, doi:10.13026/2qs3-kh43, ODC-By): 18 young
// athletes on a graded cycle test to exhaustion. The project does not ship
// the data; tests read the shared copy when it is there, to hold the
// simulation and the detector against real heart rates.
//
// The beat table has one row per heart beat: ID, time (s from the start of
// exercise, negative before it), RR (ms, empty when not detected), VO2,
// power (W). Load applies one artefact rule: a beat whose RR is outside
// 250–2000 ms, or more than 20 % away from the previous beat's RR (ectopic
// beats, detection artefacts), is dropped. HeartRate turns the kept beats
// into what a 1 Hz wearable reports: each whole second, the rate of the last
// beat at or before it, rounded to 1 bpm.
package actes

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
)

// DefaultPath is where the shared copy lives, relative to the repository
// root.
const DefaultPath = "../shared/realhr/actes_cycle/test_measure.csv"

// maxTime bounds a beat's time, seconds either side of the start of
// exercise (a test lasts well under an hour), so HeartRate's walk is bounded.
const maxTime = 86400

// ErrFormat means the file is not the ACTES beat table.
var ErrFormat = errors.New("not an ACTES beat table")

// Beat is one kept heart beat.
type Beat struct {
	T     float64 // seconds from the start of exercise
	RR    float64 // ms since the previous beat
	Power float64 // ergometer load, W
}

// Subject is one athlete's kept beats, in file order.
type Subject struct {
	ID    string
	Beats []Beat
}

// Load reads the beat table at path.
func Load(path string) ([]Subject, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open ACTES: %w", err)
	}
	defer f.Close()
	s, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("read ACTES %s: %w", path, err)
	}
	return s, nil
}

// Read reads a beat table (see the package comment for the artefact rule).
func Read(r io.Reader) ([]Subject, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	if len(header) < 5 || header[0] != "ID" || header[1] != "time" || header[2] != "RR" || header[4] != "power" {
		return nil, fmt.Errorf("%w: header %q, want ID,time,RR,VO2,power", ErrFormat, header)
	}
	var out []Subject
	index := map[string]int{}
	prev := map[string]float64{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrFormat, line, err)
		}
		id := rec[0]
		i, ok := index[id]
		if !ok {
			i = len(out)
			index[id] = i
			out = append(out, Subject{ID: id})
		}
		rr, err := strconv.ParseFloat(rec[2], 64)
		if err != nil || rr < 250 || rr > 2000 {
			prev[id] = 0
			continue
		}
		p := prev[id]
		prev[id] = rr
		if p > 0 && math.Abs(rr-p) > 0.2*p {
			continue
		}
		t, err1 := strconv.ParseFloat(rec[1], 64)
		power, err2 := strconv.ParseFloat(rec[4], 64)
		if err1 != nil || err2 != nil || !(math.Abs(t) <= maxTime) || math.IsNaN(power) {
			return nil, fmt.Errorf("%w: line %d: time %q (within ±%g s), power %q", ErrFormat, line, rec[1], float64(maxTime), rec[4])
		}
		out[i].Beats = append(out[i].Beats, Beat{T: t, RR: rr, Power: power})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no beats", ErrFormat)
	}
	return out, nil
}

// HeartRate returns the 1 Hz heart rate from the first kept beat's second to
// the last's, and the half-open index range [from, to) of the exercise (from
// the first to the last beat with power above 0 W; empty when there is
// none).
func (s Subject) HeartRate() (hr []float64, from, to int) {
	if len(s.Beats) == 0 {
		return nil, 0, 0
	}
	t0 := math.Ceil(s.Beats[0].T)
	start, end := math.Inf(1), math.Inf(-1)
	for _, b := range s.Beats {
		if b.Power > 0 {
			start, end = math.Min(start, b.T), math.Max(end, b.T)
		}
	}
	j := 0
	from, to = -1, -1
	for sec := t0; sec <= s.Beats[len(s.Beats)-1].T; sec++ {
		for j+1 < len(s.Beats) && s.Beats[j+1].T <= sec {
			j++
		}
		if from < 0 && sec >= start {
			from = len(hr)
		}
		if sec <= end {
			to = len(hr) + 1
		}
		hr = append(hr, math.Round(60000/s.Beats[j].RR))
	}
	if from < 0 || to < from {
		return hr, 0, 0
	}
	return hr, from, to
}
