-- expect: ctx.state too deep|state: ok
-- ctx.state nested deeper than 32 levels.
return { on_bar = function(ctx, bar)
  local t = {}
  ctx.state.deep = t
  for i = 1, 200 do t.next = {}; t = t.next end
end }
