-- wrk script for the visit submit: each request is a real phone's POST /h/<token>, htmx style.
-- Sessions (cookie, CSRF token from a real page, doors the user may see) are written by
-- submit_load.py into the file named by BENCH_SESSIONS. Every request carries a fresh client_uuid.
-- `-- api` posts the same visit as JSON to /api/v1/visits, as the phone's outbox does (its session cookie and
-- the X-CSRFToken header); `-- baseline` posts the form body to the bare one-INSERT endpoint instead; `-- floor`
-- posts the api JSON to bench/floor.py's POST /floor?user=<the phone's volunteer> (its statements alone);
-- `-- floor_merged` to POST /floor/merged (the same in five statements, PostgreSQL only); `-- floor_bare` to
-- POST /floor/bare (the floor without the trust evidence and its signal).

local sessions = dofile(os.getenv("BENCH_SESSIONS"))
local thread_number = 0
local counter = 0
local mode = "submit"
local prefix = 0
local floors = {floor = "/floor", floor_merged = "/floor/merged", floor_bare = "/floor/bare"}
local modes = {submit = true, api = true, baseline = true}

function setup(thread)
  thread:set("thread_number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  mode = args[1] or "submit"
  if not (modes[mode] or floors[mode]) then
    error("unknown mode: " .. mode)  -- not a silent fall-through to the door page
  end
  math.randomseed(os.time() + thread_number)
  prefix = math.random(0, 0x7fffffff)
  -- Each run starts at a door of its own: from 0, every short run would knock again at the same first few doors.
  counter = math.random(0, 0xffffff)
end

function api_json(client_uuid, door)
  return '{"client_uuid": "' .. client_uuid .. '", "tag": "' .. door .. '", "outcome": "talked", '
    .. '"people_reached": 2, "app_installs": 1, "realname_regs": 1, "miniprogram_regs": 0, '
    .. '"notice_signed": true, "lat": 30.27412, "lon": 120.15513, "accuracy_m": 12}'
end

function request()
  counter = counter + 1
  local session = sessions[(counter % #sessions) + 1]
  local door = session.doors[(math.floor(counter / #sessions) % #session.doors) + 1]
  local client_uuid = string.format("%08x-%04x-4000-8000-%012x", prefix, thread_number, counter)
  if mode == "api" then
    local json = api_json(client_uuid, door)
    local json_headers = {
      ["Content-Type"] = "application/json",
      ["Cookie"] = session.cookie,
      ["X-CSRFToken"] = session.csrf_header,
    }
    return wrk.format("POST", "/api/v1/visits", json_headers, json)
  end
  if floors[mode] then
    local path = floors[mode] .. "?user=" .. session.user
    return wrk.format("POST", path, {["Content-Type"] = "application/json"}, api_json(client_uuid, door))
  end
  local body = "csrf_token=" .. session.csrf .. "&client_uuid=" .. client_uuid
    .. "&outcome=talked&people_reached=2&app_installs=1&realname_regs=1&miniprogram_regs=0"
    .. "&notice_signed=y&lat=30.27412&lon=120.15513&accuracy_m=12"
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = session.cookie,
    ["HX-Request"] = "true",
  }
  local path = mode == "baseline" and "/baseline" or ("/h/" .. door)
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, '
      .. '"timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
