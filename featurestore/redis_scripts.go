package featurestore

// The Lua scripts of the Redis store. Each runs atomically inside Redis, so a
// frame write (order check for every row, then every append) and a batch
// window read are one round trip each. Numbers cross into Lua as doubles,
// which is why ticks are limited to ±2^53 (checkTick).
//
// Soldiers live in blocks of 128 by id (block ⌊id/128⌋, slot id mod 128).
// A block has two strings:
//
//   - hdr: a 32-byte block header (doubles capacity, expiry of the block's
//     keys in server ms, 0, 0), then per slot a 32-byte soldier header
//     (doubles epoch, seq = rows written in this epoch, last tick, last write
//     in server ms; epoch 0 = never written);
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

// writeScript appends one row per soldier after checking all of them.
//
//	ARGV[1] capacity for new blocks, ARGV[2] TTL ms (0: none), ARGV[3] the
//	version the caller last saw ("0": none), ARGV[4] per row the block
//	index j and slot (two little-endian uint16), ARGV[5] the packed rows
//	(rowSize bytes each)
//
// It returns {1, reply} where reply is three doubles (1 if the version
// before this write was ARGV[3], else 0; the new version; server time in ms)
// followed by three doubles per row (epoch, seq, capacity); or, refusing
// everything, {0, 1-based index of the first offending row, the tick it had
// to exceed}.
const writeScript = `
local RS, HS, BH, BS = 51, 32, 32, 128
local cap, ttl, where, rows = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4], ARGV[5]
local nb, n = (#KEYS - 2) / 2, #where / 4
if nb ~= math.floor(nb) or #rows ~= n * RS or #where ~= n * 4 then
  return redis.error_reply('ERR chakra: ' .. #rows .. ' bytes of rows, ' .. #where .. ' of slots, ' .. #KEYS .. ' keys')
end
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local H, BC, BX, BNEW = {}, {}, {}, {}
for j = 1, nb do
  local h = redis.call('GET', KEYS[1 + 2 * j])
  if h and #h == BH + BS * HS then
    H[j] = h
    BC[j], BX[j] = struct.unpack('<dd', h)
  else
    H[j], BC[j], BX[j], BNEW[j] = false, cap, 0, true
  end
end
-- Pass 1: the state of every soldier (first[j*BS+slot] = index of its first
-- row) and the order check. Nothing is written.
local first, E, Q, T, F, JR, SR = {}, {}, {}, {}, {}, {}, {}
for i = 1, n do
  local j, slot = struct.unpack('<HH', where, (i - 1) * 4 + 1)
  if j < 1 or j > nb or slot >= BS then return redis.error_reply('ERR chakra: row ' .. i .. ' in block ' .. j .. ' slot ' .. slot) end
  JR[i], SR[i] = j, slot
  local id = j * BS + slot
  local f = first[id]
  if f == nil then
    f = i
    first[id] = i
    if H[j] then
      local e, q, lt, seen = struct.unpack('<dddd', H[j], BH + slot * HS + 1)
      if e > 0 and (ttl == 0 or now - seen < ttl) then E[i], Q[i], T[i] = e, q, lt end
    end
    if E[i] == nil then E[i], Q[i], F[i] = 0, 0, true end
  end
  local t = struct.unpack('<i8', rows, (i - 1) * RS + 1)
  if T[f] ~= nil and t <= T[f] then return {0, i, T[f]} end
  T[f] = t
end
-- Pass 2: append, one SETRANGE per run of neighbouring slots on one tick-row.
local old = redis.call('GET', KEYS[1])
local ver = math.max((tonumber(old) or 0) + 1, tonumber(tm[1]) * 1000000 + tonumber(tm[2]))
redis.call('SET', KEYS[1], string.format('%.0f', ver))
for j = 1, nb do
  if BNEW[j] then
    redis.call('DEL', KEYS[1 + 2 * j], KEYS[2 + 2 * j])
    redis.call('SETRANGE', KEYS[1 + 2 * j], BH + BS * HS - 1, '\0')
    redis.call('SADD', KEYS[2], KEYS[1 + 2 * j])
  end
end
local res = {old == ARGV[3] and 1 or 0, ver, now}
local r0, rj, rs0, rlast, rtr = nil, 0, 0, 0, 0
local function flush(i1)
  local blob = rows
  if r0 ~= 1 or i1 ~= n then blob = string.sub(rows, (r0 - 1) * RS + 1, i1 * RS) end
  redis.call('SETRANGE', KEYS[2 + 2 * rj], (rtr * BS + rs0) * RS, blob)
end
for i = 1, n do
  local j, slot = JR[i], SR[i]
  local f = first[j * BS + slot]
  if F[f] then
    F[f] = false
    E[f] = ver
  end
  local q = Q[f] + 1
  Q[f] = q
  local c = BC[j]
  local tr = (q - 1) % c
  if r0 ~= nil and j == rj and slot == rlast + 1 and tr == rtr then
    rlast = slot
  else
    if r0 ~= nil then flush(i - 1) end
    r0, rj, rs0, rlast, rtr = i, j, slot, slot, tr
  end
  res[#res + 1] = E[f]
  res[#res + 1] = q
  res[#res + 1] = c
end
if r0 ~= nil then flush(n) end
-- Headers: one SETRANGE per run of neighbouring written slots.
local MOD = {}
for i = 1, n do
  local j, slot = JR[i], SR[i]
  if first[j * BS + slot] == i then
    MOD[j] = MOD[j] or {}
    MOD[j][slot] = i
  end
end
for j = 1, nb do
  local hk, m = KEYS[1 + 2 * j], MOD[j]
  local s = 0
  while m and s < BS do
    if m[s] then
      local s0, vals = s, {}
      while s < BS and m[s] do
        local f = m[s]
        vals[#vals + 1] = E[f]
        vals[#vals + 1] = Q[f]
        vals[#vals + 1] = T[f]
        vals[#vals + 1] = now
        s = s + 1
      end
      redis.call('SETRANGE', hk, BH + s0 * HS, struct.pack('<' .. string.rep('d', #vals), unpack(vals)))
    else
      s = s + 1
    end
  end
  if BNEW[j] or (ttl > 0 and BX[j] - now < ttl) then
    if ttl > 0 then BX[j] = now + 2 * ttl end
    redis.call('SETRANGE', hk, 0, struct.pack('<dddd', BC[j], BX[j], 0, 0))
    if ttl > 0 then
      redis.call('PEXPIREAT', hk, BX[j])
      redis.call('PEXPIREAT', KEYS[2 + 2 * j], BX[j])
    end
  end
end
local parts = {}
for i = 1, #res, 1500 do
  local k = math.min(i + 1499, #res)
  parts[#parts + 1] = struct.pack('<' .. string.rep('d', k - i + 1), unpack(res, i, k))
end
return {1, table.concat(parts)}
`

// readScript returns the window of each soldier, or only the rows the caller
// does not have yet, or nothing at all if nothing changed.
//
//	ARGV[1] window length n, ARGV[2] TTL ms, ARGV[3] the version the
//	caller's cache reflects for all these soldiers ("0": none), ARGV[4] per
//	soldier its block index j and slot (two little-endian uint16), ARGV[5]
//	per soldier three doubles: epoch, first and last sequence number the
//	caller holds (zeros: nothing)
//
// It returns one string. If the version is still ARGV[3]: two doubles, 1 and
// the server time in ms. Otherwise three doubles (0, server time, version),
// then per soldier a 64-byte header (doubles epoch, seq, k, count, last
// write, capacity, offset, stride; all 0 for a soldier without live rows),
// then the row data. The window is rows seq−k+1 … seq with
// k = min(n, capacity, seq); the reply holds rows seq−count+1 … seq (count < k
// means the caller holds the rest), row number seq−count+1+i at byte
// offset + i·stride of the row data.
const readScript = `
local RS, HS, BH, BS = 51, 32, 32, 128
local n, ttl, where, known = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4], ARGV[5]
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local ver = redis.call('GET', KEYS[1])
if ARGV[3] ~= '0' and ver == ARGV[3] then return struct.pack('<dd', 1, now) end
local nb, m = (#KEYS - 2) / 2, #where / 4
if nb ~= math.floor(nb) or #where ~= m * 4 or #known ~= m * 24 then
  return redis.error_reply('ERR chakra: ' .. #where .. ' bytes of slots, ' .. #known .. ' of cache state, ' .. #KEYS .. ' keys')
end
local H, BC = {}, {}
for j = 1, nb do
  local h = redis.call('GET', KEYS[1 + 2 * j])
  if h and #h == BH + BS * HS then
    H[j], BC[j] = h, struct.unpack('<d', h)
  else
    H[j], BC[j] = false, 0
  end
end
local Ej, Sl, Ee, Eq, Ek, Ea, Es = {}, {}, {}, {}, {}, {}, {}
for i = 1, m do
  local j, slot = struct.unpack('<HH', where, (i - 1) * 4 + 1)
  if j < 1 or j > nb or slot >= BS then return redis.error_reply('ERR chakra: soldier ' .. i .. ' in block ' .. j .. ' slot ' .. slot) end
  Ej[i], Sl[i], Ee[i], Eq[i], Ek[i], Ea[i], Es[i] = j, slot, 0, 0, 0, 1, 0
  if H[j] then
    local e, q, lt, seen = struct.unpack('<dddd', H[j], BH + slot * HS + 1)
    local k = math.min(n, BC[j], q)
    if e > 0 and k >= 1 and (ttl == 0 or now - seen < ttl) then
      local from = q - k + 1
      local ke, klo, khi = struct.unpack('<ddd', known, (i - 1) * 24 + 1)
      local a = from
      if ke == e and klo <= from and khi >= from - 1 and khi <= q then a = khi + 1 end
      Ee[i], Eq[i], Ek[i], Ea[i], Es[i] = e, q, k, a, seen
    end
  end
end
-- Rows: a group is a run of soldiers in neighbouring slots of one block that
-- need the same row numbers; one GETRANGE per row number per group.
local data, dlen, OFF, STR = {}, 0, {}, {}
local i = 1
while i <= m do
  local g = i
  if Ee[i] ~= 0 and Ea[i] <= Eq[i] then
    while g < m and Ee[g + 1] ~= 0 and Ej[g + 1] == Ej[i] and Sl[g + 1] == Sl[g] + 1 and Ea[g + 1] == Ea[i] and Eq[g + 1] == Eq[i] do g = g + 1 end
    local j, c, glen = Ej[i], BC[Ej[i]], g - i + 1
    local pieces, ok = {}, true
    for s = Ea[i], Eq[i] do
      local off = (((s - 1) % c) * BS + Sl[i]) * RS
      local d = redis.call('GETRANGE', KEYS[2 + 2 * j], off, off + glen * RS - 1)
      if #d ~= glen * RS then ok = false break end
      pieces[#pieces + 1] = d
    end
    for p = i, g do
      if ok then
        OFF[p], STR[p] = dlen + (p - i) * RS, glen * RS
      else
        Ee[p] = 0
      end
    end
    if ok then
      for _, d in ipairs(pieces) do data[#data + 1] = d end
      dlen = dlen + #pieces * glen * RS
    end
  end
  i = g + 1
end
local hd = {0, now, tonumber(ver) or 0}
for i = 1, m do
  local o = #hd
  if Ee[i] == 0 then
    hd[o + 1], hd[o + 2], hd[o + 3], hd[o + 4], hd[o + 5], hd[o + 6], hd[o + 7], hd[o + 8] = 0, 0, 0, 0, 0, 0, 0, 0
  else
    local cnt = Eq[i] - Ea[i] + 1
    hd[o + 1], hd[o + 2], hd[o + 3], hd[o + 4], hd[o + 5], hd[o + 6] = Ee[i], Eq[i], Ek[i], cnt, Es[i], BC[Ej[i]]
    hd[o + 7], hd[o + 8] = OFF[i] or 0, STR[i] or 0
  end
end
local parts = {}
for i = 1, #hd, 1500 do
  local k = math.min(i + 1499, #hd)
  parts[#parts + 1] = struct.pack('<' .. string.rep('d', k - i + 1), unpack(hd, i, k))
end
return table.concat(parts) .. table.concat(data)
`

// soldiersScript lists the ids of the soldiers with live rows and forgets
// blocks whose keys expired.
//
//	KEYS[1] the set of block header keys; ARGV[1] TTL ms
//
// It reads the header keys named in the set, which is why they are not
// declared: the store needs a single Redis, not a cluster.
const soldiersScript = `
local HS, BH, BS = 32, 32, 128
local ttl = tonumber(ARGV[1])
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local ids = {}
for _, hk in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local h = redis.call('GET', hk)
  local b = tonumber(string.match(hk, ':(%-?%d+):hdr$'))
  if h and #h == BH + BS * HS and b then
    for slot = 0, BS - 1 do
      local e, _, _, seen = struct.unpack('<dddd', h, BH + slot * HS + 1)
      if e > 0 and (ttl == 0 or now - seen < ttl) then ids[#ids + 1] = b * BS + slot end
    end
  else
    redis.call('SREM', KEYS[1], hk)
  end
end
return ids
`
