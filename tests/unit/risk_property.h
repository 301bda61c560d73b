/*
 * risk_property.h - the day-trade budget property: over a random sequence of signals from
 * several strategies (brackets among them, legs live once the parent has filled), fills, partial
 * fills, rejections, cancels (confirmed at once or late,
 * with fills arriving in between) and session changes, the day trades the order manager
 * records in any business-day window never exceed the budget. Used by test_risk_daytrade.c
 * (fixed seed) and bench/bench_risk_property.c (many seeds). Include after risk_fixture.h.
 */
#ifndef RISK_PROPERTY_H
#define RISK_PROPERTY_H

#include <stdint.h>

static uint64_t rp_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int rp_trace; /* 1: print every step (debugging a failing seed) */

static int rp_pick(uint64_t *s, int n)
{
    return (int)(rp_next(s) % (uint64_t)n);
}

/* Expires what is still working at the end of a session, as the paper broker does. */
static void rp_expire_all(fx *f)
{
    const oms_order *open[512];
    int n = oms_open_orders_all(f->m, open, 512);
    char ids[512][OMS_CLIENT_ID_MAX + 1];
    for (int i = 0; i < n && i < 512; i++)
        snprintf(ids[i], sizeof ids[i], "%s", open[i]->client_id);
    for (int i = 0; i < n && i < 512; i++) {
        broker_update u = {.client_id = ids[i], .status = OMS_ST_EXPIRED};
        tb_err e;
        oms_on_update(f->m, &u, &e);
    }
}

static void rp_status(fx *f, const char *id, oms_status st)
{
    broker_update u = {.client_id = id, .status = st, .t_ns = f->cx.now_ns};
    tb_err e;
    oms_on_update(f->m, &u, &e);
}

/* A leg is live once its parent has filled (or ended partly filled), whatever was asked of it
 * meanwhile (a cancel of a held leg does not make it live). */
static int rp_leg_live(fx *f, const oms_order *o)
{
    const oms_order *p = o->leg ? oms_find(f->m, o->parent_id) : NULL;
    return !p || p->status == OMS_ST_FILLED || (oms_status_is_terminal(p->status) && p->filled_qty);
}

/* Bracket legs as a broker handles them: held until the parent has filled (then live), canceled
 * with a parent that ended unfilled; a filled leg cancels its sibling (OCO). A partly filled leg
 * leaves the sibling working, so both legs can close shares. */
static void rp_legs(fx *f)
{
    const oms_order *open[512];
    int n = oms_open_orders_all(f->m, open, 512);
    char ids[512][OMS_CLIENT_ID_MAX + 1];
    oms_status to[512];
    int k = 0;
    for (int i = 0; i < n && i < 512; i++) {
        const oms_order *o = open[i], *p = o->leg ? oms_find(f->m, o->parent_id) : NULL;
        if (!p) continue;
        char sib[OMS_CLIENT_ID_MAX + 1];
        snprintf(sib, sizeof sib, "%s-%s", p->client_id,
                 o->leg == OMS_LEG_TAKE_PROFIT ? "sl" : "tp");
        const oms_order *so = oms_find(f->m, sib);
        if (so && so->status == OMS_ST_FILLED)
            to[k] = OMS_ST_CANCELED;
        else if (o->status != OMS_ST_HELD)
            continue;
        else if (rp_leg_live(f, o))
            to[k] = OMS_ST_ACCEPTED;
        else if (oms_status_is_terminal(p->status))
            to[k] = OMS_ST_CANCELED;
        else
            continue;
        snprintf(ids[k++], sizeof ids[0], "%s", o->client_id);
    }
    for (int i = 0; i < k; i++) rp_status(f, ids[i], to[i]);
}

/*
 * Runs `steps` random steps (a third of the entries are brackets) with policy budget (max day
 * trades `max`, keep_last as given). Returns 0 when the budget held throughout, -1 with what
 * happened in fail.
 */
static int risk_property_run(uint64_t seed, int steps, int max, int keep_last, char *fail,
                             size_t fail_len, int *day_trades_made)
{
    static const char *const syms[] = {"AAA", "BBB", "CCC"};
    static const char *const strats[] = {"s1", "s2", "s3"};
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.dt.policy = TB_PDT_BUDGET;
    c.dt.max_day_trades = max;
    c.dt.keep_last = keep_last;
    c.limits.max_orders_per_minute = 0;
    c.limits.price_band_pct = 0;
    fx_init(&f, &c);
    fx_account(&f, 1e6, 1e9);
    tb_date day = tb_date_from_ymd(2026, 1, 5);
    int minute = 0, rc = 0;
    uint64_t s = seed;
    for (int step = 0; step < steps && rc == 0; step++) {
        int y, mo, d;
        tb_date_to_ymd(day, &y, &mo, &d);
        fx_at(&f, y * 10000 + mo * 100 + d, 9 + (30 + minute) / 60, (30 + minute) % 60);
        f.auto_cancel = rp_pick(&s, 2);
        const oms_order *open[512];
        int nopen = oms_open_orders_all(f.m, open, 512), act = rp_pick(&s, 100);
        if (act < 45) { /* a signal from one of the strategies */
            const char *sym = syms[rp_pick(&s, 3)];
            oms_intent in =
                fx_intent(sym, rp_pick(&s, 2) ? OMS_BUY : OMS_SELL, 1 + rp_pick(&s, 20));
            in.strategy = strats[rp_pick(&s, 3)];
            const oms_position *p = oms_position_get(f.m, sym);
            if (p && p->qty && rp_pick(&s, 2)) { /* often an exact close */
                in.side = p->qty > 0 ? OMS_SELL : OMS_BUY;
                in.qty = p->qty > 0 ? p->qty : -p->qty;
            } else if (rp_pick(&s, 3) == 0) { /* an entry with a take-profit and a stop-loss */
                tb_money px = (tb_money)(fx_price(&f, sym) * 1e6), gap = 5000000;
                in.order_class = OMS_CLASS_BRACKET;
                in.take_profit_limit = in.side == OMS_BUY ? px + gap : px - gap;
                in.stop_loss_stop = in.side == OMS_BUY ? px - gap : px + gap;
            }
            const oms_order *o = fx_submit(&f, &in);
            if (rp_trace)
                fprintf(stderr, "%d intent %s %s %lld %s pos=%lld -> %s %s\n", step, in.strategy,
                        oms_side_name(in.side), (long long)in.qty, sym, (long long)(p ? p->qty : 0),
                        o ? o->client_id : "blocked", f.why);
        } else if (act < 80 && nopen) { /* a fill or a partial fill */
            const oms_order *o = open[rp_pick(&s, nopen < 512 ? nopen : 512)];
            if (o->status == OMS_ST_HELD || o->status == OMS_ST_NEW || !rp_leg_live(&f, o))
                continue; /* not live at the broker */
            tb_qty left = o->qty - o->filled_qty;
            tb_qty q = rp_pick(&s, 3) ? left : 1 + rp_pick(&s, (int)left);
            char id[OMS_CLIENT_ID_MAX + 1];
            snprintf(id, sizeof id, "%s", o->client_id);
            fx_fill(&f, id, q, 90 + rp_pick(&s, 20));
            if (rp_trace)
                fprintf(stderr, "%d fill %s %lld -> dts=%u\n", step, id, (long long)q,
                        oms_get_daytrades(f.m)->count);
        } else if (act < 87 && nopen) {
            const char *id = open[rp_pick(&s, nopen < 512 ? nopen : 512)]->client_id;
            if (rp_trace) fprintf(stderr, "%d reject %s\n", step, id);
            fx_reject(&f, id);
        } else if (act < 95 && nopen) {
            tb_err e;
            char id[OMS_CLIENT_ID_MAX + 1];
            snprintf(id, sizeof id, "%s", open[rp_pick(&s, nopen < 512 ? nopen : 512)]->client_id);
            oms_cancel(f.m, id, &e);
            if (rp_trace) fprintf(stderr, "%d cancel %s auto=%d\n", step, id, f.auto_cancel);
        } else if (act < 97) { /* the next session */
            rp_expire_all(&f);
            day = tb_cal_next_trading_day(&f.cal, day);
            minute = 0;
            if (rp_trace) fprintf(stderr, "%d next day\n", step);
        }
        rp_legs(&f);
        for (int k = 0; k < 3; k++) fx_set_price(&f, syms[k], 90 + rp_pick(&s, 20));
        if (++minute > 360) minute = 360;
        tb_risk_dt_state st;
        tb_risk_dt_get(f.r, &f.cx, &st);
        int ledger = oms_daytrade_count(f.m, st.window_first, st.window_last);
        if (ledger > max || st.count > max)
            rc = snprintf(fail, fail_len, "seed %llu step %d: %d day trades in %d..%d (max %d)",
                          (unsigned long long)seed, step, ledger, st.window_first, st.window_last,
                          max) *
                     0 -
                 1;
    }
    if (day_trades_made) *day_trades_made = (int)oms_get_daytrades(f.m)->count;
    fx_free(&f);
    return rc;
}

#endif
