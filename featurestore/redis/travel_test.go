package redis

import (
	"context"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/redis/redistest"
	"github.com/chakra-tui/chakra-tui/featurestore/storetest"
)

// travel lets time pass for the stores of one test without waiting for it,
// so TTL tests do not depend on how fast a busy machine runs them. Redis
// measures TTLs on its own clock, which cannot be set; instead advance moves
// every timestamp the stores keep back by d, in Redis (each soldier's last
// write, the blocks' expiry fields and the keys' own expiry) and in every
// handle's cache (the server time of each soldier's last write), which is
// what d passing would look like to them. With a TTL long against the
// test's run time (an hour), the real time that passes meanwhile does not
// matter.
type travel struct {
	client *goredis.Client

	mu     sync.Mutex
	stores []*Store
}

// newTravel returns a travel for stores on the Redis at url.
func newTravel(t testing.TB, url string) *travel {
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	tr := &travel{client: goredis.NewClient(o)}
	t.Cleanup(func() { tr.client.Close() })
	return tr
}

// add makes s travel with the others and returns it.
func (tr *travel) add(s *Store) *Store {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.stores = append(tr.stores, s)
	return s
}

// travelScript moves the timestamps of the blocks named in the set
// KEYS[1] back by ARGV[1] ms: the block header's expiry field, the last
// write of the uniform header and of every soldier that has one (epoch > 0),
// and the remaining life of the hdr and rows keys (deleted if it runs out).
// The layout is the one scripts.go describes.
const travelScript = `
local d, HS, BH, BS = tonumber(ARGV[1]), 32, 64, 128
local function back(e, s) if e > 0 then return s - d end return s end
for _, hk in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local h = redis.call('GET', hk)
  if h and #h == BH + BS * HS then
    local c, x, u0, u1, ue, uq, ut, us = struct.unpack('<dddddddd', h)
    if x > 0 then x = x - d end
    local parts = {struct.pack('<dddddddd', c, x, u0, u1, ue, uq, ut, back(ue, us))}
    for slot = 0, BS - 1 do
      local e, q, t, s = struct.unpack('<dddd', h, BH + slot * HS + 1)
      parts[#parts + 1] = struct.pack('<dddd', e, q, t, back(e, s))
    end
    redis.call('SET', hk, table.concat(parts), 'KEEPTTL')
    for _, k in ipairs({hk, (string.gsub(hk, ':hdr$', ':rows'))}) do
      local left = redis.call('PTTL', k)
      if left > d then redis.call('PEXPIRE', k, left - d) elseif left > 0 then redis.call('DEL', k) end
    end
  end
end
return 0
`

// advance lets d pass for every store added so far.
func (tr *travel) advance(t *testing.T, d time.Duration) {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	ms := d.Milliseconds()
	done := map[string]bool{} // handles on one prefix share their keys
	for _, s := range tr.stores {
		if !done[s.blocksKey] {
			done[s.blocksKey] = true
			if err := tr.client.Eval(context.Background(), travelScript, []string{s.blocksKey}, ms).Err(); err != nil {
				t.Fatalf("move Redis's timestamps back by %v: %v", d, err)
			}
		}
		s.cmu.Lock()
		for _, c := range s.cache {
			c.seen -= float64(ms)
		}
		s.cmu.Unlock()
	}
}

// TestRedisKeyExpiry: Redis itself drops a block's keys once its soldiers
// have all expired. A write gives the keys 2 TTL to live; when less than a
// TTL is left, the next write gives them 2 TTL again, and a block nobody
// writes to for 2 TTL is gone.
func TestRedisKeyExpiry(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	tr := newTravel(t, srv.URL())
	s := tr.add(openRedis(t, srv.URL(), featurestore.WithPrefix(newPrefix()), featurestore.WithTTL(time.Hour)))
	keys := s.blockKeys(0)
	hdr, rows := keys[0].(string), keys[1].(string)
	left := func(key string) time.Duration {
		t.Helper()
		d, err := tr.client.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// check fails t unless both keys have between lo and hi left.
	check := func(when string, lo, hi time.Duration) {
		t.Helper()
		for _, k := range []string{hdr, rows} {
			if d := left(k); d <= lo || d > hi {
				t.Fatalf("%s: %s has %v left; want (%v, %v]", when, k, d, lo, hi)
			}
		}
	}
	g := storetest.NewGen(9)
	write := func(tick int64) {
		t.Helper()
		if err := s.WriteFrame(ctx, []engine.Observation{g.Obs(1, tick)}); err != nil {
			t.Fatal(err)
		}
	}
	write(1)
	check("after the first write", 119*time.Minute, 2*time.Hour)
	tr.advance(t, 30*time.Minute)
	write(2) // 90 min left: more than a TTL, no refresh
	check("30 min later", 89*time.Minute, 90*time.Minute)
	tr.advance(t, 45*time.Minute)
	write(3) // 45 min left: refreshed
	check("75 min later", 119*time.Minute, 2*time.Hour)
	tr.advance(t, 2*time.Hour)
	if n, err := tr.client.Exists(ctx, hdr, rows).Result(); err != nil || n != 0 {
		t.Fatalf("2 TTL after the last write: %d of the block's keys left (%v)", n, err)
	}
	if ids, err := s.Soldiers(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("Soldiers after the keys expired = %v, %v", ids, err)
	}
}
