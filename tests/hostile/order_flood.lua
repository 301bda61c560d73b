-- expect: time limit exceeded|instruction budget exceeded
-- needs: trader
-- Millions of orders in one bar.
return { on_bar = function(ctx, bar)
  for i = 1, 1e8 do ctx:buy{ qty = 1, reason = "flood " .. i } end
end }
