-- expect: instruction budget exceeded|time limit exceeded
-- wrap re-raises, pcall catches: both must let the stop through.
return { on_bar = function(ctx, bar)
  while true do pcall(coroutine.wrap(function() while true do end end)) end
end }
