package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestLoadgenAttackArgs: the attack needs a loopback URL (or --soak, which
// takes none) and a known kind.
func TestLoadgenAttackArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--attack", "declared-length", "http://192.0.2.1:80"}, "not a loopback address"},
		{[]string{"--attack", "declared-length"}, "needs the server's URL"},
		{[]string{"--attack", "declared-length", "--soak", "http://127.0.0.1:1"}, "give no URL"},
		{[]string{"--attack", "slowloris", "http://127.0.0.1:1"}, `the only attack is "declared-length"`},
	} {
		err := run(context.Background(), append([]string{"loadgen"}, c.args...), strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}
