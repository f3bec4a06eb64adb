package redis

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// Benchmarks of one dashboard tick: write a frame of 100 soldiers, then read
// every soldier's window of Te = 31 rows. ns/op is per tick.

func BenchmarkTickRedis(b *testing.B) {
	storetest.BenchTick(b, redisStore(b, true), nil, 100, 31, false)
}

// BenchmarkTickRedisOneCall is BenchmarkTickRedis through WriteFrameWindows,
// as the monitor ingests a tick: the write's reply tells the handle that
// its cache is Redis's state, so the windows need no second round trip.
func BenchmarkTickRedisOneCall(b *testing.B) {
	storetest.BenchTick(b, redisStore(b, true), nil, 100, 31, true)
}

// BenchmarkTickRedisNoCache transfers every whole window every tick.
func BenchmarkTickRedisNoCache(b *testing.B) {
	storetest.BenchTick(b, redisStore(b, false), nil, 100, 31, false)
}

// BenchmarkTickRedisTwoProcesses writes with one client and reads with
// another, so the reader fetches each new row from Redis.
func BenchmarkTickRedisTwoProcesses(b *testing.B) {
	w := redisStore(b, true)
	storetest.BenchTick(b, w, redisReopen(b, w, true), 100, 31, false)
}

// Breakdown of a Redis tick.
func BenchmarkRedisWriteFrame(b *testing.B) { storetest.BenchWrite(b, redisStore(b, true), 100) }
func BenchmarkRedisReadCached(b *testing.B) { storetest.BenchRead(b, redisStore(b, true), 100, 31) }
func BenchmarkRedisReadFull(b *testing.B)   { storetest.BenchRead(b, redisStore(b, false), 100, 31) }
func BenchmarkPackRows(b *testing.B)        { benchPack(b, 100) }
func BenchmarkDecodeRows(b *testing.B)      { benchDecode(b, 100*31) }

func redisStore(b *testing.B, cache bool) *Store {
	srv := redistest.Start(b)
	return openRedis(b, srv.URL(), featurestore.WithPrefix(newPrefix()), featurestore.WithCache(cache))
}

func redisReopen(b *testing.B, s *Store, cache bool) *Store {
	return openRedis(b, "redis://"+s.client.Options().Addr, featurestore.WithPrefix(s.o.Prefix), featurestore.WithCache(cache))
}

// sinkBytes and sinkWindows keep the benchmarks' results alive.
var (
	sinkBytes   []byte
	sinkWindows [][]engine.Observation
)

func benchPack(b *testing.B, n int) {
	f := storetest.NewGen(1).Frames(n, 1, 0)[0]
	var buf []byte
	b.ReportAllocs()
	for range b.N {
		buf = buf[:0]
		for i := range f.Obs {
			buf = appendRow(buf, &f.Obs[i])
		}
	}
	sinkBytes = buf
}

func benchDecode(b *testing.B, rows int) {
	g := storetest.NewGen(1)
	var buf []byte
	for i := range rows {
		o := g.Obs(1, int64(i))
		buf = appendRow(buf, &o)
	}
	var dst []engine.Observation
	b.ReportAllocs()
	for range b.N {
		dst = appendDecoded(dst[:0], 1, buf)
	}
	sinkWindows = [][]engine.Observation{dst}
}

// BenchmarkRedisWriteRagged writes, per op, a frame of 6 soldiers out of
// 100, each at its own next tick, through WriteFrameWindows: what the
// headless server's group commit sends for concurrent /predict requests.
// redis-µs/call is the server's own time per EVALSHA (INFO commandstats).
func BenchmarkRedisWriteRagged(b *testing.B) { benchRagged(b, redisStore(b, true), 100, 6, 31) }

// benchRagged warms n soldiers up to full windows in lockstep, then writes
// frames of k distinct soldiers drawn by a seeded PCG, in drawn order, each
// at its own next tick, and reads their windows of te rows in the same call.
func benchRagged(b *testing.B, s *Store, n, k, te int) {
	ctx := context.Background()
	frames := storetest.NewGen(1).Frames(n, 64, 0)
	for t := range 2 * te {
		if err := s.WriteFrame(ctx, frames[t].Obs); err != nil {
			b.Fatal(err)
		}
	}
	next := make([]int64, n)
	for i := range next {
		next[i] = int64(2 * te)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	obs := make([]engine.Observation, k)
	var ws [][]engine.Observation
	op := func() {
		for i := range obs {
		draw:
			for {
				p := rng.IntN(n)
				for _, o := range obs[:i] {
					if int(o.Soldier) == p+1 {
						continue draw
					}
				}
				obs[i] = frames[next[p]%int64(len(frames))].Obs[p]
				obs[i].T = next[p]
				next[p]++
				break
			}
		}
		var err error
		if ws, _, err = s.WriteFrameWindows(ctx, obs, te, ws); err != nil {
			b.Fatal(err)
		}
	}
	for range 20 { // scripts loaded, uniform range gone
		op()
	}
	if err := s.client.ConfigResetStat(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	trips := s.RoundTrips()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		op()
	}
	b.StopTimer()
	b.ReportMetric(float64(s.RoundTrips()-trips)/float64(b.N), "roundtrips/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	reportServerTime(b, s)
	sinkWindows = ws
}

// reportServerTime reports Redis's own time per EVALSHA since the last
// CONFIG RESETSTAT, from INFO commandstats.
func reportServerTime(b *testing.B, s *Store) {
	info, err := s.client.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(info) {
		rest, ok := strings.CutPrefix(line, "cmdstat_evalsha:")
		if !ok {
			continue
		}
		for f := range strings.SplitSeq(strings.TrimSpace(rest), ",") {
			if v, ok := strings.CutPrefix(f, "usec_per_call="); ok {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(x, "redis-µs/call")
			}
		}
	}
}

// The soldier count a /metrics scrape asks of a store of 50 000 soldiers:
// listed (ids sent back and sorted) or counted in Redis. Both run the same
// script over the block headers; ns/op includes redis-server's time.
func BenchmarkRedisSoldiers50000(b *testing.B)      { benchSoldiers(b, 50_000, false) }
func BenchmarkRedisCountSoldiers50000(b *testing.B) { benchSoldiers(b, 50_000, true) }

func benchSoldiers(b *testing.B, n int, count bool) {
	s := redisStore(b, true)
	ctx := context.Background()
	g := storetest.NewGen(1)
	frame := make([]engine.Observation, 0, 5000)
	for id := range n {
		frame = append(frame, g.Obs(engine.SoldierID(id), 1))
		if len(frame) == cap(frame) || id == n-1 {
			if err := s.WriteFrame(ctx, frame); err != nil {
				b.Fatal(err)
			}
			frame = frame[:0]
		}
	}
	if ids, err := s.Soldiers(ctx); err != nil || len(ids) != n {
		b.Fatalf("%d soldiers listed (%v), want %d", len(ids), err, n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if count {
			if k, err := s.CountSoldiers(ctx); err != nil || k != n {
				b.Fatalf("count %d (%v)", k, err)
			}
		} else if ids, err := s.Soldiers(ctx); err != nil || len(ids) != n {
			b.Fatalf("%d listed (%v)", len(ids), err)
		}
	}
}
