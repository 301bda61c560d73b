-- expect: log lines in one call|time limit exceeded
-- needs: engine log
-- Fills the engine's disk and the operator's screen: a million 4 KB lines per bar.
return { on_bar = function(ctx, bar)
  local line = ("y"):rep(4000)
  for i = 1, 1e6 do tb.log.info(line) end
end }
