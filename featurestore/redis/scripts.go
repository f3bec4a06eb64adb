package redis

// The Lua scripts of the Redis store. Each runs atomically inside Redis, so a
// frame write (order check for every row, then every append) and a batch
// window read are one round trip each. Numbers cross into Lua as doubles,
// which is why ticks are limited to ±2^53 (featurestore.CheckTick).
//
// Soldiers live in blocks of 128 by id (block ⌊id/128⌋, slot id mod 128).
// A block has two strings:
//
//   - hdr: a 64-byte block header (doubles capacity, expiry of the block's
//     keys in server ms, U0, U1, then one 32-byte soldier header U), then per
//     slot a 32-byte soldier header (doubles epoch, seq = rows written in
//     this epoch, last tick, last write in server ms; epoch 0 = never
//     written). The soldiers in slots U0 ≤ slot < U1 (the uniform range,
//     empty if U0 = U1) all have header U, and their own headers are unused:
//     soldiers that advance together (the simulation's) are written and read
//     without touching per-soldier headers;
//   - rows: capacity tick-rows of 128 slots of packed rows; row number s
//     (1-based) of the soldier in slot j is at ((s−1) mod capacity)·128 + j.
//
// So the rows of soldiers in neighbouring slots that advance together (the
// simulation's frames) are neighbours too: a frame is written, and new rows
// are read, with one SETRANGE or GETRANGE per block instead of one per
// soldier. A soldier whose last write is a TTL or more ago is expired:
// readers ignore it and its next write starts a new epoch.
//
// The version key counts writes: every write sets it to max(version + 1,
// server time in µs), so a version never repeats, not even after Redis lost
// its data. A soldier's epoch is the version of the write that started it. A
// client's cached rows of a soldier are valid exactly when epoch and seq
// match, and a client whose cache reflected version V knows nothing changed
// while the version is still V.
//
// Keys of every script: KEYS[1] version, KEYS[2] the set of block header
// keys, then per block j its hdr key KEYS[1+2j] and rows key KEYS[2+2j].

// Soldiers are named by runs: a run is (block index j from 1, first slot,
// length), three little-endian uint16, covering that many consecutive rows
// (or requested soldiers) in neighbouring slots. Clients cut runs as long as
// they can; a run of soldiers whose 32-byte headers are byte-for-byte equal
// (soldiers that started together and advance together, as the simulation's
// do) is handled as one, without per-soldier work.

// writeScript appends one row per soldier after checking all of them.
//
//	ARGV[1] capacity for new blocks, ARGV[2] TTL ms (0: none), ARGV[3] the
//	version the caller last saw ("0": none), ARGV[4] the runs, ARGV[5] the
//	packed rows (rowSize bytes each), in run order, ARGV[6] per run two
//	doubles: the lowest and the highest tick of its rows
//
// It returns {1, reply} where reply is four doubles (1 if the version before
// this write was ARGV[3], else 0; the new version; server time in ms; mode)
// followed, in mode 1, by three doubles per run (epoch, seq, capacity, equal
// for all its rows) or, in mode 0, three doubles per row; or, refusing
// everything, {0, 1-based index of the first offending row, the tick it had
// to exceed}.
//
// Every byte that enters Lua as a string (arguments, redis.call replies,
// substrings) costs Redis's Lua a hash over all of it, so the lockstep path
// reads and writes only the 64-byte block header: the run lies in the
// block's uniform range, whose one header is every soldier's, and it becomes
// the new uniform range. Soldier headers are read and written one by one
// only when runs leave that shape.
const writeScript = `
local RS, HS, BH, BS = 51, 32, 64, 128
local ZH = string.rep('\0', HS)
local cap, ttl, runs, rows, span = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4], ARGV[5], ARGV[6]
local nb, nr, n = (#KEYS - 2) / 2, #runs / 6, #rows / RS
if nb ~= math.floor(nb) or nr ~= math.floor(nr) or n ~= math.floor(n) or #span ~= nr * 16 then
  return redis.error_reply('ERR chakra: ' .. #rows .. ' bytes of rows, ' .. #runs .. ' of runs, ' .. #span .. ' of tick spans, ' .. #KEYS .. ' keys')
end
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local RJ, R0, RL, RI = {}, {}, {}, {}
local used, fast, i, WHOLE = {}, true, 1, {}
for r = 1, nr do
  local j, s0, L = struct.unpack('<HHH', runs, (r - 1) * 6 + 1)
  if j < 1 or j > nb or L < 1 or s0 + L > BS then return redis.error_reply('ERR chakra: run ' .. r .. ' block ' .. j .. ' slots ' .. s0 .. '+' .. L) end
  RJ[r], R0[r], RL[r], RI[r] = j, s0, L, i
  if used[j] then fast, WHOLE[j] = false, true end
  used[j] = true
  i = i + L
end
if i - 1 ~= n then return redis.error_reply('ERR chakra: runs cover ' .. (i - 1) .. ' rows of ' .. n) end
-- Block state: capacity, expiry, uniform range [U0, U1) (as read: OU0,
-- OU1) and its header UH. A block with more than one run (a ragged frame)
-- has its whole header string read at once into HW: one GET costs less
-- than a GETRANGE per soldier header.
local BC, BX, U0, U1, UH, BNEW, OU0, OU1, HW = {}, {}, {}, {}, {}, {}, {}, {}, {}
for j = 1, nb do
  local k, h, ok = KEYS[1 + 2 * j], nil, false
  if WHOLE[j] then
    h = redis.call('GET', k)
    ok = h and #h == BH + BS * HS
    if ok then HW[j] = h end
  else
    h = redis.call('GETRANGE', k, 0, BH - 1)
    ok = #h == BH and redis.call('STRLEN', k) == BH + BS * HS
  end
  if ok then
    BC[j], BX[j], U0[j], U1[j] = struct.unpack('<dddd', h)
    UH[j] = string.sub(h, HS + 1, BH)
  else
    BC[j], BX[j], U0[j], U1[j], UH[j], BNEW[j] = cap, 0, 0, BS, ZH, true
  end
  OU0[j], OU1[j] = U0[j], U1[j]
end
-- materialize writes the uniform header into the soldier headers of slots
-- [a, b) of block j (no change of meaning: inside the range they are unused).
local function materialize(j, a, b)
  if a < b and not BNEW[j] then
    redis.call('SETRANGE', KEYS[1 + 2 * j], BH + a * HS, string.rep(UH[j], b - a))
  end
end
-- The state of each run, if its headers are all equal: from the uniform
-- range if the run lies in it, else from the soldier headers.
local RE, RQ, RT = {}, {}, {}
for r = 1, nr do
  if not fast then break end
  local j, s0, L = RJ[r], R0[r], RL[r]
  local h1 = UH[j]
  if s0 < U0[j] or s0 + L > U1[j] then
    if s0 < U1[j] and s0 + L > U0[j] then -- overlap: make the soldier headers exact
      materialize(j, U0[j], U1[j])
      U0[j], U1[j] = 0, 0
    end
    local hs = redis.call('GETRANGE', KEYS[1 + 2 * j], BH + s0 * HS, BH + (s0 + L) * HS - 1)
    h1 = string.sub(hs, 1, HS)
    if #hs ~= L * HS or (L > 1 and hs ~= string.rep(h1, L)) then fast = false end
  end
  RE[r], RQ[r] = 0, 0
  if fast then
    local e, q, lt, seen = struct.unpack('<dddd', h1)
    if e > 0 and (ttl == 0 or now - seen < ttl) then RE[r], RQ[r], RT[r] = e, q, lt end
  end
end
-- res[1] and res[2] (did the version match, the new one) are filled in by
-- newblocks, once the write is accepted.
local ver, res = 0, {0, 0, now, fast and 1 or 0}

-- newblocks sets the version (one SET … GET: the server time in µs is
-- almost always above the old version; if not, a second SET) and creates
-- the new blocks' keys.
local function newblocks()
  local us = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
  local old = redis.call('SET', KEYS[1], string.format('%.0f', us), 'GET')
  ver = math.max((tonumber(old) or 0) + 1, us)
  if ver ~= us then redis.call('SET', KEYS[1], string.format('%.0f', ver)) end
  res[1], res[2] = old == ARGV[3] and 1 or 0, ver
  for j = 1, nb do
    if BNEW[j] then
      redis.call('DEL', KEYS[1 + 2 * j], KEYS[2 + 2 * j])
      redis.call('SETRANGE', KEYS[1 + 2 * j], BH + BS * HS - 1, '\0')
      redis.call('SADD', KEYS[2], KEYS[1 + 2 * j])
    end
  end
end
-- blockheaders writes every block header (capacity, expiry, uniform range
-- and header) and refreshes the keys' expiry when less than a TTL is left.
local function blockheaders()
  for j = 1, nb do
    local refresh = BNEW[j] or (ttl > 0 and BX[j] - now < ttl)
    if refresh and ttl > 0 then BX[j] = now + 2 * ttl end
    if fast or refresh or U0[j] ~= OU0[j] or U1[j] ~= OU1[j] then
      redis.call('SETRANGE', KEYS[1 + 2 * j], 0, struct.pack('<dddd', BC[j], BX[j], U0[j], U1[j]) .. UH[j])
    end
    if refresh and ttl > 0 then
      redis.call('PEXPIREAT', KEYS[1 + 2 * j], BX[j])
      redis.call('PEXPIREAT', KEYS[2 + 2 * j], BX[j])
    end
  end
end
local function packd(t)
  local parts = {}
  for i = 1, #t, 1500 do
    local k = math.min(i + 1499, #t)
    parts[#parts + 1] = struct.pack('<' .. string.rep('d', k - i + 1), unpack(t, i, k))
  end
  return table.concat(parts)
end
-- rowtick is the tick of row i.
local function rowtick(i) return (struct.unpack('<i8', rows, (i - 1) * RS + 1)) end

if fast then
  -- Order check on each run's lowest tick (rows one by one only to name the
  -- offender), then one SETRANGE of rows per run and one block header.
  local TE = {}
  for r = 1, nr do
    local lt, lo, hi = RT[r], struct.unpack('<dd', span, (r - 1) * 16 + 1)
    if lt ~= nil and lo <= lt then
      for i = RI[r], RI[r] + RL[r] - 1 do
        if rowtick(i) <= lt then return {0, i, lt} end
      end
    end
    TE[r] = lo == hi and lo or false
  end
  newblocks()
  for r = 1, nr do
    local j, s0, L, i0 = RJ[r], R0[r], RL[r], RI[r]
    if RE[r] == 0 then RE[r], RQ[r] = ver, 0 end
    local q, c = RQ[r] + 1, BC[j]
    local blob = rows
    if nr > 1 then blob = string.sub(rows, (i0 - 1) * RS + 1, (i0 + L - 1) * RS) end
    redis.call('SETRANGE', KEYS[2 + 2 * j], (((q - 1) % c) * BS + s0) * RS, blob)
    -- What stays of the uniform range outside the run gets its headers.
    if U0[j] < U1[j] then
      materialize(j, U0[j], math.min(U1[j], s0))
      materialize(j, math.max(U0[j], s0 + L), U1[j])
    end
    if TE[r] then -- the run becomes the uniform range
      U0[j], U1[j], UH[j] = s0, s0 + L, struct.pack('<dddd', RE[r], q, TE[r], now)
    else
      U0[j], U1[j] = 0, 0
      local vals = {}
      for i = i0, i0 + L - 1 do
        local o = #vals
        vals[o + 1], vals[o + 2], vals[o + 3], vals[o + 4] = RE[r], q, rowtick(i), now
      end
      redis.call('SETRANGE', KEYS[1 + 2 * j], BH + s0 * HS, struct.pack('<' .. string.rep('d', #vals), unpack(vals)))
    end
    res[#res + 1], res[#res + 2], res[#res + 3] = RE[r], q, c
  end
  blockheaders()
  return {1, packd(res)}
end

-- General path: per soldier, on exact soldier headers. A block's uniform
-- range stays as it is unless one of the rows falls in it; then it is
-- written out to its soldier headers and dropped. Only the headers of the
-- soldiers written are read (one GETRANGE each, or one GET of the block's
-- header string when a block has several) and written (one SETRANGE per run
-- of neighbouring slots). S[i] is row i's soldier as j*BS+slot; E, Q, T
-- hold each soldier's epoch (0: starts one), seq and last tick.
local S, TS, E, Q, T = {}, {}, {}, {}, {}
for r = 1, nr do
  local j, s0 = RJ[r], R0[r]
  local ts = TS[j]
  if ts == nil then ts = {} TS[j] = ts end
  for p = 0, RL[r] - 1 do
    local slot = s0 + p
    local id = j * BS + slot
    S[RI[r] + p] = id
    if E[id] == nil then
      E[id] = 0
      ts[#ts + 1] = slot
      if slot >= U0[j] and slot < U1[j] then
        materialize(j, U0[j], U1[j])
        U0[j], U1[j] = 0, 0
      end
    end
  end
end
for j, ts in pairs(TS) do
  local k, h = KEYS[1 + 2 * j], HW[j]
  if h == nil and not BNEW[j] and #ts > 2 then h = redis.call('GET', k) end
  for _, slot in ipairs(ts) do
    local x, o = h, BH + slot * HS + 1
    if slot >= OU0[j] and slot < OU1[j] then -- the uniform header (now or before materialize)
      x, o = UH[j], 1
    elseif x == nil then
      x, o = redis.call('GETRANGE', k, o - 1, o + HS - 2), 1
    end
    local e, q, lt, seen = struct.unpack('<dddd', x, o)
    if e > 0 and (ttl == 0 or now - seen < ttl) then
      local id = j * BS + slot
      E[id], Q[id], T[id] = e, q, lt
    end
  end
end
for i = 1, n do
  local id, t = S[i], rowtick(i)
  local lt = T[id]
  if lt ~= nil and t <= lt then return {0, i, lt} end
  T[id] = t
end
newblocks()
local r0, rj, rs0, rlast, rtr = nil, 0, 0, 0, 0
local function flush(i1)
  local blob = rows
  if r0 ~= 1 or i1 ~= n then blob = string.sub(rows, (r0 - 1) * RS + 1, i1 * RS) end
  redis.call('SETRANGE', KEYS[2 + 2 * rj], (rtr * BS + rs0) * RS, blob)
end
for i = 1, n do
  local id = S[i]
  local j = math.floor(id / BS)
  local slot = id - j * BS
  if E[id] == 0 then E[id] = ver end
  local q = (Q[id] or 0) + 1
  Q[id] = q
  local c = BC[j]
  local tr = (q - 1) % c
  if r0 ~= nil and j == rj and slot == rlast + 1 and tr == rtr then
    rlast = slot
  else
    if r0 ~= nil then flush(i - 1) end
    r0, rj, rs0, rlast, rtr = i, j, slot, slot, tr
  end
  res[#res + 1], res[#res + 2], res[#res + 3] = E[id], q, c
end
if r0 ~= nil then flush(n) end
for j, ts in pairs(TS) do
  table.sort(ts)
  local k, m, a = KEYS[1 + 2 * j], #ts, 1
  while a <= m do
    local b = a
    while b < m and ts[b + 1] == ts[b] + 1 do b = b + 1 end
    local id = j * BS + ts[a]
    local hb
    if a == b then
      hb = struct.pack('<dddd', E[id], Q[id], T[id], now)
    else
      local vals = {}
      for x = a, b do
        local o = #vals
        id = j * BS + ts[x]
        vals[o + 1], vals[o + 2], vals[o + 3], vals[o + 4] = E[id], Q[id], T[id], now
      end
      hb = struct.pack('<' .. string.rep('d', #vals), unpack(vals))
    end
    redis.call('SETRANGE', k, BH + ts[a] * HS, hb)
    a = b + 1
  end
end
blockheaders()
return {1, packd(res)}
`

// readScript returns the window of each soldier, or only the rows the caller
// does not have yet, or nothing at all if nothing changed.
//
//	ARGV[1] window length n, ARGV[2] TTL ms, ARGV[3] the version the
//	caller's cache reflects for all these soldiers ("0": none), ARGV[4] the
//	runs of requested soldiers, ARGV[5] per run three doubles: epoch, first
//	and last sequence number the caller holds for each of its soldiers
//	(zeros: nothing)
//
// If the version is still ARGV[3] it returns one string: two doubles, 1 and
// the server time in ms. Otherwise an array of strings: first four doubles
// (0, server time, version, number of groups) followed by a 72-byte header
// per group, then pieces of row data to be joined. A group covers the next
// L requested soldiers, which share everything in its header: doubles L,
// epoch, seq, k, count, last write, capacity, offset, stride (epoch 0: no
// live rows). The window is rows seq−k+1 … seq with k = min(n, capacity,
// seq); the reply holds rows seq−count+1 … seq (count < k means the caller
// holds the rest): row seq−count+1+i of the group's p-th soldier is at byte
// offset + p·51 + i·stride of the joined row data. (Rows go back as they
// came from GETRANGE: joining them in Lua would hash them once more.)
const readScript = `
local RS, HS, BH, BS = 51, 32, 64, 128
local n, ttl, runs, known = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4], ARGV[5]
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local ver = redis.call('GET', KEYS[1])
if ARGV[3] ~= '0' and ver == ARGV[3] then return struct.pack('<dd', 1, now) end
local nb, nr = (#KEYS - 2) / 2, #runs / 6
if nb ~= math.floor(nb) or nr ~= math.floor(nr) or #known ~= nr * 24 then
  return redis.error_reply('ERR chakra: ' .. #runs .. ' bytes of runs, ' .. #known .. ' of cache state, ' .. #KEYS .. ' keys')
end
-- Block state: capacity, uniform range [U0, U1) and its header UH.
local OK, BC, U0, U1, UH = {}, {}, {}, {}, {}
for j = 1, nb do
  local k = KEYS[1 + 2 * j]
  local h = redis.call('GETRANGE', k, 0, BH - 1)
  OK[j], BC[j], U0[j], U1[j] = false, 0, 0, 0
  if #h == BH and redis.call('STRLEN', k) == BH + BS * HS then
    local c, _, u0, u1 = struct.unpack('<dddd', h)
    OK[j], BC[j], U0[j], U1[j], UH[j] = true, c, u0, u1, string.sub(h, HS + 1, BH)
  end
end
-- Units: a whole run if its headers are equal, else its soldiers one by one.
local UJ, US, UL, UHD, UK = {}, {}, {}, {}, {}
local function unit(j, s, L, h, r)
  local u = #UJ + 1
  UJ[u], US[u], UL[u], UHD[u], UK[u] = j, s, L, h, r
end
for r = 1, nr do
  local j, s0, L = struct.unpack('<HHH', runs, (r - 1) * 6 + 1)
  if j < 1 or j > nb or L < 1 or s0 + L > BS then return redis.error_reply('ERR chakra: run ' .. r .. ' block ' .. j .. ' slots ' .. s0 .. '+' .. L) end
  if not OK[j] then
    unit(j, s0, L, false, r)
  elseif s0 >= U0[j] and s0 + L <= U1[j] then
    unit(j, s0, L, UH[j], r)
  else
    local hs = redis.call('GETRANGE', KEYS[1 + 2 * j], BH + s0 * HS, BH + (s0 + L) * HS - 1)
    local h1 = string.sub(hs, 1, HS)
    if #hs ~= L * HS then
      unit(j, s0, L, false, r)
    elseif (s0 >= U1[j] or s0 + L <= U0[j]) and (L == 1 or hs == string.rep(h1, L)) then
      unit(j, s0, L, h1, r)
    else
      for p = 0, L - 1 do
        local s = s0 + p
        if s >= U0[j] and s < U1[j] then
          unit(j, s, 1, UH[j], r)
        else
          unit(j, s, 1, string.sub(hs, p * HS + 1, (p + 1) * HS), r)
        end
      end
    end
  end
end
-- State of each unit; neighbouring units needing the same rows merge into
-- one group, fetched with one GETRANGE per row number.
local GE, GQ, GK, GA, GS = {}, {}, {}, {}, {}
for u = 1, #UJ do
  GE[u], GQ[u], GK[u], GA[u], GS[u] = 0, 0, 0, 1, 0
  if UHD[u] then
    local e, q, lt, seen = struct.unpack('<dddd', UHD[u])
    local k = math.min(n, BC[UJ[u]], q)
    if e > 0 and k >= 1 and (ttl == 0 or now - seen < ttl) then
      local from = q - k + 1
      local ke, klo, khi = struct.unpack('<ddd', known, (UK[u] - 1) * 24 + 1)
      local a = from
      if ke == e and klo <= from and khi >= from - 1 and khi <= q then a = khi + 1 end
      GE[u], GQ[u], GK[u], GA[u], GS[u] = e, q, k, a, seen
    end
  end
end
local hd, out, dlen = {0, now, tonumber(ver) or 0, 0}, {false}, 0
local u = 1
while u <= #UJ do
  local g, L = u, UL[u]
  if GE[u] ~= 0 then
    while g < #UJ and GE[g + 1] ~= 0 and UJ[g + 1] == UJ[u] and US[g + 1] == US[g] + UL[g] and
      GE[g + 1] == GE[u] and GQ[g + 1] == GQ[u] and GK[g + 1] == GK[u] and GA[g + 1] == GA[u] and GS[g + 1] == GS[u] do
      g = g + 1
      L = L + UL[g]
    end
  end
  local e, q, k, a, c = GE[u], GQ[u], GK[u], GA[u], BC[UJ[u]]
  local off, cnt = dlen, 0
  if e ~= 0 and a <= q then
    local pieces = {}
    for s = a, q do
      local o = (((s - 1) % c) * BS + US[u]) * RS
      local d = redis.call('GETRANGE', KEYS[2 + 2 * UJ[u]], o, o + L * RS - 1)
      if #d ~= L * RS then e = 0 break end
      pieces[#pieces + 1] = d
    end
    if e ~= 0 then
      cnt = q - a + 1
      for _, d in ipairs(pieces) do out[#out + 1] = d end
      dlen = dlen + cnt * L * RS
    end
  end
  local o = #hd
  if e == 0 then
    hd[o + 1], hd[o + 2], hd[o + 3], hd[o + 4], hd[o + 5], hd[o + 6], hd[o + 7], hd[o + 8], hd[o + 9] = L, 0, 0, 0, 0, 0, 0, 0, 0
  else
    hd[o + 1], hd[o + 2], hd[o + 3], hd[o + 4], hd[o + 5], hd[o + 6], hd[o + 7], hd[o + 8], hd[o + 9] = L, e, q, k, cnt, GS[u], c, off, L * RS
  end
  hd[4] = hd[4] + 1
  u = g + 1
end
local parts = {}
for i = 1, #hd, 1500 do
  local k = math.min(i + 1499, #hd)
  parts[#parts + 1] = struct.pack('<' .. string.rep('d', k - i + 1), unpack(hd, i, k))
end
out[1] = table.concat(parts)
return out
`

// soldiersScript lists the ids of the soldiers with live rows, or with
// ARGV[2] "count" returns how many there are, and forgets blocks whose keys
// expired.
//
//	KEYS[1] the set of block header keys; ARGV[1] TTL ms; ARGV[2] "count"
//	or nothing
//
// It reads the header keys named in the set, which is why they are not
// declared: the store needs a single Redis, not a cluster.
const soldiersScript = `
local HS, BH, BS = 32, 64, 128
local ttl = tonumber(ARGV[1])
local count = ARGV[2] == 'count'
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local ids, n = {}, 0
for _, hk in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local h = redis.call('GET', hk)
  local b = tonumber(string.match(hk, ':(%-?%d+):hdr$'))
  if h and #h == BH + BS * HS and b then
    local _, _, u0, u1 = struct.unpack('<dddd', h)
    for slot = 0, BS - 1 do
      local o = BH + slot * HS + 1
      if slot >= u0 and slot < u1 then o = HS + 1 end
      local e, _, _, seen = struct.unpack('<dddd', h, o)
      if e > 0 and (ttl == 0 or now - seen < ttl) then
        n = n + 1
        if not count then ids[n] = b * BS + slot end
      end
    end
  else
    redis.call('SREM', KEYS[1], hk)
  end
end
if count then return n end
return ids
`

// lateScript stores one row that is not after its soldier's latest (see
// featurestore.LateWriter): a repeat writes nothing, a row at most the
// window before the latest is inserted among the soldier's rows in tick
// order, anything else is refused.
//
//	KEYS[1] version, KEYS[2] block set, KEYS[3] the soldier's block hdr,
//	KEYS[4] its rows; ARGV[1] TTL ms (0: none), ARGV[2] the packed row,
//	ARGV[3] the reorder window in ticks, ARGV[4] the soldier's slot
//
// It returns {code, latest tick}: code 0 not late (no live rows, or the
// row is after the latest; nothing written), 1 repeat, 2 inserted, 3
// another reading at that tick, 4 too late (older than the window, or than
// the oldest held row of a soldier whose rows fill the capacity).
//
// An insert moves the soldier's rows after the new one a row number up
// (the oldest drops when the ring is full), takes the soldier out of its
// block's uniform range, and starts a new epoch at the new version with
// seq + 1 rows: every client's cached rows of the soldier (valid by epoch
// and seq) become invalid and the next read sends the whole window.
// Repeats compare the readings only (the missing mask, byte 48, and the
// values present, bytes 8–39), as featurestore.SameReadings does.
const lateScript = `
local RS, HS, BH, BS = 51, 32, 64, 128
local ttl, row, win, slot = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local hk, rk = KEYS[3], KEYS[4]
if #row ~= RS or slot < 0 or slot >= BS then return redis.error_reply('ERR chakra: late row of ' .. #row .. ' bytes, slot ' .. slot) end
local h = redis.call('GETRANGE', hk, 0, BH - 1)
if #h ~= BH or redis.call('STRLEN', hk) ~= BH + BS * HS then return {0, 0} end
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local C, X, U0, U1 = struct.unpack('<dddd', h)
local UH = string.sub(h, HS + 1, BH)
local inU = slot >= U0 and slot < U1
local sh = UH
if not inU then sh = redis.call('GETRANGE', hk, BH + slot * HS, BH + (slot + 1) * HS - 1) end
local e, q, lt, seen = struct.unpack('<dddd', sh)
if e == 0 or (ttl > 0 and now - seen >= ttl) then return {0, 0} end
local t = struct.unpack('<i8', row, 1)
if t > lt then return {0, lt} end
local function at(s) return (((s - 1) % C) * BS + slot) * RS end
local function rowat(s) return redis.call('GETRANGE', rk, at(s), at(s) + RS - 1) end
local function same(a, b)
  local ma, mb = string.byte(a, 49), string.byte(b, 49)
  for v = 0, 3 do
    local bit = 2 ^ v
    local missa, missb = ma % (2 * bit) >= bit, mb % (2 * bit) >= bit
    if missa ~= missb then return false end
    if not missa then
      local x, y = struct.unpack('<d', a, 9 + 8 * v), struct.unpack('<d', b, 9 + 8 * v)
      if (x ~= x) ~= (y ~= y) then return false end
      if x == x and string.sub(a, 9 + 8 * v, 16 + 8 * v) ~= string.sub(b, 9 + 8 * v, 16 + 8 * v) then return false end
    end
  end
  return true
end
-- The insertion point p: the lowest held row number whose tick is after t.
local held = math.min(q, C)
local lo, p = q - held + 1, q
for s = q, lo, -1 do
  local r = rowat(s)
  local rt = struct.unpack('<i8', r, 1)
  if rt == t then
    if same(r, row) then return {1, lt} end
    return {3, lt}
  elseif rt < t then
    break
  end
  p = s
end
if lt - t > win or (held == C and p == lo) then return {4, lt} end
local us = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
local old = redis.call('SET', KEYS[1], string.format('%.0f', us), 'GET')
local ver = math.max((tonumber(old) or 0) + 1, us)
if ver ~= us then redis.call('SET', KEYS[1], string.format('%.0f', ver)) end
if inU then -- the range's other soldiers keep their state in their own headers
  redis.call('SETRANGE', hk, BH + U0 * HS, string.rep(UH, U1 - U0))
  U0, U1 = 0, 0
end
for s = q, p, -1 do redis.call('SETRANGE', rk, at(s + 1), rowat(s)) end
redis.call('SETRANGE', rk, at(p), row)
redis.call('SETRANGE', hk, BH + slot * HS, struct.pack('<dddd', ver, q + 1, lt, now))
local refresh = ttl > 0 and X - now < ttl
if refresh then X = now + 2 * ttl end
redis.call('SETRANGE', hk, 0, struct.pack('<dddd', C, X, U0, U1) .. UH)
if refresh then
  redis.call('PEXPIREAT', hk, X)
  redis.call('PEXPIREAT', rk, X)
end
return {2, lt}
`
