package featurestore_test

import (
	"testing"

	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// Benchmarks of the in-memory store: a dashboard tick (write a frame of 100
// soldiers, then read every soldier's window of Te = 31 rows) and its two
// halves. ns/op is per tick, frame or batch read.

func BenchmarkTickMemory(b *testing.B)       { storetest.BenchTick(b, memoryStore(b), nil, 100, 31, false) }
func BenchmarkMemoryWriteFrame(b *testing.B) { storetest.BenchWrite(b, memoryStore(b), 100) }
func BenchmarkMemoryRead(b *testing.B)       { storetest.BenchRead(b, memoryStore(b), 100, 31) }

func memoryStore(b *testing.B) featurestore.Online {
	s, err := featurestore.NewMemory()
	if err != nil {
		b.Fatal(err)
	}
	return s
}
