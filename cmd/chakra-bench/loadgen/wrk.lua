-- wrk script for POST /predict: each wrk thread cycles through its own 50
-- soldiers, each soldier's timestamps increasing by one second per request,
-- with readings like the Go load generator's.
--
--   wrk -t2 -c16 -d10s -s detector/httpapi/loadgen/wrk.lua http://127.0.0.1:8000 -- 1
--
-- The argument after -- is the first soldier id (default 1); a second run
-- against the same server needs fresh ids (e.g. -- 1001) or a restart, since
-- the server refuses timestamps not after a soldier's latest (409). wrk
-- spreads a thread's requests over its connections, so two requests of one
-- soldier may race; with 50 soldiers per thread and 8 connections that is
-- rare, and shows up as non-2xx responses.

local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  local first = tonumber(args[1] or "1")
  per = 50
  base = first + tid * per
  start = os.time() - 7 * 24 * 3600
  ts = {}
  hr = {}
  for i = 0, per - 1 do
    ts[i] = start
    hr[i] = 80
  end
  i = 0
  headers = { ["Content-Type"] = "application/json" }
  math.randomseed(1 + tid)
end

function request()
  local k = i
  i = (i + 1) % per
  local t = ts[k]
  ts[k] = t + 1
  hr[k] = hr[k] + 0.1 * (80 - hr[k]) + 2 * (math.random() + math.random() - 1)
  local h = hr[k]
  if math.random() < 0.001 then h = 188 end
  local sta = 75 + 24 * math.sin(2 * math.pi * t / 7200 + k)
  local tc = 37.3 + 0.15 * math.sin(2 * math.pi * t / 10800 + k)
  local body = string.format(
    '{"soldier_id":%d,"heart_rate":%d,"stamina":%.1f,"core_temp":%.2f,"spo2":98,"timestamp":%d}',
    base + k, math.floor(h + 0.5), sta, tc, t)
  return wrk.format("POST", "/predict", headers, body)
end
