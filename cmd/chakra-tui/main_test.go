package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
)

// mainArgsEnv carries the arguments of TestMainChild, separated by "\x1f".
const mainArgsEnv = "RECTEST_MAIN_ARGS"

// TestMainChild runs main with the arguments in mainArgsEnv: the child
// process of TestSIGHUPClosesRecording.
func TestMainChild(t *testing.T) {
	args := os.Getenv(mainArgsEnv)
	if args == "" {
		t.Skip("the child process of TestSIGHUPClosesRecording")
	}
	os.Args = append([]string{"chakra-tui"}, strings.Split(args, "\x1f")...)
	main()
}

// TestSIGHUPClosesRecording: a closed terminal (SIGHUP) stops the program
// like SIGTERM, so the recording is finished (end record, whole) rather
// than cut.
func TestSIGHUPClosesRecording(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "hup.chakra.gz")
	args := []string{"--headless", "--simulate", "--addr", "127.0.0.1:0", "--speed", "0", "--soldiers", "5",
		"--scorer", "threshold", "--record", path}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainChild$")
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "listening ") {
	}
	// main has set up its signal handling before it listens.
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGHUP: %v", err)
	}
	r, err := engine.OpenReplay(path)
	if err != nil {
		t.Fatalf("recording after SIGHUP: %v", err)
	}
	defer r.Close()
	if tr := r.Truncated(); tr != nil {
		t.Fatalf("recording after SIGHUP is cut: %v", tr)
	}
	t.Logf("%d frames, whole", r.Len())
}
