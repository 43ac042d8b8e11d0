-- wrk script for tests/load/run.sh, scenario "ballots": every request casts (or replaces) a
-- ballot with PUT BALLOT_PATH, as the next of the voters whose access tokens are in the file
-- BALLOT_TOKENS (one per line), giving 1 to 5 of the options in BALLOT_OPTIONS (comma-separated
-- ids) 1 or 2 points each (within the budget of 10). Each wrk thread starts at another voter.
--
-- At the end it prints one line per HTTP status, "status <code>: <count>" (see post.lua).

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

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("offset", counter * 997)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
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
