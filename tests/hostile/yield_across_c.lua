-- expect: instruction budget exceeded|time limit exceeded
-- Yields across C boundaries (table.sort's comparator, a metamethod), errors swallowed in a loop.
return { on_bar = function(ctx, bar)
  while true do
    local co = coroutine.wrap(function()
      table.sort({ 3, 2, 1 }, function(a, b) coroutine.yield() return a < b end)
    end)
    pcall(co)
    pcall(coroutine.yield)
  end
end }
