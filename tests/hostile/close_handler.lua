-- expect: instruction budget exceeded|time limit exceeded
-- A to-be-closed variable whose __close loops while the stop unwinds through it.
return { on_bar = function(ctx, bar)
  while true do
    pcall(function()
      local x <close> = setmetatable({}, { __close = function() while true do end end })
      while true do end
    end)
  end
end }
