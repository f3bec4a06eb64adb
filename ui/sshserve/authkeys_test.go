package sshserve

import (
	"bytes"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

func TestParseAuthorizedKeys(t *testing.T) {
	a, b := newSigner(t), newSigner(t)
	file := "# team keys\n\n" + string(gossh.MarshalAuthorizedKey(a.PublicKey())) +
		`no-pty,from="10.0.0.0/8" ` + string(gossh.MarshalAuthorizedKey(b.PublicKey()))
	keys, err := ParseAuthorizedKeys([]byte(file))
	if err != nil || len(keys) != 2 {
		t.Fatalf("%d keys, err %v", len(keys), err)
	}
	if !bytes.Equal(keys[1].Key.Marshal(), b.PublicKey().Marshal()) {
		t.Fatal("second key differs")
	}
	if k := keys[0]; k.Line != 3 || k.From != "" || k.NoPTY || k.Refused != "" {
		t.Fatalf("plain line: %+v", k)
	}
	if k := keys[1]; k.Line != 4 || k.From != "10.0.0.0/8" || !k.NoPTY || k.Refused != "" {
		t.Fatalf("line with options: %+v", k)
	}
	if _, err := ParseAuthorizedKeys([]byte(file + "ssh-ed25519 AAAAnotbase64\n")); !errors.Is(err, ErrAuthorizedKeys) || !strings.Contains(err.Error(), "line 5") {
		t.Fatalf("bad line: %v", err)
	}
	if _, err := ParseAuthorizedKeys([]byte("# nobody\n")); !errors.Is(err, ErrAuthorizedKeys) {
		t.Fatalf("no keys: %v", err)
	}
	if _, err := LoadAuthorizedKeys(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, ErrAuthorizedKeys) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestAuthorizedKeyOptions: the options the server honours set the line's
// restrictions in order; every other option, or a malformed one, refuses
// the line (it never admits its key), naming the option.
func TestAuthorizedKeyOptions(t *testing.T) {
	key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(newSigner(t).PublicKey())))
	for _, c := range []struct {
		opts    string
		from    string
		noPTY   bool
		refused string // substring of Refused; "" for an admitted line
	}{
		{opts: `from="10.9.9.9"`, from: "10.9.9.9"},
		{opts: `FROM="10.9.9.9",no-pty`, from: "10.9.9.9", noPTY: true},
		{opts: `no-pty`, noPTY: true},
		{opts: `restrict`, noPTY: true},
		{opts: `restrict,pty`},
		{opts: `pty,restrict`, noPTY: true},
		{opts: `no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc`},
		{opts: `from="a\"b"`, from: `a"b`},
		{opts: `command="x"`, refused: "option command= is not supported"},
		{opts: `no-pty,command="uptime",from="127.0.0.1"`, noPTY: true, refused: "option command= is not supported"},
		{opts: `environment="A=b"`, refused: "environment="},
		{opts: `cert-authority`, refused: "option cert-authority is not supported"},
		{opts: `expiry-time="20300101"`, refused: "expiry-time="},
		{opts: `permitopen="host:1"`, refused: "permitopen="},
		{opts: `port-forwarding`, refused: "port-forwarding"},
		{opts: `no-pty="yes"`, refused: "option no-pty takes no value"},
		{opts: `from=10.9.9.9`, refused: "double quotes"},
		{opts: `from=""`, refused: "empty"},
		{opts: `from="10.0.0.1",from="10.0.0.2"`, from: "10.0.0.1", refused: "given twice"},
		{opts: `from="10.0.0.0/33"`, refused: "10.0.0.0/33"},
		{opts: `from="10.0.0.1/8"`, refused: "bits set beyond /8"},
		{opts: `from="10.0.0.1,,10.0.0.2"`, refused: "empty pattern"},
		{opts: `from="!"`, refused: "empty pattern"},
	} {
		keys, err := ParseAuthorizedKeys([]byte(c.opts + " " + key + " me@host\n"))
		if err != nil {
			t.Errorf("%s: %v", c.opts, err)
			continue
		}
		k := keys[0]
		if k.From != c.from || k.NoPTY != c.noPTY || k.Comment != "me@host" {
			t.Errorf("%s: from %q, no-pty %v, comment %q; want %q, %v", c.opts, k.From, k.NoPTY, k.Comment, c.from, c.noPTY)
		}
		if (c.refused == "") != (k.Refused == "") || !strings.Contains(k.Refused, c.refused) {
			t.Errorf("%s: refused %q, want %q", c.opts, k.Refused, c.refused)
		}
	}
}

// TestMatchFrom follows sshd(8)'s from= rules on the client's address.
func TestMatchFrom(t *testing.T) {
	for _, c := range []struct {
		list, ip string
		want     bool
	}{
		{"127.0.0.1", "127.0.0.1", true},
		{"10.9.9.9", "127.0.0.1", false},
		{"10.9.9.9,127.0.0.1", "127.0.0.1", true},
		{"127.0.0.*", "127.0.0.1", true},
		{"127.0.0.?", "127.0.0.1", true},
		{"127.0.0.?", "127.0.0.12", false},
		{"127.*", "127.0.0.1", true},
		{"*", "10.1.2.3", true},
		{"*.example.com", "10.1.2.3", false}, // no DNS: host names never match
		{"127.0.0.0/8", "127.0.0.1", true},
		{"10.0.0.0/8", "127.0.0.1", false},
		{"0.0.0.0/0", "127.0.0.1", true},
		{"*,!127.0.0.1", "127.0.0.1", false}, // a negated match refuses whatever else matches
		{"!127.0.0.1,*", "127.0.0.1", false},
		{"*,!127.0.0.1", "127.0.0.2", true},
		{"!10.0.0.0/8,127.0.0.0/8", "127.0.0.1", true},
		{"!10.0.0.0/8,127.0.0.0/8", "10.0.0.1", false},
		{"!10.9.9.9", "127.0.0.1", false}, // only negations: nothing matched
		{"::1", "::1", true},
		{"::1", "127.0.0.1", false},
		{"2001:db8::/32", "2001:db8::5", true},
		{"2001:DB8::*", "2001:db8::5", true},
		{"127.0.0.1", "::ffff:127.0.0.1", true}, // an IPv4 client on a dual-stack socket
		{"127.0.0.0/8", "::ffff:127.0.0.1", true},
	} {
		got, err := matchFrom(c.list, netip.MustParseAddr(c.ip))
		if err != nil || got != c.want {
			t.Errorf("from=%q, client %s: %v, %v; want %v", c.list, c.ip, got, err, c.want)
		}
	}
	k := AuthorizedKey{From: "10.0.0.0/33"}
	if k.AllowsFrom(netip.MustParseAddr("10.0.0.1")) {
		t.Error("an invalid from= list admitted a client")
	}
	if ok, _ := matchFrom("*", netip.Addr{}); ok {
		t.Error("a client without an address matched *")
	}
}

func TestWildcard(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"", "", true}, {"", "a", false}, {"*", "", true}, {"a*", "a", true}, {"*a", "ba", true},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "aXbY", false}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*.*.*.1", "10.0.0.1", true}, {"*.1", "10.0.0.12", false}, {"**", "x", true}, {"a*", "b*", false},
	} {
		if got := wildcard(c.p, c.s); got != c.want {
			t.Errorf("wildcard(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

// TestAuthorizeOrder: as sshd reads the file, the first line holding the
// key whose from= admits the client decides; a refused line holding the key
// refuses it.
func TestAuthorizeOrder(t *testing.T) {
	a, b := newSigner(t).PublicKey(), newSigner(t).PublicKey()
	line := func(opts string, k gossh.PublicKey) string {
		return opts + " " + string(gossh.MarshalAuthorizedKey(k))
	}
	keys, err := ParseAuthorizedKeys([]byte(line(`from="10.9.9.9"`, a) + line(`no-pty`, a) + line(``, a) +
		line(`command="x"`, b) + line(``, b)))
	if err != nil {
		t.Fatal(err)
	}
	local := netip.MustParseAddr("127.0.0.1")
	admit, refused, skipped := authorize(keys, a, local)
	if admit == nil || admit.Line != 2 || !admit.NoPTY || refused != nil || len(skipped) != 1 || skipped[0].Line != 1 {
		t.Fatalf("key a from 127.0.0.1: admit %+v, refused %+v, skipped %d", admit, refused, len(skipped))
	}
	if admit, _, _ := authorize(keys, a, netip.MustParseAddr("10.9.9.9")); admit == nil || admit.Line != 1 {
		t.Fatalf("key a from 10.9.9.9: admit %+v", admit)
	}
	if admit, refused, _ := authorize(keys, b, local); admit != nil || refused == nil || refused.Line != 4 {
		t.Fatalf("key b: admit %+v, refused %+v; want refused by line 4", admit, refused)
	}
	if admit, refused, skipped := authorize(keys, newSigner(t).PublicKey(), local); admit != nil || refused != nil || skipped != nil {
		t.Fatal("an unknown key matched")
	}
}
