// Package miniotest starts a throwaway MinIO server (an S3-compatible object
// store) on a free loopback port with a temporary data directory, for the
// tests of the offline store on S3 (featurestore/s3, chakra-tui --offline
// s3://…). The binary is `minio` on PATH or in $GOPATH/bin, where `make
// deps-test` builds it from the Go module proxy when it is missing.
package miniotest

import (
	"errors"
	"fmt"
	"go/build"
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

// Credentials of every test server.
const (
	User     = "chakra-test"
	Password = "chakra-test-secret"
)

// ErrNotInstalled is returned when no minio binary is found.
var ErrNotInstalled = errors.New("minio not found on PATH or in $GOPATH/bin: `make deps-test` builds it (go install github.com/minio/minio@…)")

// Server is one MinIO server process bound to 127.0.0.1.
type Server struct {
	t       testing.TB
	bin     string
	dir     string
	port    int
	console int
	cmd     *exec.Cmd
	done    <-chan struct{}
	log     *os.File
}

// Binary returns the minio binary's path.
func Binary() (string, error) {
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	p := filepath.Join(build.Default.GOPATH, "bin", "minio")
	if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
		return p, nil
	}
	return "", ErrNotInstalled
}

// Start starts a MinIO server for one test and kills it when the test
// ends. A missing binary fails t with ErrNotInstalled.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	for attempt := 0; ; attempt++ {
		s.port, s.console = freePort(t), freePort(t)
		err := s.start()
		if err == nil {
			break
		}
		if attempt == 3 {
			t.Fatalf("start minio: %v", err)
		}
	}
	t.Cleanup(s.Stop)
	return s
}

func freePort(t testing.TB) int {
	p, err := childproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Endpoint is the server's http:// URL (AWS_ENDPOINT_URL).
func (s *Server) Endpoint() string { return "http://" + s.Addr() }

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Env returns the environment variables that point a client at the server.
func (s *Server) Env() []string {
	return []string{"AWS_ENDPOINT_URL=" + s.Endpoint(), "AWS_ACCESS_KEY_ID=" + User, "AWS_SECRET_ACCESS_KEY=" + Password, "AWS_REGION=us-east-1"}
}

func (s *Server) start() error {
	log, err := os.OpenFile(filepath.Join(s.dir, "minio.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "server", "--quiet", "--address", s.Addr(),
		"--console-address", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.console)), filepath.Join(s.dir, "data"))
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+User, "MINIO_ROOT_PASSWORD="+Password, "MINIO_BROWSER=off",
		"MINIO_UPDATE=off", "MINIO_CI_CD=1")
	cmd.Stdout, cmd.Stderr = log, log
	client := &http.Client{Timeout: time.Second}
	// Ready, and the cluster takes writes (a fresh server answers "not
	// initialized yet" to requests for a moment after ready).
	done, err := childproc.Start("minio", cmd, log.Name(), 60*time.Second, 20*time.Millisecond, func() error {
		for _, path := range []string{"/minio/health/ready", "/minio/health/cluster"} {
			resp, err := client.Get(s.Endpoint() + path)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %s", path, resp.Status)
			}
		}
		return nil
	})
	if err != nil {
		log.Close()
		return err
	}
	s.cmd, s.done, s.log = cmd, done, log
	return nil
}

// Stop kills the server (SIGKILL, as a crash would) and waits until it is
// gone; its data stays for Restart. Stop may be called twice.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	s.log.Close()
	s.cmd = nil
}

// Restart starts the server again on the same port with the same data
// (after Stop).
func (s *Server) Restart() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("minio is still running")
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("restart minio: %v", err)
	}
}
