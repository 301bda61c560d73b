-- expect: log: escaped
-- needs: engine log
-- A newline and a terminal escape in a log line and an order reason must not forge log lines.
return { on_bar = function(ctx, bar)
  tb.log.error("hostile\n2026-01-02T00:00:00Z ERROR [engine] FORGED engine line\27[2J")
end }
