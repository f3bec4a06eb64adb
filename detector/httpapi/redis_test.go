package httpapi

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

	"github.com/chakra-tui/chakra-tui/featurestore"
)

// redisServer is a real redis-server on a free loopback port, without
// persistence, killed when the test ends (the featurestore tests' approach).
type redisServer struct {
	t    *testing.T
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found on PATH: `make test` installs it (its deps-test target), or install it yourself")
	}
	s := &redisServer{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(s.stop)
	for attempt := 0; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		if err = s.start(); err == nil {
			return s
		}
		if attempt == 3 {
			t.Fatalf("start redis-server: %v", err)
		}
	}
}

func (s *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

func (s *redisServer) start() error {
	log := filepath.Join(s.dir, "redis.log")
	cmd := exec.Command(s.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", log)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case <-exited:
			b, _ := os.ReadFile(log)
			return fmt.Errorf("redis-server exited at start: %s", b)
		default:
		}
		if redisPing(addr) == nil {
			s.cmd, s.done = cmd, exited
			return nil
		}
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("redis-server on port %d did not answer PING", s.port)
}

func redisPing(addr string) error {
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

// stop kills the server, as a crash would, and waits until it is gone.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

func (s *redisServer) restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("restart redis-server: %v", err)
	}
}

// TestRedisDownAndBack: with Redis gone, /ready and /predict answer 503
// with a clear JSON error and nothing is scored; when it returns, service
// resumes without a restart.
func TestRedisDownAndBack(t *testing.T) {
	srv := startRedis(t)
	store, err := featurestore.NewRedis(srv.url(), featurestore.WithTimeout(300*time.Millisecond),
		featurestore.WithPrefix(fmt.Sprintf("httpapi-test-%d:", time.Now().UnixNano())))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, store, nil, WithStoreName("redis://127.0.0.1/0"), WithStoreTimeout(300*time.Millisecond))
	if r := f.do("GET", "/ready", ""); r.status != 200 {
		t.Fatalf("ready: %d %s", r.status, r.body)
	}
	if r := f.predict(obsJSON(1, 100, 80)); r.status != 200 {
		t.Fatalf("predict: %d %s", r.status, r.body)
	}

	srv.stop()
	r := f.do("GET", "/ready", "")
	if r.status != 503 || r.str("code") != "store_unavailable" || !strings.Contains(r.str("error"), "redis://127.0.0.1/0") {
		t.Fatalf("ready with Redis down: %d %s", r.status, r.body)
	}
	r = f.predict(obsJSON(1, 101, 80))
	if r.status != 503 || r.str("code") != "store_unavailable" || !strings.Contains(r.str("error"), "nothing was written") {
		t.Fatalf("predict with Redis down: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "connection refused") || strings.Contains(string(r.body), "dial") {
		t.Errorf("the cause leaked to the client: %s", r.body)
	}
	if r := f.do("GET", "/health", ""); r.status != 200 || r.str("status") != "degraded" ||
		r.json["store"].(map[string]any)["status"] != "unavailable" {
		t.Errorf("health with Redis down: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/soldiers/1", ""); r.status != 503 {
		t.Errorf("soldier with Redis down: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/metrics", ""); !strings.Contains(string(r.body), `chakra_store_errors_total{kind="unavailable"}`) ||
		strings.Contains(string(r.body), `chakra_store_errors_total{kind="unavailable"} 0`) {
		t.Errorf("store errors not counted")
	}
	if st := f.mon.Stats(); st.Scored != 1 {
		t.Errorf("%d verdicts, want 1: nothing is scored while Redis is down", st.Scored)
	}

	srv.restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := f.predict(obsJSON(1, 102, 80))
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("predict after Redis returned: %d %s", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := f.do("GET", "/ready", ""); r.status != 200 {
		t.Fatalf("ready after Redis returned: %d %s", r.status, r.body)
	}
}
