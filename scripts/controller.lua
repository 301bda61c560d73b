-- scripts/controller.lua - adaptive parameter control between sessions (trusted; run by the
-- orchestrator after the close, or by hand: `tradebot lua scripts/controller.lua`).
--
-- A strategy declares what may be tuned beside its params (docs/strategy-api.md):
--   tunable = { min_move_pct = { min = 0.5, max = 6, step = 0.5, loosen = -1 } }
-- loosen is the direction that makes entries easier (-1: lower values trade more). When a
-- strategy made no trades over the last `sentinel.sessions` sessions, each tunable param moves
-- one step in that direction, never past its bound. One change per new session played.
-- The params go to data/strategy_overlay.json, which the running engine watches and applies
-- without restart; every change is one line in logs/control_audit_log.jsonl
-- {t, strategy, param, old, new, why}.

local OVERLAY, AUDIT = "data/strategy_overlay.json", "logs/control_audit_log.jsonl"

local function read_json(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local ok, v = pcall(tb.json.decode, text)
  return ok and v or nil
end

local function write_atomic(path, text)
  local tmp = path .. ".tmp"
  local f = assert(io.open(tmp, "w"))
  f:write(text)
  f:close()
  assert(os.rename(tmp, path))
end

-- What the strategy file declares (params, tunable), read in the strategy sandbox.
local function strategy_table(file)
  return (tb.sentinel.strategy(file))
end

local function fills_in_window(facts, name)
  local a = (facts.strategy_activity or {})[name] or {}
  local n = 0
  for _, day in ipairs(facts.sessions) do n = n + ((a.fills_by_session or {})[day] or 0) end
  return n
end

local function audit(line)
  local f = assert(io.open(AUDIT, "a"))
  line.t = os.date("!%Y-%m-%dT%H:%M:%SZ")
  line.action = "param_change"
  line.by = "controller"
  f:write(tb.json.encode(line), "\n")
  f:close()
end

local function run()
  local facts = tb.sentinel.facts()
  local overlay = read_json(OVERLAY) or {}
  overlay.strategies = overlay.strategies or {}
  local last = facts.sessions[#facts.sessions]
  local changes = 0
  for _, s in ipairs(facts.strategies) do
    local t = s.enabled and strategy_table(s.file)
    local o = overlay.strategies[s.name] or {}
    if t and type(t.tunable) == "table" and #facts.sessions >= facts.settings.sessions
        and fills_in_window(facts, s.name) == 0 and o.last_session ~= last then
      o.params = o.params or {}
      for name, b in pairs(t.tunable) do
        -- a sizing param (size = true) does not make entries easier: left to the Healer
        local old = not b.size and (o.params[name] or (s.params or {})[name] or (t.params or {})[name])
        local dir, step = b.loosen or -1, b.step or 1
        local new = old and math.min(b.max or math.huge, math.max(b.min or -math.huge, old + dir * step))
        if new and new ~= old then
          o.params[name] = new
          changes = changes + 1
          audit({ strategy = s.name, param = name, old = old, new = new,
            why = string.format("no trades in the last %d sessions (to %s): loosen entry by one step",
              #facts.sessions, tostring(last)) })
          print(string.format("%s.%s: %s -> %s", s.name, name, tostring(old), tostring(new)))
        end
      end
      o.last_session = last
      overlay.strategies[s.name] = o
    end
  end
  write_atomic(OVERLAY, tb.json.encode(overlay) .. "\n")
  print(string.format("controller: %d parameter changes", changes))
end

run()
