/*
 * gates.c - the chain: classifies an intent once, runs the gates in their fixed order, counts
 * and names the first block. Files are polled from here; each gate lives in its own file.
 */
#include "risk/risk_priv.h"
#include "log/log.h"
#include "util/clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef int (*gate_check)(tb_risk *, const tb_gate_ctx *, const risk_order *, char *, size_t);

static const struct {
    const char *name;
    gate_check check;
} chain[TB_GATE_COUNT] = {
    [TB_GATE_KILL_SWITCH] = {"kill_switch", risk_kill_switch_check},
    [TB_GATE_HOURS] = {"hours", risk_hours_check},
    [TB_GATE_DAILY_LOSS] = {"daily_loss", risk_daily_loss_check},
    [TB_GATE_SURVIVAL] = {"survival", risk_survival_check},
    [TB_GATE_LIMITS] = {"limits", risk_limits_check},
    [TB_GATE_DAYTRADE] = {"daytrade", risk_daytrade_check},
    [TB_GATE_MARGIN] = {"margin", risk_margin_check},
    [TB_GATE_BUYING_POWER] = {"buying_power", risk_buying_power_check},
};

const char *tb_gate_name(tb_gate_id g)
{
    return g < TB_GATE_COUNT ? chain[g].name : "?";
}

void tb_risk_cfg_defaults(tb_risk_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->enabled = 1;
    c->dt.policy = TB_PDT_LEGACY;
    c->dt.max_day_trades = 3;
    c->dt.window_days = 5;
    c->dt.min_equity = 25000LL * 1000000;
    c->dt.reversal_profit_pct = 3;
    c->dt.keep_last = 1;
    c->margin = TB_MARGIN_REGULATORY;
    c->survival.vix_threshold = 40;
    c->survival.max_age_hours = 24;
    c->survival.stale_is_survival = 1;
    c->limits.max_position_notional = 50000LL * 1000000;
    c->limits.max_open_positions = 20;
    c->limits.max_orders_per_minute = 60;
    c->limits.price_band_pct = 10;
    c->limits.min_price = 1000000;
    c->daily_loss.limit = 5000LL * 1000000;
    c->daily_loss.close_positions = 1;
    c->buying_power = 1;
}

int64_t risk_mtime(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    return (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

tb_risk *tb_risk_new(const tb_risk_cfg *c, const char *home_data, tb_err *e)
{
    tb_risk *r = calloc(1, sizeof *r);
    if (!r) {
        tb_errf(e, "risk: out of memory");
        return NULL;
    }
    r->cfg = *c;
    r->pdt_written_count = -1;
    r->pdt_file_count = -1;
    if (home_data) {
        r->files = 1;
        snprintf(r->macro_path, sizeof r->macro_path, "%s/macro.json", home_data);
        snprintf(r->pdt_path, sizeof r->pdt_path, "%s/pdt_state.json", home_data);
        snprintf(r->kill_path, sizeof r->kill_path, "%s/kill_switch.json", home_data);
        risk_kill_load(r);
        risk_survival_poll(r, 1);
        risk_pdt_load(r);
    }
    return r;
}

void tb_risk_free(tb_risk *r)
{
    free(r);
}

void tb_risk_configure(tb_risk *r, const tb_risk_cfg *c)
{
    r->cfg = *c;
}

void tb_risk_attach(tb_risk *r, oms *m)
{
    r->oms = m;
    /* A switch engaged before a restart cancels what the restored book still has working. */
    if (r->kill.engaged) r->kill.cancels_requested += risk_cancel_all(r, "kill switch");
}

const uint64_t *tb_risk_counts(const tb_risk *r)
{
    return r->blocked;
}

/* What the intent does: its price, the position it meets and whether it closes today's shares. */
void risk_order_make(const tb_gate_ctx *cx, const oms_intent *in, risk_order *o)
{
    memset(o, 0, sizeof *o);
    o->in = in;
    o->last = cx->last_price ? cx->last_price(cx->price_ud, in->symbol) : NAN;
    o->price = in->limit_price  ? tb_money_to_double(in->limit_price)
               : in->stop_price ? tb_money_to_double(in->stop_price)
                                : o->last;
    oms_exposure x = {0, 0, 0};
    const oms_position *p = cx->oms ? oms_position_exposure(cx->oms, in->symbol, &x) : NULL;
    o->position = p;
    o->pos = x.filled;
    o->working_buy = x.working_buy;
    o->working_sell = x.working_sell;
    o->signed_qty = in->side == OMS_BUY ? in->qty : -in->qty;
    int opposite = (o->pos > 0 && in->side == OMS_SELL) || (o->pos < 0 && in->side == OMS_BUY);
    tb_qty apos = o->pos < 0 ? -o->pos : o->pos;
    /* What is left to reduce once the working orders on the same side have filled: 200 sells of
     * 20 against a long of 20 are one exit and 199 short sales, not 200 exits. */
    tb_qty working = in->side == OMS_SELL ? x.working_sell : x.working_buy;
    tb_qty left = opposite && apos > working ? apos - working : 0;
    o->reduces = opposite && in->qty <= left;
    o->opening = in->qty > left ? in->qty - left : 0;
    o->closes_today = opposite && p && p->day == cx->session_day && p->opened_today > 0;
    o->unrealized_pct = NAN;
    if (p && p->qty && p->cost_basis > 0 && isfinite(o->last)) {
        double cost = tb_money_to_double(p->cost_basis);
        double mv = o->last * (double)apos;
        o->unrealized_pct = (p->qty > 0 ? mv - cost : cost - mv) / cost * 100;
    }
}

const risk_book *risk_book_held(const tb_gate_ctx *cx, const risk_order *o)
{
    risk_book *b = o->book;
    if (b->ready || b->held) return b;
    b->n = oms_positions_held(cx->oms, b->p, RISK_BOOK_MAX);
    if (b->n > RISK_BOOK_MAX) b->n = RISK_BOOK_MAX;
    b->held = 1;
    return b;
}

const risk_book *risk_book_get(const tb_gate_ctx *cx, const risk_order *o)
{
    risk_book *b = o->book;
    if (b->ready) return b;
    risk_book_held(cx, o);
    if (cx->positions_last)
        cx->positions_last(cx->price_ud, b->p, b->n, b->last);
    else
        for (int i = 0; i < b->n; i++) b->last[i] = tb_gate_position_last(cx, b->p[i]);
    b->ready = 1;
    return b;
}

int tb_risk_gate(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate, size_t gate_len,
                 char *reason, size_t reason_len)
{
    tb_risk *r = ud;
    if (!r->cfg.enabled) return 0;
    if (cx->cal) r->cal = cx->cal;
    if (cx->session_day) r->dt_day = cx->session_day;
    risk_order o;
    risk_order_make(cx, in, &o);
    o.book = &r->book;
    r->book.ready = r->book.held = 0;
    for (int g = 0; g < TB_GATE_COUNT; g++) {
        if (!chain[g].check(r, cx, &o, reason, reason_len)) continue;
        r->blocked[g]++;
        snprintf(gate, gate_len, "%s", chain[g].name);
        return 1;
    }
    risk_limits_note_order(r, cx->now_ns);
    return 0;
}

void tb_risk_tick(void *ud, const tb_gate_ctx *cx)
{
    tb_risk *r = ud;
    if (cx->cal) r->cal = cx->cal;
    if (cx->session_day) r->dt_day = cx->session_day;
    risk_kill_tick(r); /* the operator's stop holds even with the gates disabled */
    if (!r->cfg.enabled) return;
    risk_daily_loss_tick(r, cx);
    if (r->files) risk_pdt_poll(r, cx);
}

void tb_risk_poll(tb_risk *r, int force)
{
    if (!r->files) return;
    int64_t now = tb_clock_mono_ns();
    if (!force && now - r->last_poll_mono < 1000000000LL) return;
    r->last_poll_mono = now;
    risk_kill_poll(r);
    risk_survival_poll(r, 0);
    risk_pdt_dirty_poll(r);
}

int risk_cancel_all(tb_risk *r, const char *why)
{
    if (!r->oms) return 0;
    const oms_order *open[1024];
    int n = oms_open_orders_all(r->oms, open, 1024), asked = 0;
    static char ids[1024][OMS_CLIENT_ID_MAX + 1];
    if (n > 1024) n = 1024;
    /* Copy the ids first: a cancel confirmed inside the call unlinks the order from the list. */
    for (int i = 0; i < n; i++) snprintf(ids[i], sizeof ids[i], "%s", open[i]->client_id);
    for (int i = 0; i < n; i++) {
        const oms_order *o = oms_find(r->oms, ids[i]);
        if (!o || oms_status_is_terminal(o->status) || o->status == OMS_ST_PENDING_CANCEL) continue;
        tb_err e;
        if (oms_cancel(r->oms, ids[i], &e) != 0) {
            TB_ERROR("risk", "%s: cancel %s failed: %s", why, ids[i], e.msg);
            continue;
        }
        asked++;
        TB_INFO("risk", "%s: cancel requested for %s", why, ids[i]);
    }
    return asked;
}
