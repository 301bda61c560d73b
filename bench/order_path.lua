-- order_path.lua - a strategy for profiling the order path alone (docs/performance.md, "Bar to
-- order with every gate"): every 40th bar it buys one share of the bar's symbol, holding up to
-- 15 symbols and closing the oldest to make room, so that with the default gates its intents
-- pass (none blocked and logged; only a few of the engine's flattens after the close are) while
-- the gates walk 15 positions and the open orders.
--
--   TB_BENCH_GATES=1 TB_BENCH_PART=throughput valgrind --tool=callgrind --toggle-collect=l_buy \
--       build/bench_backtest bench/order_path.lua 120 2
local queue, held = {}, {}
return {
    on_bar = function(ctx, bar)
        ctx.state.n = (ctx.state.n or 0) + 1
        if ctx.state.n % 40 ~= 0 or held[bar.symbol] then return end
        if #queue >= 15 then
            local oldest = table.remove(queue, 1)
            held[oldest] = nil
            ctx:close({ symbol = oldest, reason = "rotate" })
            return
        end
        if ctx:buy({ qty = 1, reason = "bench" }) then
            queue[#queue + 1] = bar.symbol
            held[bar.symbol] = true
        end
    end,
}
