-- wrk script for tests/load/run.sh, scenario "search": each request is the next of a mix of
-- searches (GET /api/v1/search), taken in turn from the file named by SEARCH_PATHS (one path a
-- line): common words, rare words, prefixes, umlauts folded or not, Turkish and Arabic, two
-- words, a kind or consultation filter, a second page. Prints "status <code>: <count>" lines.

local file = os.getenv("SEARCH_PATHS")
if file == nil or file == "" then
   error("SEARCH_PATHS is not set")
end
local paths = {}
for line in io.lines(file) do
   if line ~= "" then
      table.insert(paths, line)
   end
end
if #paths == 0 then
   error("no paths in " .. file)
end

statuses_lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "statuses.lua")
local counter = 0

function setup(thread)
   statuses_lib.track(thread)
end

function init(args)
   statuses_lib.reset()
   counter = math.random(#paths)
end

function request()
   counter = counter % #paths + 1
   return wrk.format("GET", paths[counter])
end

function response(status, headers, body)
   statuses_lib.count(status)
end

function done(summary, latency, requests)
   statuses_lib.report()
end
