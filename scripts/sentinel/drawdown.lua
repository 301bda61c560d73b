-- Drawdown breach: the window's realized drawdown passed sentinel.drawdown_pct of the initial
-- cash. Past twice the limit it is CRITICAL (the Healer acts at the next orchestrator run) and
-- the bot is asked to halve its size.
return function(facts)
  local p, limit = facts.pnl or {}, facts.settings.drawdown_pct
  local dd = p.max_drawdown_pct or 0
  if limit <= 0 or dd <= limit then return {} end
  local critical = dd > 2 * limit
  return { {
    severity = critical and "CRITICAL" or "ERROR",
    message = string.format("drawdown %.2f%% over %d sessions breaches the %.2f%% limit", dd,
      #facts.sessions, limit),
    evidence = { max_drawdown = p.max_drawdown, max_drawdown_pct = dd, pnl = p.by_session },
    directive = critical and { type = "reduce_size", factor = 0.5 } or nil,
  } }
end
