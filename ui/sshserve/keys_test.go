package sshserve

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

func TestHostKeyCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf", "chakra-tui", "ssh_host_ed25519")
	key, created, err := LoadOrCreateHostKey(path)
	if err != nil || !created {
		t.Fatalf("first run: created %v, err %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("key directory mode %04o, want 0700", di.Mode().Perm())
	}
	again, created, err := LoadOrCreateHostKey(path)
	if err != nil || created || !bytes.Equal(key, again) {
		t.Fatalf("second run: created %v, err %v, same key %v", created, err, bytes.Equal(key, again))
	}

	// A server on the stored key shows the same host key after a restart.
	seen := func() string {
		sh := newShared(t, 2, 1)
		srv, err := New(sh.bf, WithHostKey(again))
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		defer srv.Close()
		var fp string
		cfg := &gossh.ClientConfig{User: "v", HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			fp = gossh.FingerprintSHA256(k)
			return nil
		}}
		c, err := gossh.Dial("tcp", ln.Addr().String(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		return fp
	}
	want, err := Fingerprint(key)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := seen(), seen(); a != want || b != want {
		t.Fatalf("clients saw %s then %s, want %s both times", a, b, want)
	}
}

func TestHostKeyRefusals(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open")
	key, err := NewHostKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(open, key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(open); !errors.Is(err, ErrHostKey) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key: %v", err)
	}
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(junk); !errors.Is(err, ErrHostKey) {
		t.Fatalf("junk key: %v", err)
	}
	if _, err := New(nil); !errors.Is(err, ErrNoHostKey) {
		t.Fatalf("server without a key: %v", err)
	}
}

func TestDefaultHostKeyPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/somewhere/config")
	p, err := DefaultHostKeyPath()
	if err != nil || p != "/somewhere/config/chakra-tui/ssh_host_ed25519" {
		t.Fatalf("path %q, err %v", p, err)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "")
	if p, err := DefaultHostKeyPath(); err == nil {
		t.Fatalf("no home: path %q, want an error (never the working directory)", p)
	}
}
