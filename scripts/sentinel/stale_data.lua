-- Stale data: the engine logged stale bars or quotes since the previous audit.
return function(facts)
  local ev = facts.stale_events or {}
  if #ev == 0 then return {} end
  return { {
    severity = #ev > 10 and "ERROR" or "WARNING",
    message = string.format("%d stale-data events since the last audit", #ev),
    evidence = { first = ev[1], last = ev[#ev], count = #ev },
  } }
end
