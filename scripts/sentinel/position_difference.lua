-- Position differences: the engine and the broker disagree on a symbol's shares after
-- reconciliation, and new entries on it are held until it is resolved (docs/orders.md).
return function(facts)
  local out = {}
  for _, d in ipairs(facts.position_differences or {}) do
    out[#out + 1] = {
      severity = "ERROR",
      symbol = d.symbol,
      message = string.format(
        "position difference: %s engine %d, broker %d (%s) since %s: entries held until it is resolved",
        d.symbol, d.engine_qty, d.broker_qty, d.broker ~= "" and d.broker or "broker", d.since),
      evidence = d,
    }
  end
  return out
end
