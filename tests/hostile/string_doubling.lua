-- expect: memory limit exceeded|time limit exceeded
return { on_bar = function(ctx, bar)
  local s = "x"
  while true do s = s .. s end
end }
