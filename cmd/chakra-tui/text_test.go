package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/engine"
)

// textArgs is a seeded text-mode run at --speed 0 (a line per tick) on
// the dashboard's default detector (the embedded TFT) in the default
// (field) world: 180 ticks of 20 soldiers, judged from the first tick (the
// population prior); soldier 13 is unwell from tick 0 (heat strain, alerted
// at tick 1), soldier 15's bradycardia is alerted at tick 57, and lost
// readings leave a soldier without data for a while.
var textArgs = []string{"--text", "--speed", "0", "--duration", "3m", "--seed", "2", "--soldiers", "20"}

// fpsField is the one field that depends on the machine.
var fpsField = regexp.MustCompile(`fps=[0-9.]+`)

// textRun runs the root command with textArgs and more and returns its
// lines with fps blanked.
func textRun(t *testing.T, more ...string) []string {
	t.Helper()
	out, errOut, err := simRun(t, append(append([]string(nil), textArgs...), more...)...)
	if err != nil {
		t.Fatalf("%v (stderr %q)", err, errOut)
	}
	return strings.Split(strings.TrimSuffix(fpsField.ReplaceAllString(out, "fps=X"), "\n"), "\n")
}

// TestTextModeLines pins a few lines of the seeded run: one per tick, the
// warm-up, the detector's state counts and the alerts it opened (not the
// simulation's labels: no truth without --truth).
func TestTextModeLines(t *testing.T) {
	lines := textRun(t)
	if len(lines) != 180 {
		t.Fatalf("%d lines, want 180 (one per tick at --speed 0)", len(lines))
	}
	for _, want := range []struct {
		i    int
		line string
	}{
		{0, "time=2025-06-01T09:00:00Z tick=0 ticks=1 ok=19 watch=1 alert=0 no_data=0 warming_up=0 fps=X alerts="},
		{1, "time=2025-06-01T09:00:01Z tick=1 ticks=1 ok=19 watch=0 alert=1 no_data=0 warming_up=0 fps=X alerts=13:heat_strain:core_temp:0.3"},
		{30, "time=2025-06-01T09:00:30Z tick=30 ticks=1 ok=19 watch=0 alert=1 no_data=0 warming_up=0 fps=X alerts="},
		{57, "time=2025-06-01T09:00:57Z tick=57 ticks=1 ok=17 watch=0 alert=2 no_data=1 warming_up=0 fps=X alerts=15:bradycardia:heart_rate:6.1"},
		{60, "time=2025-06-01T09:01:00Z tick=60 ticks=1 ok=18 watch=0 alert=2 no_data=0 warming_up=0 fps=X alerts="},
	} {
		if got := lines[want.i]; got != want.line {
			t.Errorf("line %d:\n got %s\nwant %s", want.i, got, want.line)
		}
	}
	for i, l := range lines {
		if strings.Contains(l, "truth") {
			t.Fatalf("line %d has the truth without --truth: %s", i, l)
		}
	}
}

// TestTextModeTruth: --truth adds the labels under way, which the detector
// never sees, to the same lines.
func TestTextModeTruth(t *testing.T) {
	plain, truth := textRun(t), textRun(t, "--truth")
	if len(truth) != len(plain) {
		t.Fatalf("%d lines with --truth, %d without", len(truth), len(plain))
	}
	for i := range truth {
		before, labels, ok := strings.Cut(truth[i], " truth=")
		if !ok || before != plain[i] {
			t.Fatalf("line %d:\n--truth %s\nwithout %s", i, truth[i], plain[i])
		}
		if i == 0 && labels != "13:heat_strain" {
			t.Errorf("line 0's truth %q, want 13:heat_strain (unwell at the start)", labels)
		}
		if i == 57 && labels != "13:heat_strain,15:bradycardia" {
			t.Errorf("line 57's truth %q, want 13:heat_strain,15:bradycardia", labels)
		}
		if i == 177 && labels != "13:heat_strain,15:bradycardia,16:dropout" {
			t.Errorf("line 177's truth %q, want 13:heat_strain,15:bradycardia,16:dropout", labels)
		}
	}
}

// TestTextModeJSON: --format json prints one object per line with the
// documented fields, the same counts and alerts as the text lines, and
// truth only with --truth.
func TestTextModeJSON(t *testing.T) {
	plain := textRun(t)
	for _, truth := range []bool{false, true} {
		more := []string{"--format", "json"}
		if truth {
			more = append(more, "--truth")
		}
		lines := textRun(t, more...)
		if len(lines) != len(plain) {
			t.Fatalf("truth %v: %d JSON lines, %d text lines", truth, len(lines), len(plain))
		}
		for i, l := range lines {
			var keys map[string]json.RawMessage
			if err := json.Unmarshal([]byte(l), &keys); err != nil {
				t.Fatalf("line %d does not decode: %v\n%s", i, err, l)
			}
			want := []string{"time", "tick", "ticks", "counts", "alerts", "fps"}
			if truth {
				want = append(want, "truth")
			}
			if len(keys) != len(want) {
				t.Fatalf("line %d has keys %v, want %v", i, keys, want)
			}
			for _, k := range want {
				if _, ok := keys[k]; !ok {
					t.Fatalf("line %d lacks %q: %s", i, k, l)
				}
			}
			dec := json.NewDecoder(strings.NewReader(l))
			dec.DisallowUnknownFields()
			var tl textLine
			if err := dec.Decode(&tl); err != nil {
				t.Fatalf("line %d: %v", i, err)
			}
			if truth && tl.Truth == nil {
				t.Fatalf("line %d: --truth without a truth list: %s", i, l)
			}
			tl.FPS = 0
			if got := fpsField.ReplaceAllString(strings.TrimSuffix(tl.logfmt(), "\n"), "fps=X"); got != plain[i] && !truth {
				t.Errorf("line %d: JSON reads as\n%s\nthe text line is\n%s", i, got, plain[i])
			}
		}
		var tl textLine
		if err := json.Unmarshal([]byte(lines[57]), &tl); err != nil {
			t.Fatal(err)
		}
		if len(tl.Alerts) != 1 || tl.Alerts[0] != (textAlert{Soldier: 15, Tick: 57, Channel: "stamina", Kind: "bradycardia", Vital: "heart_rate", Check: "band", Score: tl.Alerts[0].Score}) ||
			tl.Alerts[0].Score == nil || *tl.Alerts[0].Score != 6.08 {
			t.Errorf("line 57's alerts: %+v", tl.Alerts)
		}
		if truth && (len(tl.Truth) != 2 || tl.Truth[0].Soldier != 13 || tl.Truth[0].Kind != "heat_strain" || tl.Truth[0].Start != 0 ||
			tl.Truth[1].Soldier != 15 || tl.Truth[1].Kind != "bradycardia" || tl.Truth[1].Start > 57 || tl.Truth[1].End < 57) {
			t.Errorf("line 57's truth: %+v", tl.Truth)
		}
	}
}

// TestTextModeRecordReplay: --record works in text mode, and text mode on
// --replay of that recording prints the same lines (the recorded verdicts
// and truth): replay(record(run)) equals run.
func TestTextModeRecordReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "text.chakra.gz")
	out, errOut, err := simRun(t, append(append([]string(nil), textArgs...), "--truth", "--record", path)...)
	if err != nil {
		t.Fatal(err)
	}
	if want := "recorded 180 frames (3m0s of simulated time) to " + path + "\n"; !strings.HasSuffix(errOut, want) {
		t.Errorf("stderr %q, want it to end %q", errOut, want)
	}
	replay, _, err := simRun(t, "--text", "--speed", "0", "--truth", "--replay", path)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := fpsField.ReplaceAllString(out, "fps=X"), fpsField.ReplaceAllString(replay, "fps=X"); a != b {
		t.Errorf("the replay's lines differ from the run's:\nrun    %.400s\nreplay %.400s", a, b)
	}
	if _, _, err := simRun(t, "--text", "--record", path, "--duration", "1s"); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("--record onto an existing file without --force: %v", err)
	}
}

// textClock is a fake clock that advances only when slept on.
type textClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *textClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *textClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return ctx.Err()
}

// TestTextModePaced: paced (--speed 20) a line covers one wall second, 20
// ticks, at 20 frames/s; the first line comes at once and the last one
// at the end of the run.
func TestTextModePaced(t *testing.T) {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Seed, cfg.Duration = 6, 3, 2, 50*time.Second
	b, err := openSimBattlefield(context.Background(), cfg, &dashboardFlags{scorer: "threshold"}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var out bytes.Buffer
	o := textOptions{format: formatText, speed: 20, clock: &textClock{now: time.Unix(0, 0)}}
	if err := runText(context.Background(), b.rt, o, &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for l := range strings.Lines(out.String()) {
		f := strings.Fields(l)
		got = append(got, f[1]+" "+f[2]+" "+f[8])
	}
	want := []string{"tick=0 ticks=1 fps=0.0", "tick=20 ticks=20 fps=20.0", "tick=40 ticks=20 fps=20.0", "tick=49 ticks=9 fps=20.0"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("paced lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTextModeFlagErrors: a bad --format, and --record with --replay.
func TestTextModeFlagErrors(t *testing.T) {
	if _, _, err := simRun(t, "--format", "yaml"); err == nil || !strings.Contains(err.Error(), `--format "yaml"`) {
		t.Errorf("--format yaml: %v", err)
	}
	if _, _, err := simRun(t, "--text", "--record", "a.gz", "--replay", "b.gz"); !errors.Is(err, errRecordReplay) {
		t.Errorf("--record with --replay in text mode: %v", err)
	}
}
