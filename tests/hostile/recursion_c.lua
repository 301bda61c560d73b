-- expect: instruction budget exceeded|time limit exceeded|stack overflow|C stack overflow
-- Recursion through C (pcall inside pcall) to the C-stack limit, in a loop.
return { on_bar = function(ctx, bar)
  local function f() return pcall(f) end
  while true do f() end
end }
