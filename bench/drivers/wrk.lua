-- The wrk script of the HTTP load driver (drivers/wrk.ts writes its config and reads its output).
--
-- Every response is checked here, cheaply, as it arrives: HTTP 2xx, every `expect` string in
-- the body, no `reject` string, and the JSON-RPC id of the request it answers. A sample of the
-- bodies is written out for drivers/wrk.ts to parse as JSON and check in full.
--
-- Config: one file, named by the BENCH_WRK_CONFIG environment variable (read in every Lua state:
-- wrk's main state, where setup() and done() run, sees no script arguments), of `key value` lines:
--   threads N          wrk's -t (request ids are numbered per thread with this stride)
--   header Name: value one per header
--   body TEXT          the JSON-RPC request; `__ID__` marks the id, `__CURSOR__` the cursor slot
--   ids fixed N | ids numbered
--                      fixed: the body is sent as is and every reply must carry id N;
--                      numbered: each request gets its own id (required inside a legacy session)
--   expect TEXT        a string every good body contains (repeatable)
--   reject TEXT        a string no good body contains (repeatable)
--   list NEEDLE TOTAL  pagination: follow nextCursor until the last page and count NEEDLE over
--                      the pages; a listing is good when it holds TOTAL of them (one connection
--                      per thread, so the thread's cursor is its connection's)
--   server HOST PORT   a server to connect to (repeatable): thread i connects to the i-th, round
--                      robin, instead of the URL's host (the URL still gives the path and Host)
--   out PATH           where done() writes samples and problems
--   samples N          how many bodies each thread keeps for the full check

local config = { headers = {}, expect = {}, reject = {}, servers = {} }

local function read_config(path)
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    local key, value = line:match("^(%S+) (.*)$")
    if key == "header" then
      local name, header_value = value:match("^([^:]+): (.*)$")
      config.headers[name] = header_value
    elseif key == "expect" or key == "reject" then
      table.insert(config[key], value)
    elseif key == "server" then
      local host, port = value:match("^(%S+) (%d+)$")
      table.insert(config.servers, { host = host, port = port })
    elseif key ~= nil then
      config[key] = value
    end
  end
  file:close()
end

-- setup() and done() run in wrk's main Lua state; the rest in each thread's own state.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
  if #config.servers > 0 then
    local server = config.servers[(#threads - 1) % #config.servers + 1]
    thread.addr = wrk.lookup(server.host, server.port)[1]
  end
end

-- Per-thread state (each thread has its own globals).
-- Tables that thread:get() copies out must be flat (strings and numbers only): samples are kept
-- as two parallel lists.
ok, bad, pages, ok_pages, problems, sample_ids, sample_bodies = 0, 0, 0, 0, {}, {}, {}
local seen, keep_samples = 0, 0
local fixed_pattern, head, tail, next_id, stride
local pending = {}
local list_needle, list_total, cursor, listed, listing_pages = nil, 0, nil, 0, 0

local function problem(reason)
  bad = bad + 1
  if #problems < 5 then
    for _, known in ipairs(problems) do
      if known == reason then return end
    end
    table.insert(problems, reason)
  end
end

read_config(assert(os.getenv("BENCH_WRK_CONFIG"), "BENCH_WRK_CONFIG is not set"))

function init()
  wrk.method = "POST"
  -- Added to wrk.headers, which already holds the Host header wrk made from the URL.
  for name, value in pairs(config.headers) do wrk.headers[name] = value end
  keep_samples = tonumber(config.samples or "8")
  stride = tonumber(config.threads or "1")
  next_id = thread_index or 1
  local mode, fixed_id = (config.ids or "fixed 1"):match("^(%S+) ?(%d*)$")
  if config.list ~= nil then
    local needle, total = config.list:match("^(.-) (%d+)$")
    list_needle, list_total = needle, tonumber(total)
    head, tail = config.body:match("^(.-)__CURSOR__(.*)$")
    fixed_pattern = '"id":' .. fixed_id .. '[^%d]'
    request = list_request
  elseif mode == "numbered" then
    head, tail = config.body:match("^(.-)__ID__(.*)$")
    request = numbered_request
  else
    wrk.body = config.body
    fixed_pattern = '"id":' .. fixed_id .. '[^%d]'
  end
end

-- The request line and headers of every request, formatted once; only the body and its length vary.
local prefix
local function with_body(body)
  if prefix == nil then
    local lines = { wrk.method .. " " .. wrk.path .. " HTTP/1.1" }
    for name, value in pairs(wrk.headers) do table.insert(lines, name .. ": " .. value) end
    prefix = table.concat(lines, "\r\n") .. "\r\nContent-Length: "
  end
  return prefix .. #body .. "\r\n\r\n" .. body
end

function numbered_request()
  local id = next_id
  next_id = id + stride
  pending[id] = true
  return with_body(head .. id .. tail)
end

function list_request()
  local slot = cursor == nil and "" or ('"cursor":"' .. cursor .. '",')
  return with_body(head .. slot .. tail)
end

-- Returns the reply's id if it is the one expected, or nil after recording the problem.
local function check_id(body)
  if fixed_pattern ~= nil then
    if body:find(fixed_pattern) == nil then return problem("reply without the request's id") end
    return 0
  end
  local id = tonumber(body:match('"id":(%d+)'))
  if id == nil or not pending[id] then return problem("reply to no pending request id") end
  pending[id] = nil
  return id
end

local function count(body, needle)
  local n, at = 0, 1
  while true do
    at = body:find(needle, at, true)
    if at == nil then return n end
    n, at = n + 1, at + #needle
  end
end

function response(status, headers, body)
  pages = pages + 1
  if status < 200 or status > 299 then return problem("HTTP " .. status .. ": " .. body:sub(1, 120)) end
  local id = check_id(body)
  if id == nil then return end
  for _, text in ipairs(config.reject) do
    if body:find(text, 1, true) then return problem("body contains " .. text .. ": " .. body:sub(1, 160)) end
  end
  for _, text in ipairs(config.expect) do
    if not body:find(text, 1, true) then return problem("body lacks " .. text .. ": " .. body:sub(1, 160)) end
  end
  seen = seen + 1
  if #sample_ids < keep_samples and (seen <= 2 or seen % 997 == 0) then
    table.insert(sample_ids, id)
    table.insert(sample_bodies, body)
  end
  if list_needle == nil then
    ok, ok_pages = ok + 1, ok_pages + 1
    return
  end
  listed, listing_pages = listed + count(body, list_needle), listing_pages + 1
  cursor = body:match('"nextCursor":"([^"\\]*)"')
  if cursor ~= nil then return end
  if listed == list_total then
    ok, ok_pages = ok + 1, ok_pages + listing_pages
  else
    problem("listed " .. listed .. " tools, expected " .. list_total)
  end
  listed, listing_pages = 0, 0
end

function done(summary, latency, requests)
  local out = assert(io.open(config.out, "w"))
  local totals = { ok = 0, bad = 0, pages = 0, ok_pages = 0 }
  for _, thread in ipairs(threads) do
    for key in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
    local ids, bodies = thread:get("sample_ids"), thread:get("sample_bodies")
    for i, body in ipairs(bodies) do
      out:write("sample ", ids[i], " ", #body, "\n", body, "\n")
    end
    for _, reason in ipairs(thread:get("problems")) do
      out:write("problem 0 ", #reason, "\n", reason, "\n")
    end
  end
  local e = summary.errors
  out:write(string.format(
    'summary 0 0\n{"ok":%d,"bad":%d,"pages":%d,"okPages":%d,"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"meanUs":%f,' ..
      '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    totals.ok, totals.bad, totals.pages, totals.ok_pages, summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
  out:close()
end
