-- expect: memory limit exceeded|time limit exceeded
return { on_bar = function(ctx, bar)
  local s = ("y"):rep(1000)
  while true do s = string.format("%s%s%s", s, s, s) end
end }
