package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// AttackDeclaredLength is the attack of issue 16: every connection sends
// the headers of a POST /predict that declares a body of Declared bytes,
// then one byte of it, and holds the connection open. A server that
// allocates the declared length ahead of the bytes pays Declared bytes per
// connection for one byte sent.
const AttackDeclaredLength = "declared-length"

// AttackConfig describes an attack run. It is bounded: Waves waves of
// Conns connections, each held for Hold.
type AttackConfig struct {
	URL      string        // base URL of the server, e.g. http://127.0.0.1:8000
	Kind     string        // AttackDeclaredLength
	Conns    int           // connections per wave (default 2000)
	Waves    int           // waves (default 8)
	Hold     time.Duration // how long a wave's connections stay open (default 5 s)
	Declared int           // declared Content-Length (default 1 MiB)
	// OnWave, if set, is called as each wave has opened its connections
	// (wave counts from 0).
	OnWave func(wave int)
}

// AttackResult is what the attack saw.
type AttackResult struct {
	Opened    int         // connections opened and sent the headers
	DialFail  int         // connections that could not be opened or written
	Codes     map[int]int // the status codes of answers read by the end of a hold
	Closed    int         // connections the server closed without an answer
	Open      int         // connections still open and unanswered at the end of a hold
	BytesSent int64       // everything written
}

func (c *AttackConfig) defaults() error {
	if c.Kind == "" {
		c.Kind = AttackDeclaredLength
	}
	if c.Kind != AttackDeclaredLength {
		return fmt.Errorf("attack %q: the only attack is %q", c.Kind, AttackDeclaredLength)
	}
	if c.Conns == 0 {
		c.Conns = 2000
	}
	if c.Waves == 0 {
		c.Waves = 8
	}
	if c.Hold == 0 {
		c.Hold = 5 * time.Second
	}
	if c.Declared == 0 {
		c.Declared = 1 << 20
	}
	if c.Conns < 1 || c.Waves < 1 || c.Hold < 0 || c.Declared < 2 {
		return fmt.Errorf("attack: conns %d, waves %d, hold %v, declared %d: want conns, waves ≥ 1, hold ≥ 0, declared ≥ 2",
			c.Conns, c.Waves, c.Hold, c.Declared)
	}
	return nil
}

// Attack runs the attack against cfg.URL, loopback only: it refuses a
// host that is not a loopback address.
func Attack(ctx context.Context, cfg AttackConfig) (AttackResult, error) {
	res := AttackResult{Codes: map[int]int{}}
	if err := cfg.defaults(); err != nil {
		return res, err
	}
	host, err := loopbackHost(cfg.URL)
	if err != nil {
		return res, err
	}
	req := []byte("POST /predict HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(cfg.Declared) + "\r\n\r\n{")
	for wave := range cfg.Waves {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		conns := res.openWave(ctx, host, req, cfg.Conns)
		if cfg.OnWave != nil {
			cfg.OnWave(wave)
		}
		select {
		case <-ctx.Done():
		case <-time.After(cfg.Hold):
		}
		res.settle(conns)
	}
	return res, nil
}

// loopbackHost returns the host:port of rawURL, an http URL whose host
// must be a loopback address.
func loopbackHost(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("attack: URL %q: want http://host:port", rawURL)
	}
	host, _, err := net.SplitHostPort(u.Host)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("attack: %s is not a loopback address: this attack runs against 127.0.0.1 only", u.Host)
	}
	return u.Host, nil
}

// openWave opens n connections to host (at most 64 dials in flight) and
// sends req, a request head that promises more body than follows, on each.
// It counts the opened and failed ones in res and returns the connections
// (nil where one failed).
func (res *AttackResult) openWave(ctx context.Context, host string, req []byte, n int) []net.Conn {
	var d net.Dialer
	conns := make([]net.Conn, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // dials in flight
	for i := range conns {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			c, err := d.DialContext(dctx, "tcp", host)
			if err == nil {
				_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				_, err = c.Write(req)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.DialFail++
				if c != nil {
					c.Close()
				}
				return
			}
			res.Opened++
			res.BytesSent += int64(len(req))
			conns[i] = c
		}()
	}
	wg.Wait()
	return conns
}

// settle counts what became of each connection of a wave, answered (by
// status code), closed by the server or still open, and closes it.
func (res *AttackResult) settle(conns []net.Conn) {
	for _, c := range conns {
		if c == nil {
			continue
		}
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		var buf [16]byte
		n, err := io.ReadFull(c, buf[:12])
		var ne net.Error
		switch {
		case n == 12 && bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 ")):
			code, _ := strconv.Atoi(string(buf[9:12]))
			res.Codes[code]++
		case errors.As(err, &ne) && ne.Timeout() && n == 0:
			res.Open++
		default:
			res.Closed++
		}
		c.Close()
	}
}
