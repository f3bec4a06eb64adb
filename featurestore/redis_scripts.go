package featurestore

// The Lua scripts of the Redis store. Each runs atomically inside Redis, so a
// frame write (order check for every row, then every append) and a batch
// window read are one round trip each. Numbers cross into Lua as doubles,
// which is why ticks are limited to ±2^53 (checkTick).
//
// Per soldier the meta hash holds a 48-byte header, six little-endian
// doubles: epoch, seq (rows ever written in this epoch), last tick, last
// write (server ms), capacity, expiry of the ring key (server ms). A soldier
// whose last write is a TTL or more ago is expired: readers ignore it and its
// next write starts a new epoch. The epoch is max(previous epoch counter + 1,
// server time in µs), so it never repeats, not even after Redis lost its data:
// a client's cached rows are valid exactly when epoch and seq match.

// writeScript appends one row per key after checking all of them.
//
//	KEYS[1] meta hash, KEYS[2] epoch counter, KEYS[3..] ring key of each row
//	ARGV[1] capacity, ARGV[2] TTL ms (0: none), ARGV[3] length of the
//	ring-key prefix (the rest of a ring key is the soldier id), ARGV[4] the
//	packed rows, rowSize bytes each, in KEYS order
//
// It returns {1, epoch..seq per row as two doubles} or, refusing everything,
// {0, 1-based index of the first offending row, the tick it had to exceed}.
const writeScript = `
local RS, HS = 51, 48
local meta, epochKey = KEYS[1], KEYS[2]
local cap, ttl, plen, rows = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local n = #KEYS - 2
if #rows ~= n * RS then return redis.error_reply('ERR chakra: ' .. #rows .. ' bytes of rows for ' .. n .. ' keys') end
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local nowus = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
local fields, hdrs = {}, {}
for i = 1, n do fields[i] = string.sub(KEYS[i + 2], plen + 1) end
local i = 1
while i <= n do
  local j = math.min(i + 499, n)
  local part = redis.call('HMGET', meta, unpack(fields, i, j))
  for k = 1, #part do hdrs[i + k - 1] = part[k] end
  i = j + 1
end
local st, order = {}, {}
for i = 1, n do
  local f = fields[i]
  local s = st[f]
  if s == nil then
    s = {}
    local h = hdrs[i]
    if h and #h == HS then
      local e, q, lt, seen, c, x = struct.unpack('<dddddd', h)
      if ttl == 0 or now - seen < ttl then s.e, s.q, s.t, s.c, s.x = e, q, lt, c, x end
    end
    if s.e == nil then s.e, s.q, s.c, s.x, s.fresh = 0, 0, cap, 0, true end
    st[f] = s
    order[#order + 1] = f
  end
  local t = struct.unpack('<i8', rows, (i - 1) * RS + 1)
  if s.t ~= nil and t <= s.t then return {0, i, s.t} end
  s.t = t
end
local out = {}
for i = 1, n do
  local s, key = st[fields[i]], KEYS[i + 2]
  if s.fresh then
    s.fresh = false
    local c = tonumber(redis.call('GET', epochKey) or '0')
    s.e = math.max(c + 1, nowus)
    redis.call('SET', epochKey, string.format('%.0f', s.e))
    redis.call('DEL', key)
  end
  s.q = s.q + 1
  redis.call('SETRANGE', key, ((s.q - 1) % s.c) * RS, string.sub(rows, (i - 1) * RS + 1, i * RS))
  if ttl > 0 and s.x - now < ttl then
    s.x = now + 2 * ttl
    redis.call('PEXPIREAT', key, s.x)
  end
  out[i] = struct.pack('<dd', s.e, s.q)
end
local hs = {}
for _, f in ipairs(order) do
  local s = st[f]
  hs[#hs + 1] = f
  hs[#hs + 1] = struct.pack('<dddddd', s.e, s.q, s.t, now, s.c, s.x)
  if #hs >= 1000 then redis.call('HSET', meta, unpack(hs)); hs = {} end
end
if #hs > 0 then redis.call('HSET', meta, unpack(hs)) end
if ttl > 0 then redis.call('PEXPIRE', meta, 2 * ttl) end
return {1, table.concat(out)}
`

// readScript returns the window of each key, or only the rows the caller
// does not have yet.
//
//	KEYS[1] meta hash, KEYS[2..] ring key of each soldier
//	ARGV[1] window length n, ARGV[2] TTL ms, ARGV[3] length of the ring-key
//	prefix, ARGV[4] per key three doubles: epoch, first and last sequence
//	number the caller holds (zeros: nothing)
//
// It returns one string: per key a 32-byte header (doubles epoch, seq, k,
// count; all 0 for a soldier without live rows) and count packed rows, the
// rows seq−count+1 … seq. The window is rows seq−k+1 … seq with
// k = min(n, capacity, seq); count < k means the caller holds the rest.
const readScript = `
local RS, HS = 51, 48
local meta = KEYS[1]
local n, ttl, plen, known = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local m = #KEYS - 1
if #known ~= m * 24 then return redis.error_reply('ERR chakra: ' .. #known .. ' bytes of cache state for ' .. m .. ' keys') end
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local fields, hdrs = {}, {}
for i = 1, m do fields[i] = string.sub(KEYS[i + 1], plen + 1) end
local i = 1
while i <= m do
  local j = math.min(i + 499, m)
  local part = redis.call('HMGET', meta, unpack(fields, i, j))
  for k = 1, #part do hdrs[i + k - 1] = part[k] end
  i = j + 1
end
local none = struct.pack('<dddd', 0, 0, 0, 0)
local out = {}
for i = 1, m do
  local h, e, q, c = hdrs[i], 0, 0, 0
  if h and #h == HS then
    local e1, q1, lt, seen, c1 = struct.unpack('<ddddd', h)
    if ttl == 0 or now - seen < ttl then e, q, c = e1, q1, c1 end
  end
  local k = math.min(n, c, q)
  if e == 0 or k < 1 then
    out[#out + 1] = none
  else
    local from = q - k + 1
    local ke, klo, khi = struct.unpack('<ddd', known, (i - 1) * 24 + 1)
    local a = from
    if ke == e and klo <= from and khi >= from - 1 and khi <= q then a = khi + 1 end
    local data = ''
    if a <= q then
      local key = KEYS[i + 1]
      local sa, sb = (a - 1) % c, (q - 1) % c
      if sa <= sb then
        data = redis.call('GETRANGE', key, sa * RS, (sb + 1) * RS - 1)
      else
        data = redis.call('GETRANGE', key, sa * RS, c * RS - 1) .. redis.call('GETRANGE', key, 0, (sb + 1) * RS - 1)
      end
    end
    if #data ~= (q - a + 1) * RS then
      out[#out + 1] = none
    else
      out[#out + 1] = struct.pack('<dddd', e, q, k, q - a + 1)
      out[#out + 1] = data
    end
  end
end
return table.concat(out)
`

// soldiersScript lists the soldiers with live rows and forgets the headers
// of expired ones.
//
//	KEYS[1] meta hash; ARGV[1] TTL ms
const soldiersScript = `
local HS = 48
local ttl = tonumber(ARGV[1])
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local ids, dead = {}, {}
for i = 1, #all, 2 do
  local h = all[i + 1]
  local live = false
  if #h == HS then
    local _, _, _, seen = struct.unpack('<dddd', h)
    live = ttl == 0 or now - seen < ttl
  end
  if live then ids[#ids + 1] = all[i] else dead[#dead + 1] = all[i] end
end
for i = 1, #dead, 500 do redis.call('HDEL', KEYS[1], unpack(dead, i, math.min(i + 499, #dead))) end
return ids
`
