/*
 * task.c - a sweep task's runner options and result (task.h).
 */
#include "sweep/task.h"
#include "trade/report_groups.h"

#include <stdio.h>
#include <string.h>

void tb_sweep_runner_opts(const tb_sweep_spec *s, const tb_sweep_seg *seg, tb_runner_opts *ro)
{
    *ro = (tb_runner_opts){.speed = 0,
                           .seed = s->data_seed,
                           .days = s->days,
                           .nsymbols = s->sample_symbols,
                           .data_dir = s->data_dir,
                           .from = s->from[0] ? s->from : NULL,
                           .to = s->to[0] ? s->to : NULL,
                           .initial_cash = TB_SWEEP_INITIAL_CASH,
                           .slippage_bps = 2,
                           .commission_per_share = 5000,
                           .flatten_minutes = 5,
                           .log_component = "sweep"};
    /* Sample data is always the spec's days from its start, so a segment is the same bars as
     * that stretch of the whole period (else --from and --to would move the generation). */
    if (!s->data_dir) ro->start = s->start, ro->sample_cut_only = 1;
    if (seg) ro->from = seg->from, ro->to = seg->to;
}

static json_t *base(size_t task, size_t set, int seg)
{
    return json_pack("{s:I, s:I, s:i}", "task", (json_int_t)task, "set", (json_int_t)set, "seg",
                     seg);
}

json_t *tb_sweep_result(const tb_runner *r, const tb_report *rep, size_t task, size_t set, int seg,
                        const char *disabled_error)
{
    json_t *o = base(task, set, seg), *eq = json_array();
    size_t nd;
    tb_report_day *d = tb_report_days(r, &nd);
    for (size_t i = 0; i < nd; i++) {
        char ds[16];
        json_array_append_new(
            eq, json_pack("[s, f]", tb_date_fmt(d[i].day, ds, sizeof ds), d[i].equity));
    }
    free(d);
    double ret = rep->start_equity > 0 ? 100.0 * (rep->end_equity / rep->start_equity - 1) : 0;
    json_object_set_new(o, "pnl", json_real(rep->pnl));
    json_object_set_new(o, "return_pct", json_real(ret));
    json_object_set_new(o, "sharpe", json_real(rep->sharpe));
    json_object_set_new(o, "max_drawdown_pct", json_real(100.0 * rep->max_drawdown_pct));
    json_object_set_new(o, "win_rate", json_real(rep->win_rate));
    json_object_set_new(o, "trades", json_integer((json_int_t)rep->trades));
    json_object_set_new(o, "fees", json_real(rep->fees));
    json_object_set_new(o, "end_equity", json_real(rep->end_equity));
    json_object_set_new(o, "sessions", json_integer((json_int_t)nd));
    json_object_set_new(o, "disabled", json_integer(disabled_error != NULL));
    json_object_set_new(o, "error", disabled_error ? json_string(disabled_error) : json_null());
    json_object_set_new(o, "equity", eq);
    return o;
}

json_t *tb_sweep_result_failed(size_t task, size_t set, int seg, const char *error)
{
    json_t *o = base(task, set, seg);
    json_object_set_new(o, "disabled", json_integer(1));
    json_object_set_new(o, "error", json_string(error));
    return o;
}
