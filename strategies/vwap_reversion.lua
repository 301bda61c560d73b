-- VWAP mean reversion: buy a stretch well below the session VWAP, exit on the way back to it.
return {
  name = "vwap_reversion",
  params = {
    entry_atr = 2.5,      -- distance below VWAP, in ATRs, that counts as stretched
    qty = 20,
    stop_atr = 1.5,       -- further drop, in ATRs, that proves the idea wrong
    min_minutes = 30,     -- skip the noisy first minutes (VWAP is young)
    exit_minutes = 15,
  },
  -- What the controller and the Healer may move, never past these bounds (docs/strategy-api.md):
  -- a smaller stretch counts as stretched sooner.
  tunable = {
    entry_atr = { min = 1.5, max = 3.5, step = 0.25, loosen = -1 },
    -- shares per entry: the Healer takes a step down when the account could not hold the size
    qty = { min = 5, max = 20, step = 5, loosen = -1, size = true },
  },

  on_bar = function(ctx, bar)
    local p, ind = ctx.params, ctx.ind
    local vwap, atr = ind.vwap, ind.atr
    if not (vwap and atr) or atr <= 0 then return end
    local left = ctx:minutes_to_close() or 1e9
    local pos = ctx:position()
    if pos.qty > 0 then
      if left <= p.exit_minutes then
        ctx:close{ reason = "session end approaching" }
      elseif bar.close >= vwap then
        ctx:close{ reason = string.format("back at vwap %.2f", vwap) }
      elseif bar.close < pos.avg_price - p.stop_atr * atr then
        ctx:close{ reason = "stretch kept going: stop" }
      end
      return
    end
    if left <= p.exit_minutes + 30 or left >= 390 - p.min_minutes or #ctx:orders() > 0 then return end
    local stretch = (vwap - bar.close) / atr
    if stretch >= p.entry_atr then
      ctx:buy{ qty = p.qty, reason = string.format("%.1f ATR below vwap %.2f", stretch, vwap) }
    end
  end,
}
