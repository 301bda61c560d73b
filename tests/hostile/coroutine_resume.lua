-- expect: instruction budget exceeded|time limit exceeded
-- coroutine.resume returns false instead of raising: a catch point.
return { on_bar = function(ctx, bar)
  while true do
    local co = coroutine.create(function() while true do end end)
    coroutine.resume(co)
  end
end }
