package redisserver

import (
	"os"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	dir := s.dir
	if err := Ping(s.Addr()); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	if err := s.Restart(); err == nil {
		t.Fatal("Restart of a running server succeeded")
	}
	s.Stop()
	if Ping(s.Addr()) == nil {
		t.Fatal("PING answered after Stop")
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if err := Ping(s.Addr()); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
	s.Close()
	s.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the temporary directory %s outlived Close (%v)", dir, err)
	}
}
