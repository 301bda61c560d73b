#include "trade/trader.h"
#include "trade/trader_priv.h"
#include "trade/admit.h"
#include "log/log.h"
#include "ml/ml.h"
#include "util/clock.h"
#include "util/grow.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECENT_BARS 512 /* per symbol: a session of minutes and some */
/* Bar prices become exact money rounded to $0.0001: sub-penny quotes exist under $1. */
#define PRICE_TICK 100

typedef struct sym_state {
    ind_set *ind;
    tb_ring bars;
    double last;
    tb_money realized_seen;   /* the position's realised P&L at the last fill */
    tb_money fees_seen;       /* the position's fees at the last closing fill */
    int64_t open_ns;          /* first fill of the open position (0: flat) */
    int seeded;               /* realized_seen/fees_seen start from the restored position */
    tb_date flatten_held_day; /* a gate held the session-end flatten (logged once) */
    int ready;
} sym_state;

struct tb_trader {
    tb_trader_opts o;
    oms *oms;
    paper *paper;
    broker ext; /* a real broker (make_broker); ext.vt NULL: the paper broker trades */
    sym_state *sym;
    uint32_t nsym;
    /* what the strategy being called is looking at */
    int32_t cur_sym;
    int64_t now_ns;
    tb_session session;
    int32_t session_ymd; /* the session's day as YYYYMMDD */
    int in_session;
    /* The gates' view of the session: o.cal's session of the day, computed once per session
     * (tb_gate_ctx.session); gate_session_ok 0 when there is none. */
    tb_session gate_session;
    int gate_session_ok;
    /* oms position index -> symbol id (-1: not looked up yet), so the gates price every open
     * position per intent without a lookup by name (tb_gate_ctx.position_last). */
    int32_t *pos_sym;
    uint32_t npos_sym;
    tb_trader_stats st;
    tb_trade_rec *trades;
    size_t ntrades, captrades;
    int64_t resume_ns, bar_ns;
    tb_fill_rec fills[TB_TRADER_RECENT_FILLS]; /* a ring; nfills counts all ever */
    uint64_t nfills;
    tb_counters rejects, gate_blocks;
    int halted;
    char halt_reason[128];
    tb_admit admit;      /* broker readiness and reject holds, before the gates */
    oms_position *seeds; /* restored positions with P&L or fees (tb_trader_restored) */
    int nseeds;
};

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
        if (!s->ind || tb_ring_init(&s->bars, RECENT_BARS, &e) != 0) return NULL;
        s->ready = 1;
    }
    return s;
}

static const char *sym_name(const tb_trader *t, int32_t id)
{
    return id >= 0 ? tb_symtab_name(t->o.syms, (uint32_t)id) : "";
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

/* --- order events back to strategies -------------------------------------------------------- */

void tb_trader_push_order(lua_State *L, const oms_order *o)
{
    lua_createtable(L, 0, 12);
    lua_pushstring(L, o->client_id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, o->symbol);
    lua_setfield(L, -2, "symbol");
    lua_pushstring(L, oms_side_name(o->side));
    lua_setfield(L, -2, "side");
    lua_pushstring(L, oms_type_name(o->type));
    lua_setfield(L, -2, "type");
    lua_pushstring(L, oms_status_name(o->status));
    lua_setfield(L, -2, "status");
    lua_pushinteger(L, o->qty);
    lua_setfield(L, -2, "qty");
    lua_pushinteger(L, o->filled_qty);
    lua_setfield(L, -2, "filled_qty");
    lua_pushnumber(L, tb_money_to_double(o->filled_avg_price));
    lua_setfield(L, -2, "avg_price");
    if (o->limit_price) {
        lua_pushnumber(L, tb_money_to_double(o->limit_price));
        lua_setfield(L, -2, "limit");
    }
    if (o->stop_price) {
        lua_pushnumber(L, tb_money_to_double(o->stop_price));
        lua_setfield(L, -2, "stop");
    }
    lua_pushstring(L, o->reason);
    lua_setfield(L, -2, "reason");
    if (o->note[0]) {
        lua_pushstring(L, o->note);
        lua_setfield(L, -2, "note");
    }
}

/* A symbol's first fill since the start: its P&L count starts from the restored position's. */
static void seed(tb_trader *t, sym_state *s, const char *symbol)
{
    s->seeded = 1;
    for (int i = 0; i < t->nseeds; i++)
        if (strcmp(t->seeds[i].symbol, symbol) == 0) {
            s->realized_seen = t->seeds[i].realized_pnl;
            s->fees_seen = t->seeds[i].fees;
            return;
        }
}

static void record_trade(tb_trader *t, const oms_event *ev)
{
    int64_t id = tb_symtab_find(t->o.syms, ev->order->symbol);
    if (!ev->position || id < 0 || (uint32_t)id >= t->nsym) return;
    sym_state *s = &t->sym[id];
    if (!s->seeded) seed(t, s, ev->order->symbol);
    tb_money delta = ev->position->realized_pnl - s->realized_seen;
    s->realized_seen = ev->position->realized_pnl;
    if (!s->open_ns) s->open_ns = ev->exec->t_ns;
    if (delta == 0) return; /* an opening fill */
    int64_t entry_ns = s->open_ns;
    if (ev->position->qty == 0) s->open_ns = 0;
    if (t->ntrades == t->captrades) {
        size_t cap = t->captrades ? t->captrades * 2 : 256;
        tb_trade_rec *nt = realloc(t->trades, cap * sizeof *nt);
        if (!nt) return;
        t->trades = nt, t->captrades = cap;
    }
    tb_trade_rec *r = &t->trades[t->ntrades++];
    snprintf(r->symbol, sizeof r->symbol, "%s", ev->order->symbol);
    snprintf(r->strategy, sizeof r->strategy, "%s", ev->order->strategy);
    r->t_ns = ev->exec->t_ns;
    r->qty = ev->exec->qty;
    r->price = ev->exec->price;
    r->pnl = delta;
    r->side = ev->order->side;
    snprintf(r->reason, sizeof r->reason, "%s", ev->order->reason);
    r->entry_ns = entry_ns;
    r->fees = ev->position->fees - s->fees_seen; /* the round trip's: opening fills' too */
    s->fees_seen = ev->position->fees;
    if (t->o.ml)
        tb_ml_on_trade(t->o.ml, r->symbol, r->strategy, tb_money_to_double(delta), r->t_ns);
}

const tb_trade_rec *tb_trader_trades(const tb_trader *t, size_t *n)
{
    *n = t->ntrades;
    return t->trades;
}

static void record_fill(tb_trader *t, const oms_event *ev)
{
    tb_fill_rec *f = &t->fills[t->nfills++ % TB_TRADER_RECENT_FILLS];
    snprintf(f->client_id, sizeof f->client_id, "%s", ev->order->client_id);
    snprintf(f->symbol, sizeof f->symbol, "%s", ev->order->symbol);
    snprintf(f->strategy, sizeof f->strategy, "%s", ev->order->strategy);
    f->side = (int)ev->order->side;
    f->t_ns = ev->exec->t_ns;
    f->qty = ev->exec->qty;
    f->price = ev->exec->price;
}

int tb_trader_recent_fills(const tb_trader *t, tb_fill_rec *out, int cap)
{
    int n = 0;
    for (uint64_t k = t->nfills; k > 0 && n < cap && t->nfills - k < TB_TRADER_RECENT_FILLS; k--)
        out[n++] = t->fills[(k - 1) % TB_TRADER_RECENT_FILLS];
    return n;
}

const tb_counters *tb_trader_rejects(const tb_trader *t)
{
    return &t->rejects;
}

const tb_counters *tb_trader_gate_blocks(const tb_trader *t)
{
    return &t->gate_blocks;
}

tb_counters *tb_trader_gate_blocks_mut(tb_trader *t)
{
    return &t->gate_blocks;
}

void tb_trader_set_halt(tb_trader *t, int halted, const char *reason)
{
    t->halted = halted;
    snprintf(t->halt_reason, sizeof t->halt_reason, "%s", halted && reason ? reason : "");
}

int tb_trader_halted(const tb_trader *t, const char **reason)
{
    if (reason) *reason = t->halt_reason;
    return t->halted;
}

int tb_trader_cancel_all(tb_trader *t)
{
    int asked = 0;
    for (uint32_t id = 0; id < tb_symtab_count(t->o.syms); id++) {
        const oms_order *open[256];
        int n = oms_open_orders(t->oms, tb_symtab_name(t->o.syms, id), open, 256);
        for (int i = 0; i < n && i < 256; i++) {
            if (open[i]->status == OMS_ST_PENDING_CANCEL) continue;
            tb_err e;
            if (oms_cancel(t->oms, open[i]->client_id, &e) == 0)
                asked++;
            else
                TB_WARN("orders", "cancel %s: %s", open[i]->client_id, e.msg);
        }
    }
    return asked;
}

broker tb_trader_broker(tb_trader *t)
{
    return t->ext.vt ? t->ext : paper_broker(t->paper);
}

const tb_admit *tb_trader_admit(const tb_trader *t)
{
    return &t->admit;
}

double tb_trader_last_price_of(const tb_trader *t, const char *symbol)
{
    int64_t id = tb_symtab_find(t->o.syms, symbol);
    return id >= 0 && (uint32_t)id < t->nsym && t->sym[id].ready ? t->sym[id].last : NAN;
}

const tb_ring *tb_trader_symbol_bars(const tb_trader *t, const char *symbol)
{
    int64_t id = tb_symtab_find(t->o.syms, symbol);
    return id >= 0 && (uint32_t)id < t->nsym && t->sym[id].ready ? &t->sym[id].bars : NULL;
}

/* The strategy an order belongs to: orders carry the name reduced to oms_strategy_key, so a
 * configured name with other characters ("mean-rev") is matched through its key. */
static tb_strategy *owner_of(tb_trader *t, const char *key)
{
    tb_strategy *s = tb_shost_find(t->o.shost, key);
    for (int i = 0; !s && i < t->o.shost->n; i++) {
        char k[OMS_STRATEGY_MAX + 1];
        oms_strategy_key(t->o.shost->s[i]->name, k, sizeof k);
        if (strcmp(k, key) == 0) s = t->o.shost->s[i];
    }
    return s;
}

/* No strategy's position crosses zero unless the strategy and the account allow shorts (and
 * then only through ctx:short); a fill that breaks this is an ERROR line and a count. */
static void check_short(tb_trader *t, const tb_strategy *s, const oms_event *ev)
{
    tb_qty own = oms_strategy_qty(t->oms, ev->order->strategy, ev->order->symbol);
    if (ev->position && ev->position->qty < t->st.lowest_account_qty)
        t->st.lowest_account_qty = ev->position->qty;
    if (own < t->st.lowest_strategy_qty) t->st.lowest_strategy_qty = own;
    if (own >= 0 || (s && s->allow_short && t->o.allow_short)) return;
    t->st.unallowed_shorts++;
    TB_ERROR("orders",
             "INVARIANT VIOLATED: no_unallowed_short: %s is short %lld %s after %s (fill %s)",
             ev->order->strategy, (long long)-own, ev->order->symbol, ev->order->client_id,
             ev->exec->exec_id);
}

static void on_oms_event(void *ud, const oms_event *ev)
{
    tb_trader *t = ud;
    tb_strategy *s = owner_of(t, ev->order->strategy);
    if (ev->kind == OMS_EV_FEE) { /* a commission after its fill: the fees, nothing to tell */
        t->st.fees += ev->exec->commission;
        return;
    }
    if (ev->kind == OMS_EV_FILL) {
        t->st.fills++;
        t->st.fees += ev->exec->commission;
        record_trade(t, ev);
        record_fill(t, ev);
        check_short(t, s, ev);
    } else if (ev->order->status == OMS_ST_REJECTED) {
        t->st.rejected++;
        tb_counters_inc(&t->rejects, ev->order->note);
        tb_admit_on_reject(&t->admit, ev->order, t->now_ns);
        TB_WARN("orders", "order rejected: %s %s %s: %s", ev->order->client_id, ev->order->symbol,
                oms_side_name(ev->order->side), ev->order->note);
    }
    /* The order's table is built only for a strategy that will get it. */
    if (!s || !tb_shost_wants(s, ev->kind == OMS_EV_FILL ? TB_CB_ON_FILL : TB_CB_ON_ORDER)) return;
    lua_State *L = s->L;
    if (ev->kind == OMS_EV_FILL) {
        tb_trader_push_order(L, ev->order);
        lua_pushinteger(L, ev->exec->qty);
        lua_setfield(L, -2, "fill_qty");
        lua_pushnumber(L, tb_money_to_double(ev->exec->price));
        lua_setfield(L, -2, "fill_price");
        /* The strategy's own position, as ctx:position() reports it. */
        lua_pushinteger(L, oms_strategy_qty(t->oms, ev->order->strategy, ev->order->symbol));
        lua_setfield(L, -2, "position_qty");
        tb_shost_call(t->o.shost, s, TB_CB_ON_FILL, 1);
    } else {
        tb_trader_push_order(L, ev->order);
        tb_shost_call(t->o.shost, s, TB_CB_ON_ORDER, 1);
    }
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
    oms_set_listener(t->oms, on_oms_event, t);
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

static double last_price_cb(void *ud, const char *symbol)
{
    return tb_trader_last_price(ud, symbol);
}

static double last_volume_cb(void *ud, const char *symbol)
{
    tb_trader *t = ud;
    int64_t id = tb_symtab_find(t->o.syms, symbol);
    if (id < 0 || (uint32_t)id >= t->nsym || !t->sym[id].ready || !t->sym[id].bars.len) return NAN;
    return tb_ring_get(&t->sym[id].bars, 0)->volume;
}

/* The symbol id of an order manager position, looked up by name once per symbol. */
static double position_last_cb(void *ud, const oms_position *p)
{
    tb_trader *t = ud;
    uint32_t k = oms_position_index(t->oms, p);
    int64_t id = k < t->npos_sym ? t->pos_sym[k] : -1;
    if (id < 0) {
        id = tb_symtab_find(t->o.syms, p->symbol); /* names are never removed: ids are stable */
        if (id < 0) return NAN;
        if (k < t->npos_sym) t->pos_sym[k] = (int32_t)id;
    }
    return (uint32_t)id < t->nsym && t->sym[id].ready ? t->sym[id].last : NAN;
}

void tb_trader_gate_ctx(tb_trader *t, tb_gate_ctx *cx)
{
    /* Asked on every bar (gate_tick): inside the current session's day it is that session's. */
    int in_day = t->in_session && t->now_ns >= t->session.pre_open_ns &&
                 t->now_ns < t->session.post_close_ns;
    *cx = (tb_gate_ctx){
        .oms = t->oms,
        .account = tb_trader_account(t),
        .cal = t->o.cal,
        .now_ns = t->now_ns,
        .session_day = in_day      ? t->session_ymd
                       : t->now_ns ? tb_cal_session_yyyymmdd(t->now_ns)
                                   : 0,
        .session = t->in_session && t->gate_session_ok ? &t->gate_session : NULL,
        .last_price = last_price_cb,
        .last_volume = last_volume_cb,
        .position_last = position_last_cb,
        .price_ud = t,
    };
}

int tb_trader_gate(tb_trader *t, const oms_intent *in, char *gate, size_t gate_len, char *why,
                   size_t why_len)
{
    /* The broker first: an order it cannot take now is refused before it exists. */
    if (tb_admit_check(&t->admit, tb_trader_broker(t), t->oms, in, t->now_ns, gate, gate_len, why,
                       why_len)) {
        t->st.blocked++;
        return 1;
    }
    if (!t->o.gate) return 0;
    tb_gate_ctx cx;
    tb_trader_gate_ctx(t, &cx);
    if (!t->o.gate(t->o.gate_ud, &cx, in, gate, gate_len, why, why_len)) return 0;
    t->st.blocked++;
    return 1;
}

int tb_trader_gate_all(tb_trader *t, const oms_intent *in, char *gate, size_t gate_len, char *why,
                       size_t why_len)
{
    if (t->halted && !oms_intent_reduces(t->oms, NULL, in)) {
        snprintf(gate, gate_len, "kill_switch");
        snprintf(why, why_len,
                 "kill switch engaged: %s (only orders that reduce the account's "
                 "position, net of working orders, pass)",
                 t->halt_reason);
        t->st.blocked++;
        return 1;
    }
    return tb_trader_gate(t, in, gate, gate_len, why, why_len);
}

/* Closes one owner's position of a symbol at market, less the exits it has working; the order
 * is the owner's (it reduces that owner's shares, never another's). */
static void flatten_owner(tb_trader *t, const tb_bar *bar, const char *owner, const char *sym)
{
    oms_exposure x;
    oms_exposure_get(t->oms, owner, sym, &x);
    tb_qty rest = x.filled > 0 ? x.filled - x.working_sell : -x.filled - x.working_buy;
    if (x.filled == 0 || rest <= 0) return; /* flat, or a close is already working */
    oms_intent in = {.strategy = owner,
                     .symbol = sym,
                     .side = x.filled > 0 ? OMS_SELL : OMS_BUY,
                     .type = OMS_MARKET,
                     .tif = OMS_TIF_DAY,
                     .qty = rest,
                     .reason = "session end: flatten"};
    char gate[64] = "", why[256] = "";
    if (tb_trader_gate_all(t, &in, gate, sizeof gate, why, sizeof why)) {
        sym_state *s = &t->sym[bar->sym];
        if (s->flatten_held_day != t->session.date)
            TB_WARN("gates", "blocked by %s: engine flatten %s of %s: %s (position kept)", gate,
                    sym, owner, why);
        s->flatten_held_day = t->session.date;
        return;
    }
    const oms_order *out;
    tb_err e;
    if (oms_submit(t->oms, &in, &out, &e) < 0)
        TB_ERROR("orders", "flatten %s of %s: %s", sym, owner, e.msg);
}

/* Anything still open this close to the bell is closed at market, each owner's shares by an
 * order of that owner, unless a gate holds it (the day-trade guard may keep a position overnight
 * rather than break the budget); a held flatten is logged once per symbol and session. */
static void flatten_if_late(tb_trader *t, const tb_bar *bar)
{
    if (!t->o.flatten_minutes || !t->in_session) return;
    int64_t left = t->session.close_ns - tb_bar_end_ns(bar);
    if (left > (int64_t)t->o.flatten_minutes * 60 * 1000000000LL) return;
    const char *sym = sym_name(t, (int32_t)bar->sym);
    const char *owners[64]; /* book entries never move: the names stay valid across submits */
    int n = oms_symbol_strategies(t->oms, sym, owners, NULL, 64);
    for (int i = 0; i < n && i < 64; i++) flatten_owner(t, bar, owners[i], sym);
}

int64_t tb_trader_resume_ns(const tb_trader *t)
{
    return t->resume_ns;
}

void tb_trader_set_resume(tb_trader *t, int64_t ns)
{
    t->resume_ns = ns;
    if (t->bar_ns < ns) t->bar_ns = ns; /* a cursor recorded now must not go back */
}

int64_t tb_trader_bar_ns(const tb_trader *t)
{
    return t->bar_ns;
}

void tb_trader_restored(tb_trader *t)
{
    const oms_position *ps[4096];
    int n = oms_positions(t->oms, ps, 4096);
    if (n > 4096) n = 4096;
    free(t->seeds);
    t->seeds = n > 0 ? calloc((size_t)n, sizeof *t->seeds) : NULL;
    t->nseeds = 0;
    for (int i = 0; t->seeds && i < n; i++)
        if (ps[i]->realized_pnl || ps[i]->fees) t->seeds[t->nseeds++] = *ps[i];
}

int tb_trader_restore_paper(tb_trader *t, tb_money cash, tb_err *e)
{
    const oms_position *ps[4096];
    int n = oms_positions(t->oms, ps, 4096);
    for (int i = 0; i < n && i < 4096; i++)
        if (ps[i]->qty != 0 && paper_restore_position(t->paper, ps[i], e) != 0) return -1;
    paper_restore_cash(t->paper, cash);
    /* Open orders of every symbol: their client ids first, since canceling changes the lists. */
    int canceled = 0;
    uint32_t nsyms = tb_symtab_count(t->o.syms);
    for (uint32_t id = 0; id < nsyms; id++) {
        const oms_order *open[256];
        int k = oms_open_orders(t->oms, tb_symtab_name(t->o.syms, id), open, 256);
        char ids[256][OMS_CLIENT_ID_MAX + 1];
        for (int j = 0; j < k && j < 256; j++)
            snprintf(ids[j], sizeof ids[j], "%s", open[j]->client_id);
        for (int j = 0; j < k && j < 256; j++) {
            broker_update u = {.client_id = ids[j],
                               .status = OMS_ST_CANCELED,
                               .reason = "engine restarted: the paper exchange lost its book",
                               .t_ns = tb_clock_now_ns()};
            if (oms_on_update(t->oms, &u, e) == 0) canceled++;
        }
    }
    return canceled;
}

/* The session a bar belongs to, as the indicator set's session id (VWAP restarts with it). */
static long session_id(const tb_trader *t, const tb_bar *bar)
{
    if (t->in_session && bar->start_ns >= t->session.pre_open_ns &&
        bar->start_ns < t->session.post_close_ns)
        return t->session.date;
    return tb_cal_session_day(bar->start_ns);
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
    flatten_if_late(t, bar);
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

tb_money tb_trader_unrealized(const tb_trader *t)
{
    const oms_position *ps[1024];
    int n = oms_positions(t->oms, ps, 1024);
    tb_money sum = 0;
    for (int i = 0; i < n && i < 1024; i++) {
        int64_t id = tb_symtab_find(t->o.syms, ps[i]->symbol);
        if (id < 0 || (uint32_t)id >= t->nsym || !t->sym[id].ready) continue;
        tb_money mark, u;
        tb_err e;
        if (tb_money_from_double(t->sym[id].last, PRICE_TICK, &mark, &e) == 0 &&
            oms_pos_unrealized(ps[i], mark, &u, &e) == 0)
            sum += u;
    }
    return sum;
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
    return tb_symtab_find(t->o.syms, symbol);
}

const char *tb_trader_cur_symbol(const tb_trader *t)
{
    return sym_name(t, t->cur_sym);
}

double tb_trader_last_price(tb_trader *t, const char *symbol)
{
    int64_t id = tb_symtab_find(t->o.syms, symbol);
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
