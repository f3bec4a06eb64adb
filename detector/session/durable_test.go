package session

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/evaluation"
	"github.com/chakra-tui/chakra-tui/engine"
)

// TestTruncatedSessionPlaysFlushedTicks cuts a session file inside its
// last members: every tick flushed before the cut replays with its
// verdicts, the replay says it was cut, and Evaluate scores what is left.
func TestTruncatedSessionPlaysFlushedTicks(t *testing.T) {
	cfg := testConfig(4, 4*time.Minute, 5)
	ticks, profiles := live(t, cfg, threshold)
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, "cut", engine.NewHeader(profiles, &cfg), Meta{Detector: "threshold"})
	if err != nil {
		t.Fatal(err)
	}
	type point struct{ off, frames int64 }
	var points []point
	for i := range ticks {
		if err := rec.Write(&ticks[i].Frame, ticks[i].Verdicts); err != nil {
			t.Fatal(err)
		}
		if i%30 == 29 {
			if err := rec.Flush(); err != nil {
				t.Fatal(err)
			}
			points = append(points, point{int64(buf.Len()), rec.Flushed()})
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	ctx := context.Background()
	for _, p := range points[1:] {
		for _, c := range []int64{p.off, p.off + 1, p.off + 100} {
			if c >= int64(len(data)) {
				continue
			}
			r, err := NewReplay(bytes.NewReader(data[:c]), "cut.chakra.gz")
			if err != nil {
				t.Fatalf("cut at %d: %v", c, err)
			}
			tr := r.Truncated()
			if tr == nil || r.Len() != p.frames || !r.HasVerdicts() || !strings.Contains(tr.Error(), "cut.chakra.gz") {
				t.Fatalf("cut at %d: %d frames (want %d), truncation %v", c, r.Len(), p.frames, tr)
			}
			for i := range p.frames {
				got, err := r.Step(ctx)
				if err != nil {
					t.Fatalf("cut at %d: tick %d: %v", c, i, err)
				}
				if d := frameDiff(&ticks[i].Frame, &got.Frame); d != "" {
					t.Fatal(d)
				}
				if len(got.Verdicts) != len(ticks[i].Verdicts) {
					t.Fatalf("cut at %d: tick %d: %d verdicts, want %d", c, i, len(got.Verdicts), len(ticks[i].Verdicts))
				}
				for j := range got.Verdicts {
					want := Rounded(ticks[i].Verdicts[j], false)
					if d := verdictDiff(&want, &got.Verdicts[j]); d != "" {
						t.Fatal(d)
					}
				}
			}
			if _, err := r.Step(ctx); !errors.Is(err, io.EOF) {
				t.Fatalf("cut at %d: after the kept ticks: %v", c, err)
			}
			r.Close()
		}
	}

	// Evaluate plays a cut file to its last complete member.
	p := points[len(points)-2]
	path := filepath.Join(t.TempDir(), "cut.chakra.gz")
	if err := os.WriteFile(path, data[:p.off+50], 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(ctx, path, EvalOptions{Recorded: true, Detectors: []evaluation.Detector{{Name: "threshold", New: threshold}}})
	if err != nil {
		t.Fatalf("evaluate a cut file: %v", err)
	}
	if want := float64(4*p.frames) / 3600; rep.Detectors[0].Overall.SoldierHours != want {
		t.Fatalf("evaluated %v soldier-hours, want %v (%d ticks)", rep.Detectors[0].Overall.SoldierHours, want, p.frames)
	}
}

// TestCreateRefusesExisting: Create never replaces a file unless told to.
func TestCreateRefusesExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.txt")
	if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	hdr := engine.NewHeader(nil, nil)
	if _, err := Create(path, hdr, Meta{}); !errors.Is(err, engine.ErrRecordingExists) || !strings.Contains(err.Error(), path) {
		t.Fatalf("existing file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep me" {
		t.Fatalf("the file was changed: %q", b)
	}
	rec, err := Create(path, hdr, Meta{}, WithOverwrite())
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after overwriting, want 0600", fi.Mode().Perm())
	}
}
