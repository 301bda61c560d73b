-- Strategic Stagnation: a strategy made no trades over the last `sentinel.sessions` sessions.
-- When the controller (scripts/controller.lua) already loosened its params and it still does
-- not trade, the tuning is not working: a "Strategic Reset" puts its params back to their
-- defaults and clears its state; the Healer then proposes a change proven by replay.
return function(facts)
  local out, n = {}, facts.settings.sessions
  if #facts.sessions < n then return out end
  local activity = facts.strategy_activity or {}
  for _, s in ipairs(facts.strategies) do
    local a = activity[s.name] or {}
    local fills = 0
    for _, day in ipairs(facts.sessions) do
      fills = fills + ((a.fills_by_session or {})[day] or 0)
    end
    if s.enabled and fills == 0 then
      local tuned = (a.control_changes or 0) > 0
      out[#out + 1] = {
        severity = "WARNING",
        symbol = nil,
        message = string.format("Strategic Stagnation: %s made no trades in %d sessions%s",
          s.name, #facts.sessions, tuned and " despite parameter tuning" or ""),
        evidence = { strategy = s.name, file = s.file, sessions = facts.sessions,
          intents = a.intents or 0, control_changes = a.control_changes or 0,
          last_control = a.last_control, params = s.params },
        directive = tuned and { type = "Strategic Reset", strategy = s.name } or nil,
      }
    end
  end
  return out
end
