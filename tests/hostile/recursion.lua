-- expect: instruction budget exceeded|time limit exceeded
-- Unbounded recursion caught by pcall, again and again.
return { on_bar = function(ctx, bar)
  local function f(n) return f(n + 1) + 1 end
  while true do pcall(f, 1) end
end }
