-- wrk script for tests/load/run.sh: every request is the same POST of a JSON body, sent
-- continuously on every connection (scenario "signin": valid sign-ins to
-- POST /api/v1/auth/login; scenario "comments": new comments by one signed-in reader).
--
-- The body and the optional bearer token come from the environment, not the command line
-- (which other users of the machine could read): POST_BODY and POST_TOKEN.
--
-- At the end it prints one line per HTTP status, "status <code>: <count>", so that a failing
-- request (401, 429, 400 …) shows which one it was; wrk itself only reports "Non-2xx or 3xx
-- responses".

local function env(name)
   local value = os.getenv(name)
   if value == nil or value == "" then
      error(name .. " is not set")
   end
   return value
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = env("POST_BODY")
local token = os.getenv("POST_TOKEN")
if token ~= nil and token ~= "" then
   wrk.headers["Authorization"] = "Bearer " .. token
end

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
