-- expect: __gc is not allowed
-- Finalizers run with hooks off: a looping one froze the engine at the next collection.
return { on_bar = function(ctx, bar)
  for i = 1, 100 do setmetatable({}, { __gc = function() while true do end end }) end
end }
