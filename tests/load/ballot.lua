-- wrk script for tests/load/run.sh, scenario "ballots": every request casts (or replaces) a
-- ballot with PUT BALLOT_PATH, as the next of the voters whose access tokens are in the file
-- BALLOT_TOKENS (one per line), giving 1 to 5 of the options in BALLOT_OPTIONS (comma-separated
-- ids) 1 or 2 points each (within the budget of 10). Each wrk thread starts at another voter.
--
-- At the end it prints one line per HTTP status, "status <code>: <count>" (statuses.lua).

local function env(name)
   local value = os.getenv(name)
   if value == nil or value == "" then
      error(name .. " is not set")
   end
   return value
end

local path = env("BALLOT_PATH")
local tokens = {}
for line in io.lines(env("BALLOT_TOKENS")) do
   if line ~= "" then
      table.insert(tokens, line)
   end
end
local options = {}
for id in string.gmatch(env("BALLOT_OPTIONS"), "%d+") do
   table.insert(options, id)
end

-- Status counts per thread, printed at the end (statuses.lua beside this file).
statuses_lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "statuses.lua")
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("offset", counter * 997)
   statuses_lib.track(thread)
end

function init(args)
   statuses_lib.reset()
   next_voter = offset or 0
   math.randomseed(next_voter)
end

function request()
   next_voter = next_voter + 1
   local token = tokens[(next_voter % #tokens) + 1]
   local parts = {}
   local used = {}
   for _ = 1, math.random(1, 5) do
      local option = options[math.random(1, #options)]
      if not used[option] then
         used[option] = true
         table.insert(parts, string.format('{"option_id":%s,"points":%d}', option, math.random(1, 2)))
      end
   end
   local body = '{"allocations":[' .. table.concat(parts, ",") .. ']}'
   return wrk.format("PUT", path, {
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
   }, body)
end

function response(status, headers, body)
   statuses_lib.count(status)
end

function done(summary, latency, requests)
   statuses_lib.report()
end
