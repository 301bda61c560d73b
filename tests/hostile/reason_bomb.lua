-- expect: the reason is
-- needs: trader
-- A 2 MB reason, copied by the engine into the decision log and the order on every call.
return { on_bar = function(ctx, bar)
  ctx:buy{ qty = 1, reason = ("x"):rep(2e6) }
end }
