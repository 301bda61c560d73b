-- expect: memory limit exceeded
-- One C call asking for a gigabyte, again and again under pcall.
return { on_bar = function(ctx, bar)
  while true do pcall(string.rep, "x", 1e9) end
end }
