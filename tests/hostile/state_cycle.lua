-- expect: ctx.state a cycle|state: ok
return { on_bar = function(ctx, bar)
  local a = { x = 1 }
  a.self = a
  ctx.state.loop = a
end }
