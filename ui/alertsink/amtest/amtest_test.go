package amtest

import (
	"net/http"
	"testing"
)

func TestStartKillRestart(t *testing.T) {
	s := Start(t, "")
	get := func() int {
		resp, err := http.Get(s.URL() + "/api/v2/status")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get(); c != http.StatusOK {
		t.Fatalf("GET /api/v2/status: %d", c)
	}
	s.Kill()
	if c := get(); c != 0 {
		t.Fatalf("answered %d after Kill", c)
	}
	s.Restart()
	if c := get(); c != http.StatusOK {
		t.Fatalf("GET /api/v2/status after Restart: %d", c)
	}
}
