package featurestore

// The Lua scripts of the Redis store. Each runs atomically inside Redis, so a
// frame write (order check for every row, then every append) and a batch
// window read are one round trip each. Numbers cross into Lua as doubles,
// which is why ticks are limited to ±2^53 (checkTick).
//
// Per soldier the meta hash holds, under the soldier's ring key as field, a
// 72-byte header of nine little-endian doubles: epoch, seq (rows written in
// this epoch), last tick, last write (server ms), capacity, expiry of the ring
// key (server ms) and three zeros. The padding keeps values above Redis's
// hash-max-listpack-value (64 by default), so the hash stays in its hashtable
// encoding: a listpack is searched linearly, which made reading and writing
// 100 headers several times slower. A soldier whose last write is a TTL or more ago is
// expired: readers ignore it and its next write starts a new epoch.
//
// The version key counts writes: every write sets it to max(version + 1,
// server time in µs), so a version never repeats, not even after Redis lost
// its data. A soldier's epoch is the version of the write that started its
// ring. A client's cached rows of a soldier are valid exactly when epoch and
// seq match, and a client whose cache reflected version V knows nothing
// changed while the version is still V.

// writeScript appends one row per ring key after checking all of them.
//
//	KEYS[1] meta hash, KEYS[2] version, KEYS[3..] ring key of each row
//	ARGV[1] capacity, ARGV[2] TTL ms (0: none), ARGV[3] the version the
//	caller last saw ("0": none), ARGV[4..] one packed row (rowSize bytes) per
//	ring key
//
// It returns {1, reply} where reply is three doubles (1 if the version
// before this write was ARGV[3], else 0; the new version; server time in ms)
// followed by three doubles per row (epoch, seq, capacity); or, refusing
// everything, {0, 1-based index of the first offending row, the tick it had
// to exceed}.
const writeScript = `
local RS, HS = 51, 72
local function packd(t)
  local parts = {}
  for i = 1, #t, 1500 do
    local j = math.min(i + 1499, #t)
    parts[#parts + 1] = struct.pack('<' .. string.rep('d', j - i + 1), unpack(t, i, j))
  end
  return table.concat(parts)
end
local meta, verKey = KEYS[1], KEYS[2]
local cap, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local n = #KEYS - 2
if #ARGV ~= n + 3 then return redis.error_reply('ERR chakra: ' .. (#ARGV - 3) .. ' rows for ' .. n .. ' keys') end
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local hdrs = {}
local i = 1
while i <= n do
  local j = math.min(i + 499, n)
  local part = redis.call('HMGET', meta, unpack(KEYS, i + 2, j + 2))
  for k = 1, #part do hdrs[i + k - 1] = part[k] end
  i = j + 1
end
-- Pass 1: the state of every soldier (first[key] = index of its first row)
-- and the order check. Nothing is written.
local first, E, Q, T, C, X, F = {}, {}, {}, {}, {}, {}, {}
for i = 1, n do
  local key, row = KEYS[i + 2], ARGV[i + 3]
  if #row ~= RS then return redis.error_reply('ERR chakra: row ' .. i .. ' has ' .. #row .. ' bytes') end
  local f = first[key]
  if f == nil then
    f = i
    first[key] = i
    local h = hdrs[i]
    if h and #h == HS then
      local e, q, lt, seen, c, x = struct.unpack('<dddddd', h)
      if ttl == 0 or now - seen < ttl then E[i], Q[i], T[i], C[i], X[i] = e, q, lt, c, x end
    end
    if E[i] == nil then E[i], Q[i], C[i], X[i], F[i] = 0, 0, cap, 0, true end
  end
  local t = struct.unpack('<i8', row)
  local last = T[f]
  if last ~= nil and t <= last then return {0, i, last} end
  T[f] = t
end
-- Pass 2: append.
local old = redis.call('GET', verKey)
local ver = math.max((tonumber(old) or 0) + 1, tonumber(tm[1]) * 1000000 + tonumber(tm[2]))
redis.call('SET', verKey, string.format('%.0f', ver))
local res = {old == ARGV[3] and 1 or 0, ver, now}
local hs = {}
for i = 1, n do
  local key = KEYS[i + 2]
  local f = first[key]
  if F[f] then
    F[f] = false
    E[f] = ver
    redis.call('DEL', key)
  end
  local q = Q[f] + 1
  Q[f] = q
  redis.call('SETRANGE', key, ((q - 1) % C[f]) * RS, ARGV[i + 3])
  if ttl > 0 and X[f] - now < ttl then
    X[f] = now + 2 * ttl
    redis.call('PEXPIREAT', key, X[f])
  end
  res[#res + 1] = E[f]
  res[#res + 1] = q
  res[#res + 1] = C[f]
end
for i = 1, n do
  if first[KEYS[i + 2]] == i then
    hs[#hs + 1] = KEYS[i + 2]
    hs[#hs + 1] = struct.pack('<ddddddddd', E[i], Q[i], T[i], now, C[i], X[i], 0, 0, 0)
    if #hs >= 1000 then redis.call('HSET', meta, unpack(hs)); hs = {} end
  end
end
if #hs > 0 then redis.call('HSET', meta, unpack(hs)) end
if ttl > 0 then redis.call('PEXPIRE', meta, 2 * ttl) end
return {1, packd(res)}
`

// readScript returns the window of each ring key, or only the rows the
// caller does not have yet, or nothing at all if nothing changed.
//
//	KEYS[1] meta hash, KEYS[2] version, KEYS[3..] ring key of each soldier
//	ARGV[1] window length n, ARGV[2] TTL ms, ARGV[3] the version the caller's
//	cache reflects for all these soldiers ("0": none), ARGV[4] per key three
//	doubles: epoch, first and last sequence number the caller holds (zeros:
//	nothing)
//
// It returns one string. If the version is still ARGV[3]: two doubles, 1 and
// the server time in ms. Otherwise three doubles (0, server time, version),
// then per key a 48-byte header (doubles epoch, seq, k, count, last write,
// capacity; all 0 for a soldier without live rows), then per key its count
// packed rows, the rows seq−count+1 … seq. The window is rows seq−k+1 … seq
// with k = min(n, capacity, seq); count < k means the caller holds the rest.
const readScript = `
local RS, HS = 51, 72
local meta, verKey = KEYS[1], KEYS[2]
local n, ttl, known = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4]
local m = #KEYS - 2
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local ver = redis.call('GET', verKey)
if ARGV[3] ~= '0' and ver == ARGV[3] then return struct.pack('<dd', 1, now) end
if #known ~= m * 24 then return redis.error_reply('ERR chakra: ' .. #known .. ' bytes of cache state for ' .. m .. ' keys') end
local hdrs = {}
local i = 1
while i <= m do
  local j = math.min(i + 499, m)
  local part = redis.call('HMGET', meta, unpack(KEYS, i + 2, j + 2))
  for k = 1, #part do hdrs[i + k - 1] = part[k] end
  i = j + 1
end
local hd, data = {0, now, tonumber(ver) or 0}, {}
for i = 1, m do
  local h, e, q, c, seen = hdrs[i], 0, 0, 0, 0
  if h and #h == HS then
    local e1, q1, lt, s1, c1 = struct.unpack('<ddddd', h)
    if ttl == 0 or now - s1 < ttl then e, q, c, seen = e1, q1, c1, s1 end
  end
  local k, cnt = math.min(n, c, q), 0
  if e ~= 0 and k >= 1 then
    local from = q - k + 1
    local ke, klo, khi = struct.unpack('<ddd', known, (i - 1) * 24 + 1)
    local a = from
    if ke == e and klo <= from and khi >= from - 1 and khi <= q then a = khi + 1 end
    cnt = q - a + 1
    if cnt > 0 then
      local key = KEYS[i + 2]
      local sa, sb = (a - 1) % c, (q - 1) % c
      local d
      if sa <= sb then
        d = redis.call('GETRANGE', key, sa * RS, (sb + 1) * RS - 1)
      else
        d = redis.call('GETRANGE', key, sa * RS, c * RS - 1) .. redis.call('GETRANGE', key, 0, (sb + 1) * RS - 1)
      end
      if #d == cnt * RS then data[#data + 1] = d else e = 0 end
    end
  end
  if e == 0 or k < 1 then e, q, k, cnt, seen, c = 0, 0, 0, 0, 0, 0 end
  local o = #hd
  hd[o + 1], hd[o + 2], hd[o + 3], hd[o + 4], hd[o + 5], hd[o + 6] = e, q, k, cnt, seen, c
end
local parts = {}
for i = 1, #hd, 1500 do
  local j = math.min(i + 1499, #hd)
  parts[#parts + 1] = struct.pack('<' .. string.rep('d', j - i + 1), unpack(hd, i, j))
end
return table.concat(parts) .. table.concat(data)
`

// soldiersScript lists the ring keys of soldiers with live rows and forgets
// the headers of expired ones.
//
//	KEYS[1] meta hash; ARGV[1] TTL ms
const soldiersScript = `
local HS = 72
local ttl = tonumber(ARGV[1])
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local keys, dead = {}, {}
for i = 1, #all, 2 do
  local h = all[i + 1]
  local live = false
  if #h == HS then
    local _, _, _, seen = struct.unpack('<dddd', h)
    live = ttl == 0 or now - seen < ttl
  end
  if live then keys[#keys + 1] = all[i] else dead[#dead + 1] = all[i] end
end
for i = 1, #dead, 500 do redis.call('HDEL', KEYS[1], unpack(dead, i, math.min(i + 499, #dead))) end
return keys
`
