-- expect: instruction budget exceeded|time limit exceeded
-- A message handler that loops would run after the budget is spent.
return { on_bar = function(ctx, bar)
  while true do
    xpcall(function() while true do end end, function(e) while true do end end)
  end
end }
