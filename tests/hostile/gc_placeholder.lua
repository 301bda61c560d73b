-- expect: __gc is not allowed
-- The documented trick: mark for finalization with a placeholder, set the function later.
return { on_bar = function(ctx, bar)
  local mt = { __gc = true }
  setmetatable({}, mt)
  mt.__gc = function() while true do end end
end }
