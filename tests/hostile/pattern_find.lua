-- expect: pattern too complex|time limit exceeded
-- Backtracking inside one C call, where no hook fires: seconds per call with stock Lua.
return { on_bar = function(ctx, bar)
  local s = ("a"):rep(22)
  for i = 1, 100 do s:find(("a*"):rep(10) .. "b") end
end }
