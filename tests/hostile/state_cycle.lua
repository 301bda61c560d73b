-- expect: ctx.state a cycle|not plain data and were dropped
return { on_bar = function(ctx, bar)
  local a = { x = 1 }
  a.self = a
  ctx.state.loop = a
end }
