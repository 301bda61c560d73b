-- expect: instruction budget exceeded|time limit exceeded
-- The classic: pcall swallowed the budget error and the engine froze for good.
return { on_bar = function(ctx, bar)
  while true do pcall(function() while true do end end) end
end }
