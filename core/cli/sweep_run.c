/*
 * sweep_run.c - one sweep task in this process (sweep_run.h).
 */
#include "cli/sweep_run.h"
#include "cli/bt_macro.h"
#include "risk/risk_config.h"
#include "trade/gate_chain.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

static void stop_loop(void *ud)
{
    event_base_loopbreak(((tb_bt_macro *)ud)->base);
}

/* The strategy as a configuration entry: the spec's file and symbols, this set's params. */
static void strategy_cfg(const tb_sweep_spec *s, json_t *params, tb_strategy_cfg *sc)
{
    *sc = (tb_strategy_cfg){.file = (char *)s->strategy_path,
                            .enabled = 1,
                            .symbols = s->symbols,
                            .nsymbols = s->nsymbols,
                            .params = params};
}

int tb_sweep_run_task(const tb_config *cfg, const tb_sweep_spec *s, const tb_sweep_plan *p,
                      size_t task, json_t **out, tb_err *e)
{
    size_t set = task / (size_t)p->nseg;
    int seg = (int)(task % (size_t)p->nseg);
    struct event_base *base = event_base_new();
    tb_shost host;
    tb_shost_init_config(&host, cfg);
    /* Nothing that reads the clock: with a wall-clock deadline a strategy call on a loaded node
     * could be stopped for time (and then sit out calls for a while), and the result would
     * depend on the machine's load instead of the spec. The instruction budget, a count that is
     * the same on every machine, still stops a runaway strategy. */
    host.lim.time_limit_ms = 0;
    host.pause_ms = 0;
    tb_risk_cfg rcfg;
    tb_risk_cfg_from_config(cfg, &rcfg);
    tb_risk *risk = tb_risk_new(&rcfg, NULL, e);
    tb_gate_chain gates = {0};
    tb_gate_chain_add(&gates, tb_risk_gate, tb_risk_tick, risk);
    tb_bt_macro bm = {.base = base};
    tb_runner_opts ro;
    tb_sweep_runner_opts(s, &p->seg[seg], &ro);
    ro.base = base, ro.shost = &host;
    ro.gate = tb_gate_chain_fn, ro.gate_tick = tb_gate_chain_tick, ro.gate_ud = &gates;
    ro.on_session_start = tb_bt_macro_session, ro.on_done = stop_loop, ro.ud = &bm;
    tb_runner r;
    memset(&r, 0, sizeof r);
    tb_strategy_cfg sc;
    strategy_cfg(s, json_array_get(s->sets, set), &sc);
    tb_err le;
    int rc = -1;
    *out = NULL;
    if (!risk || tb_bt_macro_open(&bm, cfg, &ro, risk, e) != 0 || tb_runner_open(&r, &ro, e) != 0)
        goto done;
    tb_risk_attach(risk, tb_trader_oms(r.trader));
    if (tb_shost_add(&host, &sc, &le) != 0) { /* a set the strategy refuses: a result */
        *out = tb_sweep_result_failed(task, set, seg, le.msg);
        rc = 0;
        goto done;
    }
    if (tb_runner_start(&r, e) != 0) goto done;
    event_base_dispatch(base);
    tb_report rep;
    tb_report_compute(&r, &rep);
    const tb_strategy *st = host.s[0];
    *out = tb_sweep_result(&r, &rep, task, set, seg,
                           st->disabled ? (st->last_error[0] ? st->last_error : "disabled") : NULL);
    rc = 0;
done:
    tb_runner_close(&r);
    tb_shost_free(&host);
    tb_bt_macro_close(&bm);
    tb_risk_free(risk);
    event_base_free(base);
    return rc;
}
