-- Shared by the wrk scripts of tests/load/run.sh: counts answers per HTTP status in each wrk
-- thread (each has its own Lua state) and prints "status <code>: <count>" lines at the end, so
-- that a failing request (401, 429, 400 …) shows which one it was; wrk itself only reports
-- "Non-2xx or 3xx responses".
--
--   local statuses = dofile(<this file>)
--   setup(thread): statuses.track(thread); init(args): statuses.reset();
--   response(status, ...): statuses.count(status); done(...): statuses.report()

local M = {}
local threads = {}

function M.track(thread)
   table.insert(threads, thread)
end

function M.reset()
   statuses = {}
end

function M.count(status)
   statuses[status] = (statuses[status] or 0) + 1
end

function M.report()
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

return M
