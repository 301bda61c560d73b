-- The Healer's shipped proposers (scripts/healer/*.lua) on hand-made findings, against the
-- shipped strategies' declarations (read with tb.sentinel.strategy, as the Healer does).
_G.tb = require "tb"

local function proposer(name) return dofile("scripts/healer/" .. name .. ".lua") end

local ctx = {
  home = ".",
  strategies = {
    opening_range_breakout = { file = "strategies/opening_range_breakout.lua", params = {} },
    rsi_macd_reversal = { file = "strategies/rsi_macd_reversal.lua", params = { qty = 5 } },
  },
}

local function missed(strategy, gate, symbol, t)
  return { rule = "missed_opportunities", severity = "WARNING", symbol = symbol,
    evidence = { strategy = strategy, gate = gate, symbol = symbol, side = "buy",
      t = t or "2026-01-06T15:00:00Z", move_pct = 3 } }
end

describe("missed_opportunities proposer", function()
  it("a signal blocked by buying power: the size one step down, within bounds", function()
    local out = proposer("missed_opportunities")({
      missed("opening_range_breakout", "buying_power", "BOLT", "2026-01-06T15:00:00Z"),
      missed("opening_range_breakout", "margin", "CRUX", "2026-01-05T15:00:00Z"),
    }, ctx)
    assert.are.equal(1, #out)
    local d = out[1]
    assert.are.equal("param_change", d.kind)
    assert.are.equal("opening_range_breakout", d.change.strategy)
    assert.are.same({ qty = 15 }, d.change.params)   -- 20 -> 15, entry thresholds untouched
    assert.are.equal("2026-01-05", d.since)
    assert.is_true(d.can_auto_apply)
    assert.truthy(d.rationale:find("2 signals blocked by buying_power, margin", 1, true))
  end)

  it("other gates are not a strategy's to fix, and a size at its bound stays", function()
    local p = proposer("missed_opportunities")
    assert.are.same({}, p({ missed("opening_range_breakout", "daytrade", "BOLT") }, ctx))
    assert.are.same({}, p({ missed("opening_range_breakout", "kill_switch", "BOLT") }, ctx))
    assert.are.same({}, p({ missed("rsi_macd_reversal", "buying_power", "BOLT") }, ctx)) -- qty 5
    assert.are.same({}, p({ missed("unknown", "buying_power", "BOLT") }, ctx))
  end)
end)

describe("stagnation proposer", function()
  it("loosens entry thresholds only, never the size", function()
    local out = proposer("stagnation")({ { rule = "stagnation", severity = "WARNING",
      evidence = { strategy = "rsi_macd_reversal", file = "strategies/rsi_macd_reversal.lua",
        sessions = { "2026-01-05", "2026-01-02", "2026-01-06" }, params = {} } } }, ctx)
    assert.are.equal(1, #out)
    assert.are.same({ oversold = 34 }, out[1].change.params)
    assert.are.equal("2026-01-02", out[1].since)
  end)
end)
