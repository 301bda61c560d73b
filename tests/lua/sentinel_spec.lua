-- The Sentinel's shipped rules (scripts/sentinel/*.lua) on hand-made facts, and tb.sentinel.
local tb = require "tb"

local function rule(name) return dofile("scripts/sentinel/" .. name .. ".lua") end

local function facts(over)
  local f = {
    settings = { sessions = 3, missed_move_pct = 1.5, gate_block_pct = 80, drawdown_pct = 5,
      log_growth_mb = 10, initial_cash = 100000 },
    sessions = { "2026-01-02", "2026-01-05", "2026-01-06" },
    strategies = {}, strategy_activity = {}, decisions = {}, pnl = {}, logs = {},
    db = { quick_check = "ok" }, disk_free_mb = 50000,
  }
  for k, v in pairs(over or {}) do f[k] = v end
  return f
end

describe("sentinel rules", function()
  it("stagnation needs a full window and no fills", function()
    local f = facts({ strategies = { { name = "s", file = "strategies/s.lua", enabled = true } } })
    assert.are.equal(1, #rule("stagnation")(f))
    assert.is_nil(rule("stagnation")(f)[1].directive)   -- no tuning yet: no reset
    f.strategy_activity.s = { fills_by_session = { ["2026-01-05"] = 2 } }
    assert.are.equal(0, #rule("stagnation")(f))
    f.sessions = { "2026-01-06" }
    f.strategy_activity = {}
    assert.are.equal(0, #rule("stagnation")(f))          -- too few sessions to judge
  end)

  it("a persistent position difference is an ERROR naming the symbol and quantities", function()
    assert.are.equal(0, #rule("position_difference")(facts({ position_differences = {} })))
    local out = rule("position_difference")(facts({ position_differences = { { symbol = "AAPL",
      engine_qty = 1, broker_qty = 4, since = "2026-03-01T00:00:02.000Z", broker = "alpaca" } } }))
    assert.are.equal(1, #out)
    assert.are.equal("ERROR", out[1].severity)
    assert.are.equal("AAPL", out[1].symbol)
    assert.truthy(out[1].message:find("position difference: AAPL engine 1, broker 4 (alpaca)", 1, true))
  end)

  it("a drawdown past twice the limit is CRITICAL and halves the size", function()
    local out = rule("drawdown")(facts({ pnl = { max_drawdown_pct = 12, max_drawdown = 12000 } }))
    assert.are.equal("CRITICAL", out[1].severity)
    assert.are.same({ type = "reduce_size", factor = 0.5 }, out[1].directive)
    out = rule("drawdown")(facts({ pnl = { max_drawdown_pct = 6 } }))
    assert.are.equal("ERROR", out[1].severity)
    assert.are.equal(0, #rule("drawdown")(facts({ pnl = { max_drawdown_pct = 4 } })))
  end)

  it("a gate blocking most intents over-blocks", function()
    local d = { total = 10, blocked_by_gate = { limits = 9, hours = 1 } }
    local out = rule("gate_overblocking")(facts({ decisions = d }))
    assert.are.equal(1, #out)
    assert.truthy(out[1].message:find("gate limits blocked 9 of 10", 1, true))
  end)

  it("missed opportunities name the symbol, gate and move", function()
    local m = { symbol = "ZZZ", side = "buy", strategy = "s", verdict = "blocked", gate = "limits",
      move_pct = 5 }
    local out = rule("missed_opportunities")(facts({ missed = { m } }))
    assert.are.equal("ZZZ", out[1].symbol)
    assert.truthy(out[1].message:find("blocked by limits) then moved 5.00%", 1, true))
  end)

  it("log growth is judged only against a previous audit", function()
    local l = { file = "trading_bot.log", bytes = 30 * 1048576, previous_bytes = 0, seen_before = false }
    assert.are.equal(0, #rule("log_growth")(facts({ logs = { l } })))
    l.seen_before = true
    assert.are.equal("WARNING", rule("log_growth")(facts({ logs = { l } }))[1].severity)
    local bad = rule("log_growth")(facts({ db = { quick_check = "row 3 missing" } }))
    assert.are.equal("CRITICAL", bad[1].severity)
  end)

  it("schema drift is INFO without a model, ERROR on unknown or moved features, quiet when equal", function()
    assert.are.equal("INFO", rule("schema_drift")(facts())[1].severity)
    local live = { "ret_1", "rsi_14", "vix" }
    local s = { file = "ml_db/models/current/feature_schema.json", live = live,
      schema = { features = { { name = "ret_1" }, { name = "gamma" }, { name = "vix" } } } }
    local out = rule("schema_drift")(facts({ ml_schema = s }))
    assert.are.equal("ERROR", out[1].severity)
    assert.are.same({ "gamma" }, out[1].evidence.missing)
    s.schema.features = { { name = "rsi_14" }, { name = "ret_1" }, { name = "vix" } }
    out = rule("schema_drift")(facts({ ml_schema = s }))
    assert.are.same({ "rsi_14", "ret_1" }, out[1].evidence.moved)
    s.schema.features = { { name = "ret_1" }, { name = "rsi_14" }, { name = "vix" } }
    assert.are.equal(0, #rule("schema_drift")(facts({ ml_schema = s })))
  end)

  it("connectivity and stale data count the incidents", function()
    assert.are.equal(0, #rule("connectivity")(facts({ connectivity = {} })))
    assert.are.equal("WARNING", rule("connectivity")(facts({ connectivity = { "a" } }))[1].severity)
    assert.are.equal("WARNING", rule("stale_data")(facts({ stale_events = { "x" } }))[1].severity)
  end)
end)

describe("tb.sentinel", function()
  it("gathers facts for a date", function()
    local f = tb.sentinel.facts("2026-01-06")
    assert.are.equal("2026-01-06", f.date)
    assert.is_table(f.sessions)
    assert.is_table(f.settings)
    assert.are.equal(3, f.settings.sessions)
  end)
end)
