// Package childproc starts the real servers the integration tests talk to
// (redis-server, MinIO, Alertmanager): a free loopback port, a child the
// kernel kills when the test process dies, and a wait until the server
// answers, exits or runs out of time.
package childproc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts cmd and polls ready every poll until it returns nil. It
// returns a channel closed when the process exits. If the process exits
// first, the error quotes the last lines of logPath (when not empty); if
// within is over first, the process is killed. name names the server in
// errors. Start sets the death signal (SetDeathSignal).
func Start(name string, cmd *exec.Cmd, logPath string, within, poll time.Duration, ready func() error) (exited <-chan struct{}, err error) {
	SetDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(within)
	var last error
	for {
		select {
		case <-done:
			msg := "no log"
			if logPath != "" {
				b, _ := os.ReadFile(logPath)
				msg = LastLines(string(b), 5)
			}
			return nil, fmt.Errorf("%s exited at start: %s", name, msg)
		default:
		}
		if last = ready(); last == nil {
			return done, nil
		}
		if !time.Now().Before(deadline) {
			break
		}
		time.Sleep(poll)
	}
	_ = cmd.Process.Kill()
	<-done
	return nil, fmt.Errorf("%s not ready within %s: %w", name, within, last)
}

// LastLines returns the last n lines of s.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
