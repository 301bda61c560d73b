-- expect: memory limit exceeded|time limit exceeded
return { on_bar = function(ctx, bar)
  local parts = {}
  for i = 1, 64 do parts[i] = ("z"):rep(1 << 20) end
  while true do pcall(table.concat, parts) end
end }
