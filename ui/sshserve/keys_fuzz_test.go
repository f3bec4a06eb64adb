package sshserve

import (
	"errors"
	"testing"
)

// FuzzParseAuthorizedKeys: an authorized_keys file is outside input. It
// either yields at least one key (an empty list would lock everyone out) or
// fails with ErrAuthorizedKeys; it never panics.
func FuzzParseAuthorizedKeys(f *testing.F) {
	f.Add([]byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host\n"))
	f.Add([]byte("# comment only\n\n"))
	f.Add([]byte(`command="echo hi",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl`))
	f.Add([]byte("ssh-rsa not-base64\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseAuthorizedKeys(data)
		if err != nil {
			if !errors.Is(err, ErrAuthorizedKeys) {
				t.Fatalf("error without ErrAuthorizedKeys: %v", err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("no error and no keys")
		}
	})
}
