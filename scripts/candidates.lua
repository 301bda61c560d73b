-- scripts/candidates.lua - how `tradebot candidates` (and the candidate_selection step) ranks
-- the universe. The C screen computes the features of every symbol from its bars and drops those
-- outside `bounds`; score(c) turns the rest into named components whose sum is the score; the
-- best `top` go to data/top_20_day_trading_candidates.csv with each component in its own column.
--
-- c = { symbol, price, prev_close, gap_pct, rel_volume, atr_pct, dollar_volume }
-- (percentages in percent; dollar_volume is the mean daily close * volume of up to 10 sessions)

return {
  top = 20,
  bounds = {
    min_price = 5,              -- no penny stocks
    max_price = 1000,
    min_dollar_volume = 5e6,    -- liquidity: at least $5M traded a day
    min_atr_pct = 0.5,          -- enough range to trade intraday
    max_atr_pct = 20,
    min_sessions = 2,
  },
  components = { "gap", "relvol", "atr" },
  score = function(c)
    return {
      gap = math.min(math.abs(c.gap_pct), 10) * 1.0,        -- gappers in either direction
      relvol = math.min(c.rel_volume, 5) * 2.0,             -- unusual volume
      atr = math.min(c.atr_pct, 10) * 0.5,                  -- room to move
    }
  end,
}
