-- Strategic Stagnation -> a param_change: the strategy's tunable entry params (declared in its
-- file with bounds and a step, docs/strategy-api.md) are moved halfway from their current value
-- towards the loosening bound, in whole steps. The change goes into config/trading_config.json
-- on a branch and is only kept if a replay of the last sessions trades and is not worse than
-- the baseline (healer.metrics). Can be auto-applied: it stays inside the declared bounds.
-- `since` (the first session the finding covers) lets the Healer answer the finding once: while
-- a fix is merged and the window still holds sessions played before it, nothing new is proposed.

-- What the strategy file declares (params, tunable bounds), read in the strategy sandbox.
local function strategy_table(file)
  return (tb.sentinel.strategy(file))
end

local function first_session(sessions)
  local first
  for _, d in ipairs(sessions or {}) do
    if type(d) == "string" and (not first or d < first) then first = d end
  end
  return first
end

local function propose(finding, home)
  local ev = finding.evidence or {}
  local s = ev.file and strategy_table(home .. "/" .. ev.file)
  if not (s and type(s.tunable) == "table") then return nil end
  local current, params, why = ev.params or {}, {}, {}
  for name, t in pairs(s.tunable) do
    -- sizing params (size = true) are not entry thresholds: missed_opportunities.lua moves them
    local cur = not t.size and (current[name] or (s.params or {})[name])
    local step, dir = t.step or 1, t.loosen or -1
    local bound = dir < 0 and t.min or t.max
    if type(cur) == "number" and bound and cur ~= bound then
      local steps = math.max(1, math.floor(math.abs(bound - cur) / step / 2))
      local new = cur + dir * steps * step
      if dir < 0 then new = math.max(new, t.min) else new = math.min(new, t.max) end
      params[name] = new
      why[#why + 1] = string.format("%s %s -> %s", name, tostring(cur), tostring(new))
    end
  end
  if not next(params) then return nil end
  return {
    finding = finding.rule,
    severity = finding.severity,
    symbol = finding.symbol,
    kind = "param_change",
    target = "config/trading_config.json",
    change = { strategy = ev.strategy, params = params },
    since = first_session(ev.sessions),
    rationale = string.format("%s: no trades in %d sessions; loosen entry within the declared "
      .. "bounds: %s", ev.strategy, #(ev.sessions or {}), table.concat(why, ", ")),
    can_auto_apply = true,
  }
end

return function(findings, ctx)
  local out = {}
  for _, f in ipairs(findings) do
    if f.rule == "stagnation" then out[#out + 1] = propose(f, ctx.home) end
  end
  return out
end
