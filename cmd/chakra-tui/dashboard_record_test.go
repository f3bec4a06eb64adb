package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/detector/session"
	"github.com/chakra-tui/chakra-tui/engine"
)

// TestDashboardRecordSaysWhat runs the dashboard with --record, quits it,
// and checks the line it prints on exit against the file (the header's
// ● REC is ui's TestRecordingIndicator: without a terminal size the program
// draws nothing).
func TestDashboardRecordSaysWhat(t *testing.T) {
	cfg := engine.DefaultConfig()
	cfg.Soldiers, cfg.SquadSize, cfg.Seed = 6, 3, 2
	path := filepath.Join(t.TempDir(), "dash.chakra.gz")
	in, inw := io.Pipe()
	defer inw.Close()
	go func() {
		// Quit once the recording holds frames (its first gzip member is on
		// disk), however slow the machine; the bound only stops a hang.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
				break
			}
		}
		io.WriteString(inw, "q")
	}()
	var out, errOut bytes.Buffer
	f := &dashboardFlags{scorer: "threshold", logPath: os.DevNull, record: path}
	if err := runDashboard(context.Background(), cfg, 10, f, env{stdin: in, stdout: &out, stderr: &errOut}); err != nil {
		t.Fatal(err)
	}
	r, err := session.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Len() == 0 {
		t.Fatal("the dashboard recorded no frame")
	}
	want := fmt.Sprintf("recorded %d frames (%v of simulated time) to %s\n", r.Len(), time.Duration(r.Len())*time.Second, path)
	if got := out.String(); !strings.HasSuffix(got, want) {
		t.Errorf("exit line: the output ends %q, want %q", got[max(len(got)-200, 0):], want)
	}
}
