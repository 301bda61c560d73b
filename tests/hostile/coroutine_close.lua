-- expect: instruction budget exceeded|time limit exceeded
-- coroutine.close runs pending __close handlers and returns their error as a value.
return { on_bar = function(ctx, bar)
  while true do
    local co = coroutine.create(function()
      local x <close> = setmetatable({}, { __close = function() while true do end end })
      coroutine.yield()
    end)
    coroutine.resume(co)
    coroutine.close(co)
  end
end }
