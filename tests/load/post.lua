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

-- Status counts per thread, printed at the end (statuses.lua beside this file).
statuses_lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "statuses.lua")

function setup(thread)
   statuses_lib.track(thread)
end

function init(args)
   statuses_lib.reset()
end

function response(status, headers, body)
   statuses_lib.count(status)
end

function done(summary, latency, requests)
   statuses_lib.report()
end
