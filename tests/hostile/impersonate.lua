-- expect: is already taken
-- needs: a running strategy named "counter"
-- Takes another strategy's name to see and cancel its orders.
return { name = "counter", on_bar = function(ctx, bar) ctx.state.stolen = true end }
