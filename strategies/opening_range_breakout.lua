-- Opening-range breakout: the high and low of the first minutes of the session define a range;
-- a close above it with volume buys, with a bracket (take profit / stop at the range's other side).
return {
  name = "opening_range_breakout",
  params = {
    range_minutes = 15,   -- minutes after the open that make the range
    min_relvol = 1.2,     -- the breakout bar's volume against its recent average
    reward = 2.0,         -- take profit at this multiple of the range above the entry
    qty = 20,
    exit_minutes = 15,
  },
  -- What the controller and the Healer may move, never past these bounds (docs/strategy-api.md):
  -- a lower volume bar lets more breakouts through.
  tunable = {
    min_relvol = { min = 0.8, max = 2.0, step = 0.1, loosen = -1 },
    -- shares per entry: the Healer takes a step down when the account could not hold the size
    qty = { min = 5, max = 20, step = 5, loosen = -1, size = true },
  },

  on_bar = function(ctx, bar)
    local p, s = ctx.params, ctx.state
    s.day = s.day or {}
    local d = s.day[bar.symbol]
    local day = os.date("!%Y-%m-%d", bar.t)
    if not d or d.date ~= day then
      d = { date = day, high = bar.high, low = bar.low, bars = 0, done = false }
      s.day[bar.symbol] = d
    end
    d.bars = d.bars + 1
    if d.bars <= p.range_minutes then
      d.high, d.low = math.max(d.high, bar.high), math.min(d.low, bar.low)
      return
    end
    local pos = ctx:position()
    if (ctx:minutes_to_close() or 1e9) <= p.exit_minutes then
      if pos.qty ~= 0 then ctx:close{ reason = "session end approaching" } end
      return
    end
    if d.done or pos.qty ~= 0 or #ctx:orders() > 0 then return end
    local relvol = ctx.ind.relvol
    if bar.close > d.high and relvol and relvol >= p.min_relvol then
      local range = d.high - d.low
      d.done = true -- one breakout trade per symbol and day
      ctx:buy{
        qty = p.qty,
        take_profit = bar.close + p.reward * range,
        stop_loss = d.low,
        reason = string.format("close %.2f broke the %d-minute range %.2f-%.2f on %.1fx volume",
          bar.close, p.range_minutes, d.low, d.high, relvol),
      }
    end
  end,
}
