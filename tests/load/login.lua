-- wrk script for tests/load/run.sh (scenario "signin"): every request is a valid sign-in,
--   POST /api/v1/auth/login  {"email": ..., "password": ...}  (Content-Type: application/json)
-- sent continuously on every connection. The URL given to wrk must be the login URL.
--
-- The credentials come from the environment, not the command line (which other users of the
-- machine could read): LOGIN_EMAIL and LOGIN_PASSWORD.
--
-- At the end it prints one line per HTTP status, "status <code>: <count>", so that a failing
-- sign-in (401 wrong password, 429 rate limit, 400 bad body) shows which one it was; wrk itself
-- only reports "Non-2xx or 3xx responses".

local function env(name)
   local value = os.getenv(name)
   if value == nil or value == "" then
      error(name .. " is not set")
   end
   return value
end

-- A JSON string literal (quotes, backslashes and control characters escaped).
local function json_string(s)
   local escaped = s:gsub('[%c"\\]', function(c)
      if c == '"' then return '\\"' end
      if c == '\\' then return '\\\\' end
      return string.format('\\u%04x', string.byte(c))
   end)
   return '"' .. escaped .. '"'
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = '{"email":' .. json_string(env("LOGIN_EMAIL"))
   .. ',"password":' .. json_string(env("LOGIN_PASSWORD")) .. '}'

-- Status counts: one table per thread (each wrk thread has its own Lua state), summed in done().
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      for code, count in pairs(thread:get("statuses") or {}) do
         total[code] = (total[code] or 0) + count
      end
   end
   local codes = {}
   for code in pairs(total) do
      table.insert(codes, code)
   end
   table.sort(codes)
   for _, code in ipairs(codes) do
      io.write(string.format("status %d: %d\n", code, total[code]))
   end
end
