package featurestore

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// redisServer is a real redis-server for one test, on a free loopback port,
// without persistence. It is killed when the test ends, also on failure.
type redisServer struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited and been reaped
}

// startRedis starts a redis-server for t. It fails the test with a hint if
// the binary is missing.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found on PATH: `make test` installs it (its deps-test target runs apt-get install redis-server), or install it yourself")
	}
	s := &redisServer{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(s.Stop)
	for attempt := 0; ; attempt++ {
		s.port = freePort(t)
		err := s.start()
		if err == nil {
			return s
		}
		if attempt == 3 {
			t.Fatalf("start redis-server: %v", err)
		}
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// URL is the server's redis:// address.
func (s *redisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Addr is the server's host:port.
func (s *redisServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *redisServer) start() error {
	log := filepath.Join(s.dir, "redis.log")
	cmd := exec.Command(s.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", log)
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			b, _ := os.ReadFile(log)
			return fmt.Errorf("redis-server exited at start: %s", lastLines(string(b), 5))
		default:
		}
		if ping(s.Addr()) == nil {
			s.cmd, s.done = cmd, exited
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("redis-server on port %d did not answer PING within 10s", s.port)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// ping sends PING over a raw connection.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Restart starts the server again on the same port, empty.
func (s *redisServer) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("restart redis-server: %v", err)
	}
}

// Stop kills the server (SIGKILL, as a crash would) and waits until it is
// gone.
func (s *redisServer) Stop() {
	if s.cmd == nil {
		return
	}
	pid := s.cmd.Process.Pid
	s.cmd = nil
	_ = syscall.Kill(pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGCONT) // a frozen process dies only once resumed
	<-s.done
}

// Freeze stops the server process (SIGSTOP): connections stay open but
// nothing answers. Thaw resumes it.
func (s *redisServer) Freeze() { _ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (s *redisServer) Thaw() { _ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGCONT) }
