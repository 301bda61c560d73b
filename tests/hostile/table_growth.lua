-- expect: memory limit exceeded|time limit exceeded|instruction budget exceeded
return { on_bar = function(ctx, bar)
  local t = {}
  for i = 1, 1e9 do t[i] = { i, tostring(i) } end
end }
