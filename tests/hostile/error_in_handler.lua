-- expect: instruction budget exceeded|time limit exceeded
-- A handler that raises again and again ("error in error handling") inside a loop.
return { on_bar = function(ctx, bar)
  local function h(e) error(e) end
  while true do xpcall(function() error("x") end, h) end
end }
