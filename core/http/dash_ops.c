/*
 * dash_ops.c - the operator-facing figures of /metrics that docker/prometheus/alerts.yml
 * alerts on and the engine keeps elsewhere: the daily loss limit's halt, reconciliation
 * differences, Healer changes awaiting approval and the home's free disk space.
 */
#include "http/dash_priv.h"
#include "broker/alpaca.h"
#include "broker/ibkr.h"
#include "broker/posdiff.h"
#include "healer/store.h"
#include "home/home.h"
#include "risk/gates.h"

#include <string.h>
#include <sys/statvfs.h>

/* Directives validated on their branch and waiting for an operator's approve (Executed). */
static int healer_pending(void)
{
    tb_err e = {0};
    json_t *root = hl_store_load(&e);
    if (!root) return -1;
    int n = 0;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(root, "directives"), i, d) n +=
        strcmp(hl_status(d), "Executed") == 0;
    json_decref(root);
    return n;
}

/* The reconciliation figures of a live adapter (each names its periodic rounds its own way). */
static void reconcile_snapshot(tb_metrics_snap *s, broker b, uint64_t rounds, uint64_t periodic,
                               uint64_t differences)
{
    s->has_reconcile = 1, s->reconcile_differences = differences;
    s->reconciles = rounds, s->periodic_reconciles = periodic;
    s->position_differences = posdiff_persistent_count(broker_differences(b));
}

void tb_dash_ops_snapshot(tb_dashboard *d, tb_metrics_snap *s)
{
    tb_engine *en = d->en;
    if (en->risk && en->runner_open && en->runner.trader) {
        tb_gate_ctx cx;
        tb_trader_gate_ctx(en->runner.trader, &cx);
        s->has_daily_loss = 1;
        s->daily_loss_halted = tb_risk_daily_loss_hit(en->risk, cx.session_day);
    }
    if (en->alpaca) {
        alpaca_stats as;
        alpaca_stats_get(en->alpaca, &as);
        reconcile_snapshot(s, alpaca_broker(en->alpaca), as.reconciles, as.periodic_reconciles,
                           as.differences);
    } else if (en->ibkr) {
        ibkr_stats is;
        ibkr_stats_get(en->ibkr, &is);
        reconcile_snapshot(s, ibkr_broker(en->ibkr), is.reconciles, is.quiet_reconciles,
                           is.differences);
    }
    s->healer_pending = healer_pending();
    struct statvfs v;
    if (statvfs(tb_home_dir(), &v) == 0) {
        s->has_disk = 1;
        s->disk_free_bytes = (double)v.f_bavail * (double)v.f_frsize;
        s->disk_size_bytes = (double)v.f_blocks * (double)v.f_frsize;
    }
}
