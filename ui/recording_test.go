package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestRecordingIndicator checks the header's "● REC name size length",
// read after every step.
func TestRecordingIndicator(t *testing.T) {
	var frames int64
	stat := func() RecordingStat { frames++; return RecordingStat{Frames: frames, Bytes: 1500 * frames} }
	for _, w := range []int{80, 120, 200} {
		frames = 0
		m, d := testModel(t, w, 40, WithRecording("run.chakra.gz", stat))
		for range 90 { // as the clock loop steps: through stepCmd
			m.inflight = true
			m.Update(stepCmd(context.Background(), d, m.recStat, m.id, m.epoch)())
		}
		head := strings.Split(ansi.Strip(m.View()), "\n")[0]
		if want := "● REC run.chakra.gz 135.0 kB 01:30"; !strings.Contains(head, want) {
			t.Errorf("%d columns: header %q lacks %q", w, head, want)
		}
	}
	m, d := testModel(t, 120, 40)
	steps(t, m, d, 3)
	if head := strings.Split(ansi.Strip(m.View()), "\n")[0]; strings.Contains(head, "REC") {
		t.Errorf("header %q says REC without a recording", head)
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 123456: "123.5 kB", 4_200_000: "4.2 MB", 5e9: "5.0 GB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
