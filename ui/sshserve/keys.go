package sshserve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// ErrHostKey reports a host key file that is unusable: unreadable, not a
// private key, or readable by other users.
var ErrHostKey = errors.New("unusable SSH host key")

// DefaultHostKeyPath returns where the server keeps its host key unless told
// otherwise: ssh_host_ed25519 in chakra-tui's directory of the user's
// configuration directory (os.UserConfigDir: $XDG_CONFIG_HOME or ~/.config
// on Linux). It never falls back to the working directory.
func DefaultHostKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration directory for the SSH host key (give a path instead): %w", err)
	}
	return filepath.Join(dir, "chakra-tui", "ssh_host_ed25519"), nil
}

// LoadOrCreateHostKey returns the PEM-encoded private host key at path,
// creating a new ed25519 key there first if the file does not exist: the
// file with mode 0600, missing parent directories with 0700. An existing
// key must be a private key readable only by its owner (as sshd insists).
// created reports whether the key is new.
func LoadOrCreateHostKey(path string) (key []byte, created bool, err error) {
	key, err = os.ReadFile(path)
	switch {
	case err == nil:
		fi, err := os.Stat(path)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %s: %v", ErrHostKey, path, err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, false, fmt.Errorf("%w: %s is accessible by other users (mode %04o): chmod 600 it", ErrHostKey, path, perm)
		}
		if _, err := gossh.ParsePrivateKey(key); err != nil {
			return nil, false, fmt.Errorf("%w: %s: %v", ErrHostKey, path, err)
		}
		return key, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("%w: read %s: %v", ErrHostKey, path, err)
	}
	key, err = NewHostKey()
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create the host key's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("create the host key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, fmt.Errorf("write the host key: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("write the host key: %w", err)
	}
	return key, true, nil
}

// NewHostKey returns a new PEM-encoded ed25519 private key (OpenSSH format),
// for a server that keeps its key in memory (tests).
func NewHostKey() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate a host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "chakra-tui host key")
	if err != nil {
		return nil, fmt.Errorf("encode the host key: %w", err)
	}
	return pem.EncodeToMemory(block), nil
}

// Fingerprint returns the SHA-256 fingerprint of a PEM private key's public
// half, as ssh shows it ("SHA256:…").
func Fingerprint(key []byte) (string, error) {
	s, err := gossh.ParsePrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrHostKey, err)
	}
	return gossh.FingerprintSHA256(s.PublicKey()), nil
}
