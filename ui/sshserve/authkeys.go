package sshserve

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// ErrAuthorizedKeys reports an authorized-keys file that is unreadable,
// malformed or holds no key.
var ErrAuthorizedKeys = errors.New("unusable authorized-keys file")

// AuthorizedKey is one key line of an authorized_keys file and the options
// of it the server honours (sshd(8), AUTHORIZED_KEYS FILE FORMAT):
//
//   - from="pattern-list": the client's IP address must match the list
//     (comma-separated; * and ? wildcards, a leading ! negates, addr/len is
//     a CIDR block). The server does no DNS lookups, so patterns are matched
//     against the address only, as sshd does with UseDNS no.
//   - no-pty, and restrict (which implies no-pty) with pty after it to allow
//     a terminal again: without a terminal there is no dashboard, so such a
//     key is admitted but its sessions are refused with a message.
//   - no-port-forwarding, no-agent-forwarding, no-X11-forwarding and
//     no-user-rc hold by construction: the server offers none of these.
//
// Any other option (command=, environment=, cert-authority, expiry-time=,
// permitopen=, …), a malformed one or an invalid from= list makes the line
// refused: it never admits its key (Refused says why). The zero value but
// Key admits Key from anywhere with a terminal.
type AuthorizedKey struct {
	Key     gossh.PublicKey
	Comment string
	File    string // the file it was read from, for logs ("" if none)
	Line    int    // 1-based line in File (0 if none)
	From    string // from= pattern-list, unquoted; "" admits any address
	NoPTY   bool   // no-pty: sessions may not have a terminal
	Refused string // why this line never admits its key; "" if it may
}

// Where returns "FILE line N" (or "line N", or "" for a key not read from a
// file), for log lines.
func (k *AuthorizedKey) Where() string {
	switch {
	case k.Line == 0:
		return ""
	case k.File == "":
		return fmt.Sprintf("line %d", k.Line)
	}
	return fmt.Sprintf("%s line %d", k.File, k.Line)
}

// AllowsFrom reports whether the line's from= list admits a client at ip
// (true without from=). An invalid list admits nobody.
func (k *AuthorizedKey) AllowsFrom(ip netip.Addr) bool {
	if k.From == "" {
		return true
	}
	ok, err := matchFrom(k.From, ip)
	return ok && err == nil
}

// LoadAuthorizedKeys reads an authorized_keys file (ParseAuthorizedKeys) and
// notes the path in each key for log lines.
func LoadAuthorizedKeys(path string) ([]AuthorizedKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAuthorizedKeys, err)
	}
	keys, err := ParseAuthorizedKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range keys {
		keys[i].File = path
	}
	return keys, nil
}

// ParseAuthorizedKeys parses the contents of an authorized_keys file
// (OpenSSH format: one key per line with optional leading options; #
// comments and blank lines skipped). A line that is not a key is an error
// naming the line; a key line with an option the server does not implement
// is returned with Refused set (it admits nobody), so the caller can say so.
// A file without any key line is an error: it would lock everyone out.
func ParseAuthorizedKeys(data []byte) ([]AuthorizedKey, error) {
	var keys []AuthorizedKey
	for n, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		k, comment, opts, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrAuthorizedKeys, n+1, err)
		}
		ak := AuthorizedKey{Key: k, Comment: comment, Line: n + 1}
		ak.applyOptions(opts)
		keys = append(keys, ak)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys in it (nobody could log in)", ErrAuthorizedKeys)
	}
	return keys, nil
}

// applyOptions sets the line's restrictions from its options, in order (as
// sshd: "restrict,pty" allows a terminal, "pty,restrict" does not), or
// Refused at the first option it cannot honour.
func (k *AuthorizedKey) applyOptions(opts []string) {
	for _, opt := range opts {
		name, value, hasValue := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		switch name {
		case "no-pty", "restrict", "pty", "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc":
			if hasValue {
				k.Refused = fmt.Sprintf("option %s takes no value", name)
				return
			}
			switch name {
			case "no-pty", "restrict":
				k.NoPTY = true
			case "pty":
				k.NoPTY = false
			}
		case "from":
			v, err := dequote(value, hasValue)
			if err == nil && k.From != "" {
				err = errors.New("given twice")
			}
			if err == nil {
				_, err = matchFrom(v, netip.IPv6Loopback())
			}
			if err != nil {
				k.Refused = fmt.Sprintf("option from=: %v", err)
				return
			}
			k.From = v
		default:
			if hasValue {
				name += "="
			}
			k.Refused = fmt.Sprintf("option %s is not supported by this server", name)
			return
		}
	}
}

// dequote returns the value of a name="value" option, with \" unescaped.
func dequote(v string, present bool) (string, error) {
	if !present || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New(`want a value in double quotes`)
	}
	v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
	if v == "" {
		return "", errors.New("empty")
	}
	return v, nil
}

// matchFrom reports whether ip matches the from= pattern-list list, as sshd's
// match_host_and_ip does with the address standing in for the host name: the
// list matches if some entry matches and no negated (!) entry does. An entry
// with / is a CIDR block (no host bits set), one that parses as an address
// is compared as an address, anything else is a wildcard pattern (* any run,
// ? one character, case-insensitive) on the address's text. An empty entry
// or an invalid block is an error.
func matchFrom(list string, ip netip.Addr) (bool, error) {
	ip = ip.Unmap().WithZone("")
	text := ip.String()
	var found, negated bool
	for e := range strings.SplitSeq(list, ",") {
		neg := strings.HasPrefix(e, "!")
		if neg {
			e = e[1:]
		}
		var hit bool
		switch {
		case e == "":
			return false, fmt.Errorf("empty pattern in %q", list)
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return false, fmt.Errorf("pattern %q: %v", e, err)
			}
			if p.Masked() != p {
				return false, fmt.Errorf("pattern %q: address bits set beyond /%d", e, p.Bits())
			}
			hit = p.Contains(ip)
		default:
			if a, err := netip.ParseAddr(e); err == nil {
				hit = a.Unmap() == ip
			} else {
				hit = wildcard(strings.ToLower(e), strings.ToLower(text))
			}
		}
		// Every entry is checked, so a bad one is an error wherever it is.
		hit = hit && ip.IsValid()
		if hit && neg {
			negated = true
		}
		found = found || hit && !neg
	}
	return found && !negated, nil
}

// wildcard reports whether s matches pattern, where * matches any run of
// characters (also none) and ? any one character.
func wildcard(pattern, s string) bool {
	// Greedy with one backtrack point: the last * seen.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// remoteIP returns the IP address of a connection's remote end (the zero
// Addr if it has none, which no from= list matches).
func remoteIP(a net.Addr) netip.Addr {
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(tcp.IP)
		return ip.Unmap()
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// authorize finds the line that admits key from ip, as sshd reads the file:
// the first line holding key whose from= admits ip decides. If that line is
// refused (an option the server does not implement), nothing admits the key.
// skipped lists the lines holding key whose from= did not admit ip.
func authorize(keys []AuthorizedKey, key gossh.PublicKey, ip netip.Addr) (admit, refused *AuthorizedKey, skipped []*AuthorizedKey) {
	want := key.Marshal()
	for i := range keys {
		k := &keys[i]
		if k.Key == nil || !bytes.Equal(k.Key.Marshal(), want) {
			continue
		}
		if k.Refused != "" {
			return nil, k, skipped
		}
		if !k.AllowsFrom(ip) {
			skipped = append(skipped, k)
			continue
		}
		return k, nil, skipped
	}
	return nil, nil, skipped
}
