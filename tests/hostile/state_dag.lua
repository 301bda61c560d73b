-- expect: ctx.state too large|state: ok
-- 30 levels of one table shared twice: 2^30 nodes when serialised naively (2.9 GB seen).
return { on_bar = function(ctx, bar)
  local t = { "leaf" }
  for i = 1, 30 do t = { t, t } end
  ctx.state.dag = t
end }
