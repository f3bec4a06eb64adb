package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// childServer is a server process started by --compare or --soak.
type childServer struct {
	cmd  *exec.Cmd
	url  string
	logs string // the server's stderr
	done chan struct{}
}

// serverBinary is the chakra-tui binary --compare and --soak start: bin if
// set, else chakra-tui in the directory of self (this binary). A missing
// binary is an error that says how to build it.
func serverBinary(bin, self string) (string, error) {
	if bin != "" {
		if err := isExecutable(bin); err != nil {
			return "", fmt.Errorf("--server-bin: %w", err)
		}
		return bin, nil
	}
	beside := filepath.Join(filepath.Dir(self), "chakra-tui")
	if err := isExecutable(beside); err != nil {
		return "", fmt.Errorf("find the server: %w; build it beside chakra-bench (make build puts both in bin/, "+
			"or go build -o %s ./cmd/chakra-tui), or pass --server-bin PATH", err, beside)
	}
	return beside, nil
}

// isExecutable checks that path is a regular file someone may execute.
func isExecutable(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a file", path)
	case fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s is not executable", path)
	}
	return nil
}

// startServer runs the binary with args and waits for its "listening URL"
// line on stdout; the server's stderr goes to a temporary file, shown if it
// exits at start.
func startServer(bin string, args []string) (*childServer, error) {
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	logs, err := os.CreateTemp("", "chakra-bench-*.log")
	if err != nil {
		return nil, err
	}
	defer logs.Close()
	cmd.Stderr = logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.Remove(logs.Name())
		return nil, err
	}
	s := &childServer{cmd: cmd, logs: logs.Name(), done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()
	select {
	case l := <-lines:
		u, ok := strings.CutPrefix(l, "listening ")
		if !ok {
			s.stop()
			return nil, fmt.Errorf("unexpected first line %q", l)
		}
		s.url = u
		return s, nil
	case <-s.done:
		b, _ := os.ReadFile(logs.Name())
		os.Remove(logs.Name())
		return nil, fmt.Errorf("exited at start: %s", strings.TrimSpace(string(b)))
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, errors.New("no listening line within 30 s")
	}
}

// rss reads the process's resident set (VmRSS) and its peak (VmHWM), MB,
// from /proc; 0 if unknown.
func (s *childServer) rss() (rss, hwm float64) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "status"))
	if err != nil {
		return 0, 0
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		for key, dst := range map[string]*float64{"VmRSS:": &rss, "VmHWM:": &hwm} {
			if v, ok := strings.CutPrefix(l, key); ok {
				if kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))); err == nil {
					*dst = float64(kb) / 1024
				}
			}
		}
	}
	return rss, hwm
}

// peakRSS is the process's peak resident set, read from /proc, for a table.
func (s *childServer) peakRSS() string {
	if _, hwm := s.rss(); hwm > 0 {
		return fmt.Sprintf("%.1f MB", hwm)
	}
	return "unknown"
}

// cpuTime reads the process's user and system CPU time from /proc.
func (s *childServer) cpuTime() time.Duration { return procCPU(s.cmd.Process.Pid) }

// procCPU reads process pid's user and system CPU time from /proc (0 when
// it cannot).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name: state is field 3; utime
	// and stime are fields 14 and 15, in clock ticks (100 per second).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is this process's user and system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stopGrace is how long stop waits for the server after SIGTERM. The
// server finishes the tick in progress and writes its --cpuprofile and
// --memprofile before it exits: a tick of 50 000 soldiers is about 0.7 s
// on two free cores, but over 10 s on a machine whose other work leaves
// the server a third of a core, and a killed server writes no profile.
const stopGrace = 60 * time.Second

// stop asks the server to shut down (SIGTERM) and kills it after
// stopGrace.
func (s *childServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopGrace):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	os.Remove(s.logs)
}
