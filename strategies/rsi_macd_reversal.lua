-- RSI + MACD reversal: buy an oversold dip once momentum turns up, sell into strength.
-- Long only, one position per symbol, flat before the close.
return {
  name = "rsi_macd_reversal",
  params = {
    oversold = 30,        -- RSI(14) below this arms the entry
    overbought = 65,      -- RSI above this takes profit
    qty = 20,            -- shares per entry
    stop_atr = 2.0,       -- protective exit: this many ATRs below the entry
    exit_minutes = 15,    -- flat this many minutes before the close
  },
  -- What the controller and the Healer may move, never past these bounds (docs/strategy-api.md):
  -- a higher oversold level arms more entries.
  tunable = {
    oversold = { min = 20, max = 40, step = 2, loosen = 1 },
    -- shares per entry: the Healer takes a step down when the account could not hold the size
    qty = { min = 5, max = 20, step = 5, loosen = -1, size = true },
  },

  on_bar = function(ctx, bar)
    local p, ind, s = ctx.params, ctx.ind, ctx.state
    local rsi, hist, atr = ind.rsi, ind.macd_hist, ind.atr
    if not (rsi and hist and atr) then return end -- warming up
    local pos = ctx:position()
    local late = (ctx:minutes_to_close() or 1e9) <= p.exit_minutes
    s.armed = s.armed or {}

    if pos.qty > 0 then
      local stop = pos.avg_price - p.stop_atr * atr
      if late then
        ctx:close{ reason = "session end approaching" }
      elseif rsi > p.overbought then
        ctx:close{ reason = string.format("rsi %.1f > %d: take profit", rsi, p.overbought) }
      elseif bar.close < stop then
        ctx:close{ reason = string.format("close %.2f under stop %.2f (%.1f ATR)",
          bar.close, stop, p.stop_atr) }
      end
      return
    end
    if late or #ctx:orders() > 0 then return end

    if rsi < p.oversold then s.armed[bar.symbol] = true end
    if s.armed[bar.symbol] and hist > 0 then
      s.armed[bar.symbol] = nil
      ctx:buy{ qty = p.qty,
        reason = string.format("rsi was under %d, macd histogram turned up (%.4f), rsi now %.1f",
          p.oversold, hist, rsi) }
    end
  end,
}
