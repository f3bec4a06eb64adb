// Package amtest starts a throwaway Prometheus Alertmanager for one test or
// benchmark, as featurestore/redis/redistest starts redis-server: the
// Debian binary (prometheus-alertmanager, or alertmanager) on a free
// loopback port, clustering off, with a temporary configuration and
// storage, stopped when the test ends. Only tests import it.
package amtest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/chakra-tui/chakra-tui/featurestore/childproc"
)

// ErrNotInstalled is returned when no Alertmanager binary is on PATH.
var ErrNotInstalled = errors.New("prometheus-alertmanager not found on PATH: `make test` installs it (its deps-test target runs apt-get install prometheus-alertmanager), or install it yourself")

// Config is the configuration the server starts with unless Start is given
// another: every alert to a receiver that does nothing, resolve_timeout 5m.
const Config = `global:
  resolve_timeout: 5m
route:
  receiver: blackhole
  group_by: [soldier]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
`

// Server is one Alertmanager process bound to 127.0.0.1.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done <-chan struct{}
}

// Binary returns the path of the Alertmanager binary, or ErrNotInstalled.
func Binary() (string, error) {
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Start starts Alertmanager with config (Config when empty) on a free
// loopback port and waits until it is ready; it stops when t ends. A
// missing binary fails t with ErrNotInstalled.
func Start(t testing.TB, config string) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	if config == "" {
		config = Config
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(s.dir, "alertmanager.yml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		if s.port, err = childproc.FreePort(); err != nil {
			t.Fatal(err)
		}
		if err = s.start(); err == nil {
			break
		}
		if attempt == 3 {
			t.Fatalf("start alertmanager: %v", err)
		}
	}
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's base URL (the v2 API is under /api/v2).
func (s *Server) URL() string { return "http://" + s.Addr() }

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *Server) start() error {
	logPath := filepath.Join(s.dir, "alertmanager.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.bin,
		"--config.file="+filepath.Join(s.dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(s.dir, "data"),
		"--web.listen-address="+s.Addr(),
		"--cluster.listen-address=", // no gossip port on 0.0.0.0
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	client := &http.Client{Timeout: time.Second}
	done, err := childproc.Start("alertmanager", cmd, logPath, 30*time.Second, 20*time.Millisecond, func() error {
		resp, err := client.Get(s.URL() + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /-/ready: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.cmd, s.done = cmd, done
	return nil
}

// Kill kills the server (SIGKILL, as a crash would) and waits until it is
// gone; Restart brings it back on the same port with the same storage.
// Kill may be called twice.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	pid := s.cmd.Process.Pid
	s.cmd = nil
	_ = syscall.Kill(pid, syscall.SIGKILL)
	<-s.done
}

// Restart starts the server again on the same port (after Kill).
func (s *Server) Restart() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("alertmanager is still running")
	}
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

// Stop stops the server for good.
func (s *Server) Stop() { s.Kill() }
