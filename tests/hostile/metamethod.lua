-- expect: instruction budget exceeded|time limit exceeded
-- The budget error raised inside an __index metamethod, caught around it.
return { on_bar = function(ctx, bar)
  local t = setmetatable({}, { __index = function(t, k) while true do end end })
  while true do pcall(function() return t.x end) end
end }
