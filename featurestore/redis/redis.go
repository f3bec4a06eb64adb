package redis

import (
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/chakra-tui/chakra-tui/engine"
	"github.com/chakra-tui/chakra-tui/featurestore"
	"github.com/chakra-tui/chakra-tui/featurestore/internal/ring"
)

// Store is the online store several processes share: rows live in Redis
// (key layout in docs/featurestore.md), written and read by Lua scripts so
// that a frame write and a batch window read are one round trip each.
//
// A local cache of each soldier's recent rows, keyed by Redis's epoch and
// sequence numbers, keeps the work small. Rows this process writes are cached
// as it writes them. A read always asks Redis, so writes of other processes
// are seen at once, but it sends the version of the data its cache reflects:
// if nothing was written since, Redis answers "unchanged" and the windows are
// copied from the cache; otherwise Redis sends only the rows the cache lacks.
// featurestore.WithCache(false) turns the cache off: every read transfers whole windows.
//
// Failures of Redis (refused, reset, timed out) come back as errors matching
// featurestore.ErrUnavailable that also wrap the cause; the next call reconnects. A Redis
// restarted empty is detected by its versions and epochs, which never repeat,
// so stale cached rows are never served.
type Store struct {
	o      featurestore.Config
	client *goredis.Client
	trips  atomic.Uint64
	closed atomic.Bool

	verKey, blocksKey, profilesKey, blockPrefix string
	writeSHA, readSHA, soldiersSHA, lateSHA     string
	capArg, ttlArg                              any // boxed once

	kmu  sync.RWMutex
	keys map[int64][2]any // boxed hdr and rows key per block

	wmu   sync.Mutex // serialises writes and guards their scratch
	ws    placement
	wargs []any
	wbuf  []byte
	wspan []byte    // per run: lowest and highest tick (float64)
	wx    []float64 // the write reply's per-run (or per-row) epoch, seq, capacity

	cmu   sync.Mutex // guards cache, ver and gen
	cache map[engine.SoldierID]*cacheEntry
	ver   uint64 // the Redis version the synced entries reflect; 0: none
	gen   uint64 // entries with this gen are synced at ver

	scratch sync.Pool // *readScratch

	// testHookReply, if set, runs after a read's round trip and before its
	// reply is merged: tests use it to play a concurrent write.
	testHookReply func()
}

// cacheEntry is the local copy of one soldier's rows in Redis.
type cacheEntry struct {
	ring.Ring
	epoch   uint64  // the incarnation of the soldier's ring in Redis; 0: no live rows
	seen    float64 // server time of the soldier's last write, ms
	capS    int     // the soldier's ring capacity in Redis
	gen     uint64  // equal to Store.gen: the entry is Redis's state at Store.ver
	capHere int     // capacity of the local ring
}

// reset empties the entry's ring and sets the soldier's epoch and newest
// sequence number.
func (c *cacheEntry) reset(epoch, hi uint64) { c.epoch = epoch; c.Reset(hi) }

// ensure gives the entry its row buffer.
func (c *cacheEntry) ensure() {
	if c.Buf == nil {
		c.Buf = make([]engine.Observation, c.capHere)
	}
}

type readScratch struct {
	frame []engine.SoldierID // WriteFrameWindows's soldiers
	pl    placement
	args  []any
	data  []byte // the reply's row data, joined
	one   [][]engine.Observation
	retry []int
	ids   []engine.SoldierID
	sub   [][]engine.Observation
}

var (
	_ featurestore.Online         = (*Store)(nil)
	_ featurestore.FrameWindower  = (*Store)(nil)
	_ featurestore.LateWriter     = (*Store)(nil)
	_ featurestore.SoldierCounter = (*Store)(nil)
)

// New returns a store on the Redis at url (redis://[user:pass@]host:port/db
// or rediss://…). It honours the featurestore options WithCapacity,
// WithTTL, WithPrefix, WithTimeout and WithCache. It does not connect: the
// first call does, and Ping checks that Redis is there. Processes sharing a
// prefix should share a TTL.
func New(url string, opts ...featurestore.Option) (*Store, error) {
	o, err := featurestore.NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("new redis store: %w", err)
	}
	ro, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("new redis store: parse url: %w: %w", featurestore.ErrInvalid, err)
	}
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout, ro.PoolTimeout = o.Timeout, o.Timeout, o.Timeout, o.Timeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1 // a retried write could apply twice; callers decide
	ro.DialerRetries = 1
	ro.DisableIdentity = true
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	r := &Store{
		o:           o,
		client:      goredis.NewClient(ro),
		verKey:      o.Prefix + "version",
		blocksKey:   o.Prefix + "blocks",
		profilesKey: o.Prefix + "profiles",
		blockPrefix: o.Prefix + "blk:",
		writeSHA:    scriptSHA(writeScript),
		readSHA:     scriptSHA(readScript),
		soldiersSHA: scriptSHA(soldiersScript),
		lateSHA:     scriptSHA(lateScript),
		capArg:      o.Capacity,
		ttlArg:      o.TTL.Milliseconds(),
		keys:        make(map[int64][2]any),
		cache:       make(map[engine.SoldierID]*cacheEntry),
		gen:         1,
	}
	routeLogs.Do(func() { goredis.SetLogger(slogLogger{}) })
	r.client.AddHook(tripCounter{&r.trips})
	r.scratch.New = func() any { return new(readScratch) }
	return r, nil
}

// routeLogs sends go-redis's own log lines (dial failures and the like,
// which our errors report anyway) to slog at debug level instead of stderr,
// where they would tear the dashboard. go-redis's logger is process-wide.
var routeLogs sync.Once

type slogLogger struct{}

func (slogLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

func scriptSHA(src string) string {
	h := sha1.Sum([]byte(src))
	return hex.EncodeToString(h[:])
}

// RoundTrips returns the number of requests sent to Redis so far (a
// pipeline counts once, a script retried after NOSCRIPT twice).
func (r *Store) RoundTrips() uint64 { return r.trips.Load() }

// tripCounter is a go-redis hook counting requests.
type tripCounter struct{ n *atomic.Uint64 }

func (h tripCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h tripCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h tripCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// blockSize is the number of soldiers per Redis block (see redis_scripts.go).
const blockSize = 128

// blockOf returns the block and slot of soldier id: ⌊id/128⌋, id mod 128.
func blockOf(id engine.SoldierID) (int64, int) { return int64(id) >> 7, int(id & (blockSize - 1)) }

// blockKeys returns block b's hdr and rows keys, boxed once so that building
// arguments does not allocate.
func (r *Store) blockKeys(b int64) [2]any {
	r.kmu.RLock()
	k, ok := r.keys[b]
	r.kmu.RUnlock()
	if ok {
		return k
	}
	r.kmu.Lock()
	defer r.kmu.Unlock()
	if k, ok = r.keys[b]; !ok {
		base := r.blockPrefix + strconv.FormatInt(b, 10)
		k = [2]any{base + ":hdr", base + ":rows"}
		r.keys[b] = k
	}
	return k
}

// placement is the block layout of one call's soldiers: the distinct blocks
// in order of first appearance and the runs (see redis_scripts.go), each run
// a block index from 1, a first slot and a length (little-endian uint16),
// with, for reads, the cache state its soldiers share (three doubles).
type placement struct {
	index  map[int64]int
	blocks []int64
	runs   []byte
	known  []byte
	// the open run
	j, slot, n int
	state      [3]float64
}

// place appends soldier id, whose cache state is state, to the runs.
func (p *placement) place(id engine.SoldierID, state [3]float64) error {
	if p.index == nil {
		p.index = make(map[int64]int)
	}
	b, slot := blockOf(id)
	j, ok := p.index[b]
	if !ok {
		if len(p.blocks) == 1<<16-1 {
			return fmt.Errorf("soldiers in more than %d blocks of %d ids in one call: %w", 1<<16-1, blockSize, featurestore.ErrInvalid)
		}
		p.blocks = append(p.blocks, b)
		j = len(p.blocks)
		p.index[b] = j
	}
	if p.n > 0 && j == p.j && slot == p.slot+1 && state == p.state {
		p.n++
		binary.LittleEndian.PutUint16(p.runs[len(p.runs)-2:], uint16(p.n))
	} else {
		p.runs = binary.LittleEndian.AppendUint16(p.runs, uint16(j))
		p.runs = binary.LittleEndian.AppendUint16(p.runs, uint16(slot))
		p.runs = binary.LittleEndian.AppendUint16(p.runs, 1)
		for _, x := range state {
			p.known = binary.LittleEndian.AppendUint64(p.known, math.Float64bits(x))
		}
		p.n, p.state = 1, state
	}
	p.j, p.slot = j, slot
	return nil
}

func (p *placement) reset() {
	clear(p.index)
	p.blocks, p.runs, p.known, p.n = p.blocks[:0], p.runs[:0], p.known[:0], 0
}

// appendKeys appends the script keys for p's blocks: version, block set,
// then hdr and rows per block.
func (r *Store) appendKeys(args []any, p *placement) []any {
	args = append(args, 2+2*len(p.blocks), r.verKey, r.blocksKey)
	for _, b := range p.blocks {
		k := r.blockKeys(b)
		args = append(args, k[0], k[1])
	}
	return args
}

// call runs one command under the store's timeout and classifies its error.
func (r *Store) call(ctx context.Context, action string, args []any) (any, error) {
	if r.closed.Load() {
		return nil, featurestore.ErrClosed
	}
	cctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	cmd := goredis.NewCmd(cctx, args...)
	err := r.client.Process(cctx, cmd)
	if err != nil && len(args) > 1 && args[0] == "evalsha" && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or flushed its script cache: send the source.
		sha := args[1]
		args[0], args[1] = "eval", scriptSource(sha.(string))
		cmd = goredis.NewCmd(cctx, args...)
		err = r.client.Process(cctx, cmd)
		args[0], args[1] = "evalsha", sha
	}
	if err != nil {
		return nil, r.classify(ctx, action, err)
	}
	return cmd.Val(), nil
}

func scriptSource(sha string) string {
	for _, s := range [...]string{writeScript, readScript, soldiersScript, lateScript} {
		if scriptSHA(s) == sha {
			return s
		}
	}
	panic("featurestore: unknown script " + sha)
}

// classify turns a go-redis error into one of the package's.
func (r *Store) classify(ctx context.Context, action string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("redis %s: %w", action, ctx.Err())
	}
	if errors.Is(err, goredis.ErrClosed) {
		if r.closed.Load() {
			return featurestore.ErrClosed
		}
		return fmt.Errorf("redis %s: %w: %w", action, featurestore.ErrUnavailable, err)
	}
	var rerr goredis.Error
	if errors.As(err, &rerr) {
		var nerr net.Error
		switch {
		case errors.As(err, &nerr):
			return fmt.Errorf("redis %s: %w: %w", action, featurestore.ErrUnavailable, err)
		case goredis.HasErrorPrefix(err, "LOADING"), goredis.HasErrorPrefix(err, "BUSY"),
			goredis.HasErrorPrefix(err, "MASTERDOWN"), goredis.HasErrorPrefix(err, "TRYAGAIN"),
			goredis.HasErrorPrefix(err, "READONLY"):
			return fmt.Errorf("redis %s: %w: %w", action, featurestore.ErrUnavailable, err)
		case goredis.HasErrorPrefix(err, "WRONGTYPE"):
			return fmt.Errorf("redis %s: a key under prefix %q is not ours: %w: %w", action, r.o.Prefix, featurestore.ErrCorrupt, err)
		}
		return fmt.Errorf("redis %s: %w", action, err)
	}
	return fmt.Errorf("redis %s: %w: %w", action, featurestore.ErrUnavailable, err)
}

// WriteFrame stores the rows of one tick in one round trip. The Lua script
// checks every row's order before appending any, so a
// *featurestore.OutOfOrderError means nothing was written.
func (r *Store) WriteFrame(ctx context.Context, obs []engine.Observation) error {
	_, err := r.writeFrame(ctx, obs)
	return err
}

// writeResult is what a frame write leaves in the cache.
type writeResult struct {
	gen     uint64  // the cache generation after the write
	current bool    // nobody else wrote between the cache's last sync and the write
	now     float64 // Redis's clock at the write, ms
}

// writeFrame is WriteFrame, reporting the state of the cache it leaves.
func (r *Store) writeFrame(ctx context.Context, obs []engine.Observation) (writeResult, error) {
	if r.closed.Load() {
		return writeResult{}, featurestore.ErrClosed
	}
	if len(obs) == 0 {
		return writeResult{}, ctx.Err()
	}
	for i := range obs {
		if err := featurestore.CheckTick(obs[i].T); err != nil {
			return writeResult{}, fmt.Errorf("write frame: soldier %d: %w", obs[i].Soldier, err)
		}
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	r.ws.reset()
	for i := range obs {
		if err := r.ws.place(obs[i].Soldier, [3]float64{}); err != nil {
			return writeResult{}, fmt.Errorf("write frame: %w", err)
		}
	}
	buf := r.wbuf[:0]
	for i := range obs {
		buf = appendRow(buf, &obs[i])
	}
	r.wbuf = buf
	r.wspan = appendTickSpans(r.wspan[:0], obs, r.ws.runs)
	r.cmu.Lock()
	sentVer := r.ver
	r.cmu.Unlock()
	args := r.appendKeys(append(r.wargs[:0], "evalsha", r.writeSHA), &r.ws)
	args = append(args, r.capArg, r.ttlArg, versionArg(sentVer), r.ws.runs, buf, r.wspan)
	r.wargs = args
	val, err := r.call(ctx, "write frame", args)
	clear(args[3:]) // drop references to keys and rows
	if err != nil {
		return writeResult{}, err
	}
	res, _ := val.([]any)
	if len(res) == 3 && res[0] == int64(0) {
		i, _ := res[1].(int64)
		latest, _ := res[2].(int64)
		if i < 1 || int(i) > len(obs) {
			return writeResult{}, fmt.Errorf("redis write frame: reply %v: %w", res, featurestore.ErrCorrupt)
		}
		return writeResult{}, &featurestore.OutOfOrderError{Soldier: obs[i-1].Soldier, T: obs[i-1].T, Latest: latest}
	}
	var reply string
	if len(res) == 2 && res[0] == int64(1) {
		reply, _ = res[1].(string)
	}
	return r.cacheWritten(obs, sentVer, unsafeBytes(reply))
}

// WriteLate stores a repeated or late row in one round trip (the late
// script); see featurestore.LateWriter. An inserted row starts a new epoch
// of its soldier, so every process's cached rows of it are read again; this
// process drops them at once.
func (r *Store) WriteLate(ctx context.Context, o engine.Observation, window int64) (featurestore.Late, error) {
	if r.closed.Load() {
		return featurestore.NotLate, featurestore.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return featurestore.NotLate, err
	}
	if err := featurestore.CheckTick(o.T); err != nil {
		return featurestore.NotLate, fmt.Errorf("write late row: soldier %d: %w", o.Soldier, err)
	}
	b, slot := blockOf(o.Soldier)
	k := r.blockKeys(b)
	r.wmu.Lock()
	defer r.wmu.Unlock()
	val, err := r.call(ctx, "write late row", []any{"evalsha", r.lateSHA, 4, r.verKey, r.blocksKey, k[0], k[1],
		r.ttlArg, appendRow(nil, &o), max(window, 0), slot})
	if err != nil {
		return featurestore.NotLate, err
	}
	res, _ := val.([]any)
	var code, latest int64 = -1, 0
	if len(res) == 2 {
		code, _ = res[0].(int64)
		latest, _ = res[1].(int64)
	}
	switch code {
	case 0:
		return featurestore.NotLate, nil
	case 1:
		return featurestore.Repeat, nil
	case 2:
		r.cmu.Lock()
		delete(r.cache, o.Soldier)
		r.cmu.Unlock()
		return featurestore.Inserted, nil
	case 3, 4:
		return featurestore.NotLate, &featurestore.OutOfOrderError{Soldier: o.Soldier, T: o.T, Latest: latest, Conflict: code == 3}
	}
	return featurestore.NotLate, fmt.Errorf("redis write late row: reply %v: %w", val, featurestore.ErrCorrupt)
}

// appendTickSpans appends, per run of runs (see placement), the lowest and
// the highest tick of its rows in obs as two little-endian float64: the
// write script checks order on a run's lowest tick and gives the run one
// header when both are equal.
func appendTickSpans(b []byte, obs []engine.Observation, runs []byte) []byte {
	i := 0
	for r := 0; r+6 <= len(runs); r += 6 {
		n := int(binary.LittleEndian.Uint16(runs[r+4:]))
		lo, hi := obs[i].T, obs[i].T
		for _, o := range obs[i+1 : i+n] {
			lo, hi = min(lo, o.T), max(hi, o.T)
		}
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(lo)))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(hi)))
		i += n
	}
	return b
}

// versionArg is a version as the scripts expect it: decimal, "0" for none.
func versionArg(v uint64) string { return strconv.FormatUint(v, 10) }

// cacheWritten checks the write script's reply and appends the rows just
// written to the cache. The reply is: match flag, new version, server time,
// mode, then epoch, seq and capacity per run of r.ws (mode 1) or per row
// (mode 0).
func (r *Store) cacheWritten(obs []engine.Observation, sentVer uint64, reply []byte) (writeResult, error) {
	var head [4]float64
	if err := readDoubles(reply, head[:]); err != nil {
		return writeResult{}, fmt.Errorf("redis write frame: %w", err)
	}
	match, ver, now, mode := head[0] == 1, uint64(head[1]), head[2], head[3]
	units := len(obs)
	if mode == 1 {
		units = len(r.ws.runs) / 6
	}
	if mode > 1 || len(reply) != 32+24*units {
		return writeResult{}, fmt.Errorf("redis write frame: reply of %d bytes in mode %g for %d rows: %w", len(reply), mode, len(obs), featurestore.ErrCorrupt)
	}
	if !r.o.Cache {
		return writeResult{now: now}, nil
	}
	r.wx = slices.Grow(r.wx[:0], 3*units)[:3*units] // under wmu, like the rest of the write's scratch
	x := r.wx
	if err := readDoubles(reply[32:], x); err != nil {
		return writeResult{}, fmt.Errorf("redis write frame: %w", err)
	}
	r.cmu.Lock()
	defer r.cmu.Unlock()
	current := match && r.ver == sentVer
	if !current {
		r.gen++ // someone else wrote: nothing cached is known to be current
	}
	u, left := 0, 1 // unit of row i, rows left in it
	if mode == 1 {
		left = int(binary.LittleEndian.Uint16(r.ws.runs[4:]))
	}
	for i := range obs {
		epoch, seq, capS := uint64(x[3*u]), uint64(x[3*u+1]), int(x[3*u+2])
		if epoch == 0 || seq == 0 || capS < 1 || capS > 1<<16 {
			return writeResult{}, fmt.Errorf("redis write frame: row %d: epoch %d seq %d capacity %d: %w", i, epoch, seq, capS, featurestore.ErrCorrupt)
		}
		c := r.entry(obs[i].Soldier)
		c.ensure()
		switch {
		case c.epoch == epoch && c.Hi >= seq:
			// A concurrent read already brought this row.
		case c.epoch == epoch && c.Hi == seq-1:
			c.Push(&obs[i])
		default:
			c.reset(epoch, seq-1)
			c.Push(&obs[i])
		}
		c.seen, c.capS, c.gen = now, capS, r.gen
		if left--; left == 0 && i+1 < len(obs) {
			u, left = u+1, 1
			if mode == 1 {
				left = int(binary.LittleEndian.Uint16(r.ws.runs[6*u+4:]))
			}
		}
	}
	r.ver = ver
	return writeResult{gen: r.gen, current: current, now: now}, nil
}

// entry returns soldier id's cache entry, creating an empty one. The caller
// holds cmu.
func (r *Store) entry(id engine.SoldierID) *cacheEntry {
	c := r.cache[id]
	if c == nil {
		c = &cacheEntry{capHere: r.o.Capacity}
		r.cache[id] = c
	}
	return c
}

// Window appends the last n rows of soldier id (at most the capacity),
// oldest first, to dst. It is Windows for one soldier.
func (r *Store) Window(ctx context.Context, id engine.SoldierID, n int, dst []engine.Observation) ([]engine.Observation, error) {
	sc := r.scratch.Get().(*readScratch)
	defer r.scratch.Put(sc)
	sc.one = ring.GrowWindows(sc.one, 1)
	sc.one[0] = dst
	ids := [1]engine.SoldierID{id}
	out, err := r.windows(ctx, ids[:], n, sc.one, sc)
	dst = out[0]
	out[0] = nil
	return dst, err
}

// Windows reads the last n rows of every soldier in ids in one round trip
// (a second one only if a concurrent write replaced cached rows mid-read).
func (r *Store) Windows(ctx context.Context, ids []engine.SoldierID, n int, dst [][]engine.Observation) ([][]engine.Observation, error) {
	sc := r.scratch.Get().(*readScratch)
	defer r.scratch.Put(sc)
	dst = ring.GrowWindows(dst, len(ids))
	for i := range dst {
		dst[i] = dst[i][:0]
	}
	return r.windows(ctx, ids, n, dst, sc)
}

// WriteFrameWindows writes a frame and reads the windows of its soldiers
// (dst[i] for obs[i]) in one call; see FrameWindower. When nobody else
// wrote to Redis since this handle's cache last synced with it, the write's
// reply says so and the windows come from the cache — the rows just written
// and those held before, which were Redis's state at the write — so the call
// is one round trip. Otherwise it reads them as Windows does (a second round
// trip). written reports whether the frame was stored.
func (r *Store) WriteFrameWindows(ctx context.Context, obs []engine.Observation, n int, dst [][]engine.Observation) (_ [][]engine.Observation, written bool, err error) {
	wr, err := r.writeFrame(ctx, obs)
	if err != nil {
		return dst, false, err
	}
	sc := r.scratch.Get().(*readScratch)
	defer r.scratch.Put(sc)
	sc.frame = sc.frame[:0]
	for i := range obs {
		sc.frame = append(sc.frame, obs[i].Soldier)
	}
	if k := min(n, r.o.Capacity); wr.current && k > 0 {
		dst = ring.GrowWindows(dst, len(obs))
		if r.windowsAt(wr, sc.frame, k, dst) {
			return dst, true, nil
		}
	}
	dst, err = r.Windows(ctx, sc.frame, n, dst)
	return dst, true, err
}

// windowsAt sets dst[i] (len(dst) == len(ids)) to the window of ids[i]
// from the cache alone, if the cache is still as the write wr left it and
// holds every window in full; it reports whether it did.
func (r *Store) windowsAt(wr writeResult, ids []engine.SoldierID, k int, dst [][]engine.Observation) bool {
	r.cmu.Lock()
	defer r.cmu.Unlock()
	if r.gen != wr.gen {
		return false // a read since the write changed what the cache holds
	}
	for i, id := range ids {
		dst[i] = dst[i][:0]
		if !r.completes(r.cache[id], k) {
			return false
		}
		var done bool
		if dst[i], done = r.fromCache(id, k, wr.now, dst[i]); !done {
			return false
		}
	}
	return true
}

// completes reports whether cache entry c (nil: none) is current and holds
// its soldier's whole k-row window, so that an answer from the cache alone
// is complete. The caller holds cmu.
func (r *Store) completes(c *cacheEntry, k int) bool {
	return c != nil && c.gen == r.gen && (c.epoch == 0 || c.N >= min(k, c.capS, int(c.Hi)))
}

// windows appends the window of ids[i] to dst[i]; len(dst) == len(ids).
func (r *Store) windows(ctx context.Context, ids []engine.SoldierID, n int, dst [][]engine.Observation, sc *readScratch) ([][]engine.Observation, error) {
	if r.closed.Load() {
		return dst, featurestore.ErrClosed
	}
	k := min(n, r.o.Capacity)
	if len(ids) == 0 || k <= 0 {
		return dst, ctx.Err()
	}
	retry, err := r.fetch(ctx, ids, k, dst, sc, r.o.Cache)
	if err != nil || len(retry) == 0 {
		return dst, err
	}
	// Rows we counted on left the cache while we waited: fetch those
	// soldiers' whole windows.
	sc.ids, sc.sub = sc.ids[:0], ring.GrowWindows(sc.sub, len(retry))
	for j, i := range retry {
		sc.ids = append(sc.ids, ids[i])
		sc.sub[j] = dst[i] // left as it was
	}
	idx := slices.Clone(retry)
	left, err := r.fetch(ctx, sc.ids, k, sc.sub, sc, false)
	for j, i := range idx {
		dst[i], sc.sub[j] = sc.sub[j], nil
	}
	if err == nil && len(left) > 0 {
		err = fmt.Errorf("redis read windows: full window missing from reply: %w", featurestore.ErrCorrupt)
	}
	return dst, err
}

// fetch runs the read script for ids and appends their windows to dst. With
// useCache it tells Redis what the cache holds and merges the reply into
// it. It returns the indexes whose window it could not complete.
func (r *Store) fetch(ctx context.Context, ids []engine.SoldierID, k int, dst [][]engine.Observation, sc *readScratch, useCache bool) ([]int, error) {
	sentVer, err := r.placeRequest(ids, k, &sc.pl, useCache)
	if err != nil {
		return nil, err
	}
	args := r.appendKeys(append(sc.args[:0], "evalsha", r.readSHA), &sc.pl)
	known := sc.pl.known
	args = append(args, k, r.ttlArg, versionArg(sentVer), sc.pl.runs, known)
	sc.args = args
	val, err := r.call(ctx, "read windows", args)
	clear(args[3:])
	if err != nil {
		return nil, err
	}
	if r.testHookReply != nil {
		r.testHookReply()
	}
	sc.retry = sc.retry[:0]
	var b []byte
	switch v := val.(type) {
	case string: // "unchanged"
		return r.unchanged(ids, k, unsafeBytes(v), sentVer, dst, sc)
	case []any: // header string, then pieces of row data
		if b, err = joinReply(v, &sc.data); err != nil {
			return nil, err
		}
	}
	ver, headers, err := replyHeaders(b, val, len(ids))
	if err != nil {
		return nil, err
	}
	return r.readGroups(ids, k, ver, headers, sc.data, dst, sc, useCache)
}

// placeRequest lays ids out in sc's placement (pl) and, with useCache, tells
// Redis which rows the cache holds of each. sentVer is the cache's version
// if every window is complete in the cache (Redis may then answer
// "unchanged"), else 0.
func (r *Store) placeRequest(ids []engine.SoldierID, k int, pl *placement, useCache bool) (sentVer uint64, err error) {
	pl.reset()
	if useCache {
		r.cmu.Lock()
	}
	fast := useCache && r.ver != 0
	for _, id := range ids {
		var state [3]float64
		if useCache {
			c := r.cache[id]
			if !r.completes(c, k) {
				fast = false
			}
			if c != nil && c.epoch != 0 && c.N > 0 {
				state = [3]float64{float64(c.epoch), float64(c.Hi - uint64(c.N) + 1), float64(c.Hi)}
			}
		}
		if err := pl.place(id, state); err != nil {
			if useCache {
				r.cmu.Unlock()
			}
			return 0, fmt.Errorf("redis read windows: %w", err)
		}
	}
	if useCache {
		if fast {
			sentVer = r.ver
		}
		r.cmu.Unlock()
	}
	return sentVer, nil
}

// unchanged answers a read from the cache alone after Redis replied that
// nothing changed since version sentVer (b: the flag 1 and Redis's clock in
// ms, two doubles). It returns the indexes the cache no longer completes.
func (r *Store) unchanged(ids []engine.SoldierID, k int, b []byte, sentVer uint64, dst [][]engine.Observation, sc *readScratch) ([]int, error) {
	var head [2]float64
	if err := readDoubles(b, head[:]); err != nil {
		return nil, fmt.Errorf("redis read windows: %w", err)
	}
	if head[0] != 1 || sentVer == 0 || len(b) != 16 {
		return nil, fmt.Errorf("redis read windows: unchanged reply %v to version %d: %w", head, sentVer, featurestore.ErrCorrupt)
	}
	r.cmu.Lock()
	defer r.cmu.Unlock()
	for i, id := range ids {
		var done bool
		if dst[i], done = r.fromCache(id, k, head[1], dst[i]); !done {
			sc.retry = append(sc.retry, i)
		}
	}
	return sc.retry, nil
}

// joinReply returns the header string of a full reply (its first element)
// and joins the pieces of row data after it into *data.
func joinReply(v []any, data *[]byte) ([]byte, error) {
	var b []byte
	for i, x := range v {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("redis read windows: reply element %d of type %T: %w", i, x, featurestore.ErrCorrupt)
		}
		if i == 0 {
			b = unsafeBytes(s)
			*data = (*data)[:0]
		} else {
			*data = append(*data, s...)
		}
	}
	return b, nil
}

// replyHeaders checks a full reply's header b (four doubles: the flag 0, a
// clock, Redis's version and the number of groups, then the groups'
// headers) for n soldiers; val is the reply, named in errors. It returns the
// version and the groups' headers.
func replyHeaders(b []byte, val any, n int) (ver uint64, headers []byte, err error) {
	var head4 [4]float64
	if err := readDoubles(b, head4[:]); err != nil {
		return 0, nil, fmt.Errorf("redis read windows: reply of type %T: %w", val, err)
	}
	if head4[0] != 0 {
		return 0, nil, fmt.Errorf("redis read windows: reply %v: %w", head4, featurestore.ErrCorrupt)
	}
	groups := int(min(head4[3], float64(n)+1))
	b = b[32:]
	if groups > n || len(b) != groupHeaderSize*groups {
		return 0, nil, fmt.Errorf("redis read windows: %d groups in %d bytes for %d soldiers: %w", groups, len(b), n, featurestore.ErrCorrupt)
	}
	return uint64(head4[2]), b, nil
}

// readGroups appends each soldier's window from a full reply (its groups'
// headers and row data) to dst: with useCache merged into the cache, which
// takes version ver, else decoded directly. It returns the indexes whose
// window it could not complete.
func (r *Store) readGroups(ids []engine.SoldierID, k int, ver uint64, headers, data []byte, dst [][]engine.Observation, sc *readScratch, useCache bool) ([]int, error) {
	if useCache {
		r.cmu.Lock()
		defer r.cmu.Unlock()
		r.gen++
		r.ver = ver
	}
	i := 0
	for g := range len(headers) / groupHeaderSize {
		size, h, err := parseGroupHeader(headers[groupHeaderSize*g:])
		if err != nil {
			return nil, fmt.Errorf("redis read windows: group %d: %w", g, err)
		}
		if size > len(ids)-i {
			return nil, fmt.Errorf("redis read windows: group %d of %d soldiers after %d of %d: %w", g, size, i, len(ids), featurestore.ErrCorrupt)
		}
		for p := range size {
			id := ids[i]
			hp := h
			hp.off += p * rowSize
			if h.k > k || !hp.fits(len(data)) {
				return nil, fmt.Errorf("redis read windows: soldier %d: %d rows of a window of %d (asked %d) at %d+%d·i in %d bytes: %w",
					id, h.count, h.k, k, hp.off, hp.stride, len(data), featurestore.ErrCorrupt)
			}
			if useCache {
				var done bool
				if dst[i], done = r.merge(id, hp, data, dst[i]); !done {
					sc.retry = append(sc.retry, i)
				}
			} else if hp.count != hp.k {
				sc.retry = append(sc.retry, i)
			} else {
				for j := range hp.count {
					dst[i] = append(dst[i], engine.Observation{})
					decodeRow(hp.row(data, j), id, &dst[i][len(dst[i])-1])
				}
			}
			i++
		}
	}
	if i != len(ids) {
		return nil, fmt.Errorf("redis read windows: reply covers %d of %d soldiers: %w", i, len(ids), featurestore.ErrCorrupt)
	}
	return sc.retry, nil
}

// fromCache appends soldier id's window to dst from the cache alone, Redis
// having said nothing changed; now is Redis's clock (ms) for the TTL. done
// is false if the cache no longer holds the window. The caller holds cmu.
func (r *Store) fromCache(id engine.SoldierID, k int, now float64, dst []engine.Observation) (_ []engine.Observation, done bool) {
	c := r.cache[id]
	if c == nil {
		return dst, false
	}
	if c.epoch == 0 || (r.o.TTL > 0 && now-c.seen >= float64(r.o.TTL.Milliseconds())) {
		return dst, true
	}
	lo := c.Hi - uint64(min(k, c.capS, int(c.Hi))) + 1
	if !c.Holds(lo, c.Hi) {
		return dst, false
	}
	return c.AppendRange(dst, lo, c.Hi), true
}

// merge folds one soldier's reply into the cache, marks the entry current
// and appends the soldier's window to dst; done is false if the window
// cannot be completed from what is cached. The caller holds cmu.
func (r *Store) merge(id engine.SoldierID, h windowHeader, data []byte, dst []engine.Observation) (_ []engine.Observation, done bool) {
	c := r.entry(id)
	c.gen = r.gen
	if h.epoch == 0 {
		c.reset(0, 0)
		return dst, true
	}
	c.seen, c.capS = h.seen, h.cap
	if h.count > 0 {
		first := h.seq - uint64(h.count) + 1
		c.ensure()
		if c.epoch != h.epoch || c.Hi+1 < first {
			c.reset(h.epoch, first-1)
		}
		for s := c.Hi + 1; s <= h.seq; s++ { // none if the cache is already ahead
			decodeRow(h.row(data, int(s-first)), id, c.Next())
		}
	} else if c.epoch != h.epoch || c.Hi < h.seq {
		c.reset(h.epoch, h.seq) // holds nothing we may serve
	}
	lo := h.seq - uint64(h.k) + 1
	if c.epoch == h.epoch && c.Holds(lo, h.seq) {
		return c.AppendRange(dst, lo, h.seq), true
	}
	if h.count == h.k {
		for j := range h.count {
			dst = append(dst, engine.Observation{})
			decodeRow(h.row(data, j), id, &dst[len(dst)-1])
		}
		return dst, true
	}
	return dst, false
}

// appendDecoded decodes packed rows of soldier id onto dst.
func appendDecoded(dst []engine.Observation, id engine.SoldierID, rows []byte) []engine.Observation {
	n := len(rows) / rowSize
	dst = slices.Grow(dst, n)
	for j := range n {
		dst = dst[:len(dst)+1]
		decodeRow(rows[j*rowSize:], id, &dst[len(dst)-1])
	}
	return dst
}

// Latest returns the newest row of soldier id.
func (r *Store) Latest(ctx context.Context, id engine.SoldierID) (engine.Observation, bool, error) {
	var buf [1]engine.Observation
	w, err := r.Window(ctx, id, 1, buf[:0])
	if err != nil || len(w) == 0 {
		return engine.Observation{}, false, err
	}
	return w[0], true, nil
}

// Soldiers returns the ids of the soldiers with unexpired rows, sorted.
func (r *Store) Soldiers(ctx context.Context) ([]engine.SoldierID, error) {
	val, err := r.call(ctx, "list soldiers", []any{"evalsha", r.soldiersSHA, 1, r.blocksKey, r.ttlArg})
	if err != nil {
		return nil, err
	}
	list, ok := val.([]any)
	if !ok {
		return nil, fmt.Errorf("redis list soldiers: reply of type %T: %w", val, featurestore.ErrCorrupt)
	}
	ids := make([]engine.SoldierID, 0, len(list))
	for _, x := range list {
		id, ok := x.(int64)
		if !ok || id < math.MinInt32 || id > math.MaxInt32 {
			return nil, fmt.Errorf("redis list soldiers: id %v: %w", x, featurestore.ErrCorrupt)
		}
		ids = append(ids, engine.SoldierID(id))
	}
	slices.Sort(ids)
	return ids, nil
}

// CountSoldiers returns how many soldiers have unexpired rows (see
// featurestore.SoldierCounter): the script that lists them counts them in
// Redis instead, so no ids cross the network and nothing is sorted here.
func (r *Store) CountSoldiers(ctx context.Context) (int, error) {
	val, err := r.call(ctx, "count soldiers", []any{"evalsha", r.soldiersSHA, 1, r.blocksKey, r.ttlArg, "count"})
	if err != nil {
		return 0, err
	}
	n, ok := val.(int64)
	if !ok || n < 0 {
		return 0, fmt.Errorf("redis count soldiers: reply %v of type %T: %w", val, val, featurestore.ErrCorrupt)
	}
	return int(n), nil
}

// PutProfile stores a soldier's static covariates (they do not expire).
func (r *Store) PutProfile(ctx context.Context, p engine.Profile) error {
	_, err := r.call(ctx, "put profile", []any{"hset", r.profilesKey, strconv.Itoa(int(p.ID)), appendProfile(nil, &p)})
	return err
}

// Profile returns a soldier's static covariates.
func (r *Store) Profile(ctx context.Context, id engine.SoldierID) (engine.Profile, bool, error) {
	if r.closed.Load() {
		return engine.Profile{}, false, featurestore.ErrClosed
	}
	cctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	s, err := r.client.HGet(cctx, r.profilesKey, strconv.Itoa(int(id))).Result()
	if errors.Is(err, goredis.Nil) {
		return engine.Profile{}, false, nil
	}
	if err != nil {
		return engine.Profile{}, false, r.classify(ctx, "get profile", err)
	}
	p, err := decodeProfile([]byte(s))
	if err != nil {
		return engine.Profile{}, false, fmt.Errorf("redis get profile %d: %w", id, err)
	}
	return p, true, nil
}

// Ping checks that Redis answers within the timeout.
func (r *Store) Ping(ctx context.Context) error {
	_, err := r.call(ctx, "ping", []any{"ping"})
	return err
}

// Close closes the connections; later calls return featurestore.ErrClosed. The data stays
// in Redis.
func (r *Store) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	if err := r.client.Close(); err != nil {
		return fmt.Errorf("close redis store: %w", err)
	}
	return nil
}
