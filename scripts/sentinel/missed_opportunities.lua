-- Missed opportunities: a blocked or untaken signal whose symbol then moved more than
-- sentinel.missed_move_pct in the signal's direction before the close.
return function(facts)
  local out = {}
  for _, m in ipairs(facts.missed or {}) do
    out[#out + 1] = {
      severity = "WARNING",
      symbol = m.symbol,
      message = string.format("missed opportunity: %s %s by %s (%s%s) then moved %.2f%%",
        m.side, m.symbol, m.strategy or "?", m.verdict or "?", m.gate and (" by " .. m.gate) or "",
        m.move_pct),
      evidence = m,
    }
  end
  return out
end
