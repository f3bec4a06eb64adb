package childproc

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStartReady(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	calls := 0
	cmd := exec.Command(sh, "-c", "sleep 30")
	exited, err := Start("sleeper", cmd, "", 10*time.Second, time.Millisecond, func() error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	_ = cmd.Process.Kill()
	<-exited
}

func TestStartExitQuotesLog(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	log := filepath.Join(t.TempDir(), "x.log")
	cmd := exec.Command(sh, "-c", "echo one >>"+log+"; echo bad config >>"+log+"; exit 3")
	_, err = Start("server", cmd, log, time.Minute, time.Millisecond, func() error { return errors.New("no") })
	if err == nil || !strings.Contains(err.Error(), "server exited at start") || !strings.Contains(err.Error(), "bad config") {
		t.Fatalf("err %v", err)
	}
}

func TestStartGivesUp(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	cmd := exec.Command(sh, "-c", "sleep 30")
	_, err = Start("mute", cmd, "", 20*time.Millisecond, time.Millisecond, func() error { return errors.New("refused") })
	if err == nil || !strings.Contains(err.Error(), "not ready within") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err %v", err)
	}
	if cmd.ProcessState == nil {
		t.Fatal("the process was not reaped")
	}
}

func TestLastLinesAndFreePort(t *testing.T) {
	if got := LastLines("a\nb\nc\nd\n", 2); got != "c\nd" {
		t.Fatalf("LastLines: %q", got)
	}
	p, err := FreePort()
	if err != nil || p <= 0 {
		t.Fatalf("FreePort %d %v", p, err)
	}
}
