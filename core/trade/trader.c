/*
 * trader.c - the trader's lifecycle (new, free, sessions) and the bar path: indicators, the
 * paper exchange, the ML hook, strategies, then the session-end flatten and the gates' tick.
 * Order events and P&L are in trader_fills.c, the gates in trader_gate.c.
 */
#include "trade/trader.h"
#include "trade/trader_priv.h"
#include "trade/trader_state.h"
#include "ml/ml.h"
#include "util/grow.h"

#include <math.h>
#include <stdlib.h>

#define RECENT_BARS 512 /* per symbol: a session of minutes and some */

static sym_state *sym_of(tb_trader *t, uint32_t id)
{
    sym_state *ns = tb_grow_zeroed(t->sym, &t->nsym, id, sizeof *ns);
    if (!ns) return NULL;
    t->sym = ns;
    sym_state *s = &t->sym[id];
    if (!s->ready) {
        ind_set_params p;
        ind_set_defaults(&p);
        tb_err e;
        s->ind = ind_set_new(&p);
        if (!s->ind || tb_ring_init(&s->bars, RECENT_BARS, &e) != 0) {
            ind_set_free(s->ind); /* made again when the symbol is next asked for */
            s->ind = NULL;
            return NULL;
        }
        s->last = NAN; /* no bar yet (tb_trader_prepare makes the state before the first) */
        s->ready = 1;
    }
    return s;
}

void tb_trader_prepare(tb_trader *t, uint32_t nsym)
{
    for (uint32_t id = 0; id < nsym; id++) {
        sym_of(t, id); /* a failure is retried at its bar */
        oms_warm_symbol(t->oms, tb_symtab_name(t->o.syms, id));
    }
}

/* The paper broker asks on every order: inside the current session's day (as session_id below
 * finds it) the session's own bounds answer without the calendar's time-zone arithmetic. */
static int market_open(void *ud, int64_t t_ns)
{
    tb_trader *t = ud;
    if (t->in_session && t_ns >= t->session.pre_open_ns && t_ns < t->session.post_close_ns)
        return t_ns >= t->session.open_ns && t_ns < t->session.close_ns;
    return tb_cal_is_open(t->o.cal, t_ns, 0);
}

broker tb_trader_broker(tb_trader *t)
{
    return t->ext.vt ? t->ext : paper_broker(t->paper);
}

double tb_trader_last_price_of(const tb_trader *t, const char *symbol)
{
    int64_t id = tb_symtab_find(t->o.syms, symbol);
    return id >= 0 && (uint32_t)id < t->nsym && t->sym[id].ready ? t->sym[id].last : NAN;
}

const tb_ring *tb_trader_symbol_bars(const tb_trader *t, const char *symbol)
{
    int64_t id = tb_symtab_find(t->o.syms, symbol);
    return id >= 0 && (uint32_t)id < t->nsym && t->sym[id].ready && t->sym[id].bars.len
               ? &t->sym[id].bars
               : NULL;
}

/* --- lifecycle ------------------------------------------------------------------------------ */

tb_trader *tb_trader_new(const tb_trader_opts *o, tb_err *e)
{
    tb_trader *t = calloc(1, sizeof *t);
    if (!t) {
        tb_errf(e, "trader: out of memory");
        return NULL;
    }
    t->o = *o;
    t->cur_sym = -1;
    tb_admit_init(&t->admit, o->reject_hold_minutes);
    paper_config pc = o->paper;
    if (!pc.market_open_fn) {
        pc.market_open_fn = market_open;
        pc.market_open_ud = t;
    }
    oms_config oc = {.max_orders = 65536, .max_symbols = 4096, .max_execs = 1 << 18};
    if (!(t->paper = paper_new(&pc, e)) || !(t->oms = oms_new(&oc, e))) {
        tb_trader_free(t);
        return NULL;
    }
    t->npos_sym = oms_position_slots(t->oms);
    if (!(t->pos_sym = malloc(t->npos_sym * sizeof *t->pos_sym))) {
        tb_errf(e, "trader: out of memory");
        tb_trader_free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < t->npos_sym; i++) t->pos_sym[i] = -1;
    broker b = paper_broker(t->paper);
    if (o->make_broker) {
        if (o->make_broker(o->broker_ud, t->oms, &t->ext, e) != 0) {
            tb_trader_free(t);
            return NULL;
        }
        b = t->ext;
    }
    if (o->tap && o->tap->wrap_broker) o->tap->wrap_broker(o->tap->ud, &b);
    oms_set_broker(t->oms, b);
    if (broker_connect(b, e) != 0) {
        tb_trader_free(t);
        return NULL;
    }
    if (o->journal.save_orders || o->journal.save_fill) oms_set_journal(t->oms, &o->journal);
    oms_set_listener(t->oms, tb_trader_on_oms_event, t);
    o->shost->ctx_init = tb_trader_ctx_init;
    o->shost->ctx_bar = tb_trader_ctx_bar;
    o->shost->ctx_other = tb_trader_ctx_other;
    o->shost->ctx_ud = t;
    return t;
}

void tb_trader_free(tb_trader *t)
{
    if (!t) return;
    for (uint32_t i = 0; i < t->nsym; i++)
        if (t->sym[i].ready) {
            ind_set_free(t->sym[i].ind);
            tb_ring_free(&t->sym[i].bars);
        }
    free(t->sym);
    free(t->trades);
    free(t->seeds);
    free(t->pos_sym);
    oms_free(t->oms);
    paper_free(t->paper);
    free(t);
}

oms *tb_trader_oms(tb_trader *t)
{
    return t->oms;
}

uint64_t tb_trader_invariant_violations(tb_trader *t)
{
    return oms_invariant_violations(t->oms) + paper_invariant_violations(t->paper);
}

void tb_trader_session_start(tb_trader *t, const tb_session *s)
{
    t->session = *s;
    t->in_session = 1;
    t->session_ymd = tb_cal_session_yyyymmdd(s->open_ns);
    t->gate_session_ok = tb_cal_session(t->o.cal, tb_cal_session_day(s->open_ns), &t->gate_session);
    oms_set_session_day(t->oms, t->session_ymd);
}

void tb_trader_session_end(tb_trader *t, const tb_session *s)
{
    if (!t->ext.vt) paper_end_session(t->paper);
    t->in_session = 0;
    t->gate_session_ok = 0;
}

/* The session a bar belongs to, as the indicator set's session id (VWAP restarts with it). */
static long session_id(const tb_trader *t, const tb_bar *bar)
{
    if (t->in_session && bar->start_ns >= t->session.pre_open_ns &&
        bar->start_ns < t->session.post_close_ns)
        return t->session.date;
    return tb_cal_session_day(bar->start_ns);
}

void tb_trader_warm(tb_trader *t)
{
    oms_warm(t->oms, 4); /* orders a bar may send before the next call: a bracket is three */
    if (t->paper) paper_warm(t->paper, 4);
}

void tb_trader_on_bar(tb_trader *t, const tb_bar *bar)
{
    sym_state *s = sym_of(t, bar->sym);
    if (!s) return;
    t->bar_ns = bar->start_ns;
    if (bar->start_ns <= t->resume_ns) { /* seen before the restart: warm up only */
        ind_set_update(s->ind, bar->open, bar->high, bar->low, bar->close, bar->volume,
                       session_id(t, bar));
        tb_ring_push(&s->bars, bar);
        s->last = bar->close;
        if (t->o.ml) {
            tb_ml_bar mb = {.sym = bar->sym,
                            .symbol = sym_name(t, (int32_t)bar->sym),
                            .bar = bar,
                            .ind = s->ind,
                            .bars = &s->bars,
                            .warmup = 1};
            tb_ml_on_bar(t->o.ml, &mb);
        }
        return;
    }
    t->st.bars++;
    t->now_ns = tb_bar_end_ns(bar);
    t->st.last_ns = t->now_ns;
    if (ind_set_update(s->ind, bar->open, bar->high, bar->low, bar->close, bar->volume,
                       session_id(t, bar)) < 0)
        return; /* a non-finite bar is counted by the set and never reaches strategies */
    tb_ring_push(&s->bars, bar);
    s->last = bar->close;
    const char *name = sym_name(t, (int32_t)bar->sym);
    tb_money o, h, l, c;
    tb_err e;
    if (tb_money_from_double(bar->open, PRICE_TICK, &o, &e) == 0 &&
        tb_money_from_double(bar->high, PRICE_TICK, &h, &e) == 0 &&
        tb_money_from_double(bar->low, PRICE_TICK, &l, &e) == 0 &&
        tb_money_from_double(bar->close, PRICE_TICK, &c, &e) == 0 && !t->ext.vt) {
        if (paper_on_bar(t->paper, name, o, h, l, c, (tb_qty)bar->volume, bar->start_ns, &e) != 0)
            t->st.errors++;
    }
    t->cur_sym = (int32_t)bar->sym;
    if (t->o.ml) {
        tb_ml_bar mb = {.sym = bar->sym,
                        .symbol = name,
                        .bar = bar,
                        .ind = s->ind,
                        .bars = &s->bars,
                        .session_close_ns = t->in_session ? t->session.close_ns : 0};
        tb_ml_on_bar(t->o.ml, &mb);
    }
    tb_bar_view view = {.symbol = name,
                        .t_ns = bar->start_ns,
                        .open = bar->open,
                        .high = bar->high,
                        .low = bar->low,
                        .close = bar->close,
                        .volume = bar->volume,
                        .seq = (int64_t)t->st.bars,
                        .symbol_key = bar->sym + 1};
    tb_admit_tick(&t->admit, t->now_ns);
    tb_shost_on_bar(t->o.shost, &view);
    tb_trader_flatten_if_late(t, bar);
    t->cur_sym = -1;
    if (t->o.gate_tick) {
        tb_gate_ctx cx;
        tb_trader_gate_ctx(t, &cx);
        t->o.gate_tick(t->o.gate_ud, &cx);
    }
}

broker_account tb_trader_account(const tb_trader *t)
{
    broker_account a;
    tb_err e;
    if (t->ext.vt && broker_account_get(t->ext, &a, &e) == 0) return a;
    return paper_account(t->paper);
}

void tb_trader_stats_get(const tb_trader *t, tb_trader_stats *out)
{
    *out = t->st;
}

/* Exposed to ctx_lua.c. */
const ind_set *tb_trader_cur_ind(const tb_trader *t)
{
    return t->cur_sym >= 0 && (uint32_t)t->cur_sym < t->nsym ? t->sym[t->cur_sym].ind : NULL;
}

const tb_ring *tb_trader_cur_bars(const tb_trader *t)
{
    return t->cur_sym >= 0 && (uint32_t)t->cur_sym < t->nsym ? &t->sym[t->cur_sym].bars : NULL;
}

int32_t tb_trader_cur_sym(const tb_trader *t)
{
    return t->cur_sym >= 0 && (uint32_t)t->cur_sym < t->nsym ? t->cur_sym : -1;
}

double tb_trader_cur_last(const tb_trader *t)
{
    return t->cur_sym >= 0 && (uint32_t)t->cur_sym < t->nsym ? t->sym[t->cur_sym].last : NAN;
}

int64_t tb_trader_sym_id(const tb_trader *t, const char *symbol)
{
    /* An order or a question of the strategy without symbol= carries the current bar's name,
     * this very pointer (names never move): its id without hashing the name. */
    if (t->cur_sym >= 0 && symbol == tb_symtab_name(t->o.syms, (uint32_t)t->cur_sym))
        return t->cur_sym;
    return tb_symtab_find(t->o.syms, symbol);
}

const char *tb_trader_cur_symbol(const tb_trader *t)
{
    return sym_name(t, t->cur_sym);
}

double tb_trader_last_price(tb_trader *t, const char *symbol)
{
    int64_t id = tb_trader_sym_id(t, symbol);
    return id >= 0 && (uint32_t)id < t->nsym && t->sym[id].ready ? t->sym[id].last : NAN;
}

int64_t tb_trader_now(const tb_trader *t)
{
    return t->now_ns;
}

int64_t tb_trader_session_close(const tb_trader *t)
{
    return t->in_session ? t->session.close_ns : 0;
}

tb_trader_stats *tb_trader_stats_mut(tb_trader *t)
{
    return &t->st;
}

const tb_trader_opts *tb_trader_opts_of(const tb_trader *t)
{
    return &t->o;
}
