package sshserve

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const fuzzKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

// FuzzParseAuthorizedKeys: an authorized_keys file is outside input. It
// either yields at least one key line (an empty list would lock everyone
// out) or fails with ErrAuthorizedKeys; it never panics. Every line it
// admits has a valid from= list and line numbers inside the file; a line
// with an option outside the implemented set never admits its key.
func FuzzParseAuthorizedKeys(f *testing.F) {
	f.Add([]byte(fuzzKey + " user@host\n"))
	f.Add([]byte("# comment only\n\n"))
	f.Add([]byte(`command="echo hi",no-pty ` + fuzzKey))
	f.Add([]byte(`from="10.9.9.9",no-pty ` + fuzzKey))
	f.Add([]byte(`from="*.example.com,!10.0.0.0/8,127.0.0.?" ` + fuzzKey))
	f.Add([]byte(`restrict,pty,from="::1,2001:db8::/32" ` + fuzzKey + "\r\n" + fuzzKey))
	f.Add([]byte(`from="a\"b,c" ` + fuzzKey))
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
		lines := strings.Count(string(data), "\n") + 1
		for _, k := range keys {
			if k.Key == nil || k.Line < 1 || k.Line > lines {
				t.Fatalf("key line %d of %d, key %v", k.Line, lines, k.Key)
			}
			if k.Refused != "" {
				continue
			}
			if k.From != "" {
				if _, err := matchFrom(k.From, netip.MustParseAddr("127.0.0.1")); err != nil {
					t.Fatalf("admitting line %d has an invalid from=%q: %v", k.Line, k.From, err)
				}
			}
		}
	})
}

// FuzzMatchFrom: a from= list is outside input. matchFrom never panics; an
// exact address always matches itself, and negating the client's address
// always refuses it, whatever else the list holds.
func FuzzMatchFrom(f *testing.F) {
	f.Add("10.9.9.9", []byte{127, 0, 0, 1})
	f.Add("*,!127.0.0.1", []byte{127, 0, 0, 1})
	f.Add("10.0.0.0/8,*.?", []byte{10, 1, 2, 3})
	f.Add("2001:db8::/32", []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5})
	f.Add("**?*", []byte{})
	f.Fuzz(func(t *testing.T, list string, raw []byte) {
		ip, _ := netip.AddrFromSlice(raw)
		ok, err := matchFrom(list, ip)
		if err != nil && ok {
			t.Fatalf("from=%q: match and error %v", list, err)
		}
		if !ip.IsValid() {
			return
		}
		self := ip.Unmap().String()
		if ok, err := matchFrom(self, ip); !ok || err != nil {
			t.Fatalf("%s does not match itself: %v", self, err)
		}
		if err == nil {
			if ok, err := matchFrom(list+",!"+self, ip); ok || err != nil {
				t.Fatalf("from=%q,!%s admits %s (err %v)", list, self, self, err)
			}
		}
	})
}
