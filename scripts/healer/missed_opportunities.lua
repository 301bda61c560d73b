-- Missed opportunities -> a smaller position size. A missed opportunity is a signal of a
-- strategy that a gate blocked and whose symbol then moved in the signal's direction (the
-- Sentinel's rule missed_opportunities). When the gate was buying_power or margin, the signal
-- was right and only its size did not fit the account: the strategy's sizing params, declared
-- tunable with `size = true` (qty = { min = 5, max = 20, step = 5, loosen = -1, size = true }),
-- move one step in their loosen direction (smaller), never past the bound. Signals blocked by
-- other gates (the kill switch, market hours, daily loss, survival mode, day trades, limits)
-- are not a strategy's to fix: nothing is proposed for them. The change goes into
-- config/trading_config.json on a branch and is kept only if a replay of the last sessions is
-- not worse than the baseline (healer.metrics); auto-applicable, being inside the declared
-- bounds. `since` is the first session of the findings: the Healer answers them once, and
-- after a merged change only findings of later sessions (docs/operations.md 4.7).

local SIZING_GATES = { buying_power = true, margin = true }

local function strategy_table(file)
  return (tb.sentinel.strategy(file))
end

-- Missed opportunities per strategy, of the sizing gates only.
local function by_strategy(findings)
  local out = {}
  for _, f in ipairs(findings) do
    local ev = f.evidence or {}
    if f.rule == "missed_opportunities" and ev.strategy and SIZING_GATES[ev.gate] then
      local g = out[ev.strategy] or { n = 0, symbols = {}, gates = {}, severity = f.severity }
      g.n = g.n + 1
      if f.symbol then g.symbols[f.symbol] = true end
      g.gates[ev.gate] = true
      local day = type(ev.t) == "string" and ev.t:sub(1, 10) or nil
      if day and (not g.since or day < g.since) then g.since = day end
      out[ev.strategy] = g
    end
  end
  return out
end

local function keys(t)
  local k = {}
  for name in pairs(t) do k[#k + 1] = name end
  table.sort(k)
  return k
end

local function propose(name, g, ctx)
  local cfg = (ctx.strategies or {})[name]
  local s = cfg and cfg.file and strategy_table(ctx.home .. "/" .. cfg.file)
  if not (s and type(s.tunable) == "table") then return nil end
  local params, why = {}, {}
  for _, p in ipairs(keys(s.tunable)) do
    local t = s.tunable[p]
    local cur = (cfg.params or {})[p] or (s.params or {})[p]
    local dir = t.loosen or -1
    local bound = dir < 0 and t.min or t.max
    if t.size and type(cur) == "number" and type(bound) == "number" and cur ~= bound then
      local new = cur + dir * (t.step or 1)
      if dir < 0 then new = math.max(new, bound) else new = math.min(new, bound) end
      params[p] = new
      why[#why + 1] = string.format("%s %s -> %s", p, tostring(cur), tostring(new))
    end
  end
  if not next(params) then return nil end
  return {
    finding = "missed_opportunities",
    severity = g.severity or "WARNING",
    kind = "param_change",
    target = "config/trading_config.json",
    change = { strategy = name, params = params },
    since = g.since,
    rationale = string.format("%s: %d signal%s blocked by %s (%s) then moved as signalled; "
      .. "a smaller size within the declared bounds: %s", name, g.n, g.n == 1 and "" or "s",
      table.concat(keys(g.gates), ", "), table.concat(keys(g.symbols), ", "),
      table.concat(why, ", ")),
    can_auto_apply = true,
  }
end

return function(findings, ctx)
  local out = {}
  local groups = by_strategy(findings)
  for _, name in ipairs(keys(groups)) do
    out[#out + 1] = propose(name, groups[name], ctx)
  end
  return out
end
