/*
 * sample_run.h - the backtest over sample data that the golden test (test_backtest_golden.c) and
 * the benchmarks (bench_backtest.c, bench_record.c) run: one account, one seed, and one way of
 * handing bars to the trader a session at a time. The golden hashes were taken with these
 * figures: bench_backtest's trades hash and the golden test stay comparable only while both read
 * them from here. Header-only (static inline).
 */
#ifndef TB_TEST_SAMPLE_RUN_H
#define TB_TEST_SAMPLE_RUN_H

#include "config/config.h"
#include "data/calendar.h"
#include "risk/gates.h"
#include "risk/risk_config.h"
#include "trade/gate_chain.h"
#include "trade/runner.h"

/* The runner's options for nsym sample symbols over days days: seed 42, a $10M account, 2 bps of
 * slippage, half a cent a share, positions flattened 5 minutes before the close. */
static inline tb_runner_opts sample_run_opts(struct event_base *base, tb_shost *h, int nsym,
                                             int days)
{
    return (tb_runner_opts){.base = base,
                            .shost = h,
                            .seed = 42,
                            .days = days,
                            .nsymbols = nsym,
                            .initial_cash = 10000000LL * 1000000,
                            .slippage_bps = 2,
                            .commission_per_share = 5000,
                            .flatten_minutes = 5};
}

/* The default configuration's risk gates, added to chain, as `tradebot backtest` runs them. No
 * macro state is fed (tradebot backtest replays a VIX series): survival's stale fail-safe is off,
 * so entries are not all blocked; every other gate judges every intent. cfg is kept by the
 * caller until the risk is freed (the risk configuration may point into it). NULL with e. */
static inline tb_risk *sample_run_gates(tb_config *cfg, tb_gate_chain *chain, tb_err *e)
{
    tb_config_errors errs;
    tb_risk_cfg rc;
    if (tb_config_load("/nonexistent/trading_config.json", 1, cfg, &errs) != 0) {
        tb_errf(e, "gates: %s", errs.msg[0]);
        return NULL;
    }
    tb_risk_cfg_from_config(cfg, &rc);
    rc.survival.stale_is_survival = 0;
    tb_risk *risk = tb_risk_new(&rc, NULL, e);
    if (risk) tb_gate_chain_add(chain, tb_risk_gate, tb_risk_tick, risk);
    return risk;
}

/* 1 when bar b opens a session day other than *day (then *day and *ses are that day's), else 0:
 * the caller starts the session before it hands the bar on, as a live feed does. */
static inline int sample_run_new_day(const tb_cal *cal, const tb_bar *b, tb_date *day,
                                     tb_session *ses)
{
    tb_date d = tb_cal_session_day(b->start_ns);
    if (d == *day) return 0;
    tb_cal_session(cal, d, ses);
    *day = d;
    return 1;
}

#endif
