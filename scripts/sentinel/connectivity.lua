-- Connectivity incidents: broker or feed disconnects, timeouts and errors since the last audit.
return function(facts)
  local ev = facts.connectivity or {}
  if #ev == 0 then return {} end
  return { {
    severity = #ev >= 5 and "ERROR" or "WARNING",
    message = string.format("%d connectivity incidents since the last audit", #ev),
    evidence = { first = ev[1], last = ev[#ev], count = #ev },
  } }
end
