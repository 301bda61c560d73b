-- Gate over-blocking: one gate blocked more than sentinel.gate_block_pct of the day's intents.
return function(facts)
  local out, d = {}, facts.decisions or {}
  local total = d.total or 0
  if total < 5 then return out end
  for gate, n in pairs(d.blocked_by_gate or {}) do
    local pct = 100 * n / total
    if pct > facts.settings.gate_block_pct then
      out[#out + 1] = {
        severity = gate == "kill_switch" and "INFO" or "WARNING",
        message = string.format("gate %s blocked %d of %d intents (%.0f%%)", gate, n, total, pct),
        evidence = { gate = gate, blocked = n, intents = total, by_verdict = d.by_verdict },
      }
    end
  end
  return out
end
