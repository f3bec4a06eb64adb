// Package redisserver runs a throwaway redis-server on a free loopback port,
// without persistence: for the Redis integration tests (through
// featurestore/redis/redistest) and for the HTTP load comparison
// (chakra-bench --compare). It talks to the server only through its
// process and a raw PING; it imports neither go-redis nor testing.
package redisserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/chakra-tui/chakra-tui/featurestore/childproc"
)

// ErrNotInstalled is returned when redis-server is not on PATH.
var ErrNotInstalled = errors.New("redis-server not found on PATH: `make test` installs it (its deps-test target runs apt-get install redis-server), or install it yourself")

// Server is one redis-server process bound to 127.0.0.1.
type Server struct {
	bin     string
	dir     string
	ownsDir bool
	port    int
	cmd     *exec.Cmd
	done    <-chan struct{} // closed when cmd has exited and been reaped
}

// Start starts redis-server on a free loopback port with saving off and
// --appendonly no, writing its log under dir (a temporary directory,
// removed by Close, if dir is empty), and waits until it answers PING.
func Start(dir string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	s := &Server{bin: bin, dir: dir}
	if dir == "" {
		if s.dir, err = os.MkdirTemp("", "chakra-redis-"); err != nil {
			return nil, fmt.Errorf("redis-server directory: %w", err)
		}
		s.ownsDir = true
	}
	for attempt := 0; ; attempt++ {
		if s.port, err = childproc.FreePort(); err != nil {
			s.Close()
			return nil, err
		}
		err = s.start()
		if err == nil {
			return s, nil
		}
		if attempt == 3 { // another process took the port each time
			s.Close()
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
	}
}

// URL is the server's redis:// address (database 0).
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *Server) start() error {
	log := filepath.Join(s.dir, "redis.log")
	cmd := exec.Command(s.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", log)
	done, err := childproc.Start("redis-server", cmd, log, 10*time.Second, 10*time.Millisecond, func() error { return Ping(s.Addr()) })
	if err != nil {
		return err
	}
	s.cmd, s.done = cmd, done
	return nil
}

// Ping sends PING to addr over a raw connection and checks the answer.
func Ping(addr string) error {
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

// Restart starts the server again on the same port, empty (after Stop).
func (s *Server) Restart() error {
	if s.cmd != nil {
		return errors.New("redis-server is still running")
	}
	return s.start()
}

// Stop kills the server (SIGKILL, as a crash would) and waits until it is
// gone; Restart brings it back. Stop may be called twice.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	pid := s.cmd.Process.Pid
	s.cmd = nil
	_ = syscall.Kill(pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGCONT) // a frozen process dies only once resumed
	<-s.done
}

// Close stops the server for good and removes the directory Start created.
func (s *Server) Close() {
	s.Stop()
	if s.ownsDir {
		os.RemoveAll(s.dir)
		s.ownsDir = false
	}
}

// Pid returns the server process's id (0 once stopped): a benchmark reads
// its CPU time from /proc.
func (s *Server) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Freeze stops the server process (SIGSTOP): connections stay open but
// nothing answers. Thaw resumes it.
func (s *Server) Freeze() { _ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (s *Server) Thaw() { _ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGCONT) }
