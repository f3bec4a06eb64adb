package featurestore

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
)

// Benchmarks of one dashboard tick: write a frame of 100 soldiers, then read
// every soldier's window of Te = 31 rows. ns/op is per tick.

var sinkWindows [][]engine.Observation

func BenchmarkTickMemory(b *testing.B) { benchTick(b, memoryStore(b), nil, 100, 31) }
func BenchmarkTickRedis(b *testing.B)  { benchTick(b, redisStore(b, true), nil, 100, 31) }

// BenchmarkTickRedisOneCall is BenchmarkTickRedis through WriteFrameWindows,
// as the monitor ingests a tick: the write's reply tells the handle that
// its cache is Redis's state, so the windows need no second round trip.
func BenchmarkTickRedisOneCall(b *testing.B) {
	benchTickWith(b, redisStore(b, true), nil, 100, 31, true)
}

// BenchmarkTickRedisNoCache transfers every whole window every tick.
func BenchmarkTickRedisNoCache(b *testing.B) { benchTick(b, redisStore(b, false), nil, 100, 31) }

// BenchmarkTickRedisTwoProcesses writes with one client and reads with
// another, so the reader fetches each new row from Redis.
func BenchmarkTickRedisTwoProcesses(b *testing.B) {
	w := redisStore(b, true)
	benchTick(b, w, redisReopen(b, w, true), 100, 31)
}

// Breakdown of a Redis tick.
func BenchmarkRedisWriteFrame(b *testing.B)  { benchWrite(b, redisStore(b, true), 100) }
func BenchmarkRedisReadCached(b *testing.B)  { benchRead(b, redisStore(b, true), 100, 31) }
func BenchmarkRedisReadFull(b *testing.B)    { benchRead(b, redisStore(b, false), 100, 31) }
func BenchmarkMemoryWriteFrame(b *testing.B) { benchWrite(b, memoryStore(b), 100) }
func BenchmarkMemoryRead(b *testing.B)       { benchRead(b, memoryStore(b), 100, 31) }
func BenchmarkPackRows(b *testing.B)         { benchPack(b, 100) }
func BenchmarkDecodeRows(b *testing.B)       { benchDecode(b, 100*31) }

func memoryStore(b *testing.B) Online {
	s, err := NewMemory()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func redisStore(b *testing.B, cache bool) *Redis {
	srv := redistest.Start(b)
	return openRedis(b, srv.URL(), WithPrefix(newPrefix()), WithCache(cache))
}

func redisReopen(b *testing.B, s *Redis, cache bool) *Redis {
	return openRedis(b, "redis://"+s.client.Options().Addr, WithPrefix(s.o.prefix), WithCache(cache))
}

// tripper is a store that counts its round trips.
type tripper interface{ RoundTrips() uint64 }

func ids(n int) []engine.SoldierID {
	out := make([]engine.SoldierID, n)
	for i := range out {
		out[i] = engine.SoldierID(i + 1)
	}
	return out
}

// benchTick writes a frame of n soldiers with w and reads their windows of
// te rows with r (w if nil), per op.
func benchTick(b *testing.B, w Online, r Online, n, te int) { benchTickWith(b, w, r, n, te, false) }

// benchTickWith is benchTick; with oneCall the writer writes and reads
// through WriteFrameWindows.
func benchTickWith(b *testing.B, w Online, r Online, n, te int, oneCall bool) {
	if r == nil {
		r = w
	}
	ctx := context.Background()
	frames := newGen(1).frames(n, 64, 0)
	ids := ids(n)
	var ws [][]engine.Observation
	t := int64(0)
	tick := func() {
		f := frames[t%int64(len(frames))]
		for i := range f.Obs {
			f.Obs[i].T = t
		}
		t++
		var err error
		if oneCall {
			if ws, _, err = w.(FrameWindower).WriteFrameWindows(ctx, f.Obs, te, ws); err != nil {
				b.Fatal(err)
			}
			return
		}
		if err := w.WriteFrame(ctx, f.Obs); err != nil {
			b.Fatal(err)
		}
		if ws, err = r.Windows(ctx, ids, te, ws); err != nil {
			b.Fatal(err)
		}
	}
	for range 2 * te { // warm up: full windows, scripts loaded
		tick()
	}
	trips := countTrips(w, r)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tick()
	}
	b.StopTimer()
	reportTrips(b, trips, w, r)
	sinkWindows = ws
}

func countTrips(stores ...Online) uint64 {
	var n uint64
	for i, s := range stores {
		if i > 0 && s == stores[0] {
			continue
		}
		if t, ok := s.(tripper); ok {
			n += t.RoundTrips()
		}
	}
	return n
}

func reportTrips(b *testing.B, start uint64, stores ...Online) {
	if _, ok := stores[0].(tripper); ok {
		b.ReportMetric(float64(countTrips(stores...)-start)/float64(b.N), "roundtrips/op")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func benchWrite(b *testing.B, s Online, n int) {
	ctx := context.Background()
	frames := newGen(1).frames(n, 64, 0)
	trips := countTrips(s)
	b.ReportAllocs()
	b.ResetTimer()
	for t := range b.N {
		f := frames[t%len(frames)]
		for i := range f.Obs {
			f.Obs[i].T = int64(t)
		}
		if err := s.WriteFrame(ctx, f.Obs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportTrips(b, trips, s)
}

func benchRead(b *testing.B, s Online, n, te int) {
	ctx := context.Background()
	for _, f := range newGen(1).frames(n, 2*te, 0) {
		if err := s.WriteFrame(ctx, f.Obs); err != nil {
			b.Fatal(err)
		}
	}
	ids := ids(n)
	var ws [][]engine.Observation
	var err error
	if ws, err = s.Windows(ctx, ids, te, ws); err != nil {
		b.Fatal(err)
	}
	trips := countTrips(s)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if ws, err = s.Windows(ctx, ids, te, ws); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportTrips(b, trips, s)
	sinkWindows = ws
}

var sinkBytes []byte

func benchPack(b *testing.B, n int) {
	f := newGen(1).frames(n, 1, 0)[0]
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
	g := newGen(1)
	var buf []byte
	for i := range rows {
		o := g.obs(1, int64(i))
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
func benchRagged(b *testing.B, s *Redis, n, k, te int) {
	ctx := context.Background()
	frames := newGen(1).frames(n, 64, 0)
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
	trips := countTrips(s)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		op()
	}
	b.StopTimer()
	reportTrips(b, trips, s)
	reportServerTime(b, s)
	sinkWindows = ws
}

// reportServerTime reports Redis's own time per EVALSHA since the last
// CONFIG RESETSTAT, from INFO commandstats.
func reportServerTime(b *testing.B, s *Redis) {
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
