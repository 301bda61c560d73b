/*
 * ctx_orders.c - the strategy's order actions: ctx:buy, sell, short, cover, close and cancel.
 *
 * Ownership: a strategy's position is its own (oms_strategy_qty). ctx:sell and ctx:close only
 * reduce the strategy's own long, never below zero, counting the exits it already has working;
 * ctx:cover and ctx:close only reduce its own short. A short is opened only by ctx:short, and
 * only when the strategy's configuration ("allow_short": true) and the account
 * (risk.allow_short) both allow it. A refusal is a decision-log line (verdict "refused", gate
 * "ownership"), an engine-log line and `nil, why` to the strategy.
 *
 * Arguments are checked at the call: a bad one raises a Lua error naming the strategy, its file
 * and line (luaL_error at level 1 is the strategy's own call). See docs/strategy-api.md for the
 * limits (CTX_MAX_QTY, CTX_MAX_PRICE).
 */
#include "trade/ctx_orders.h"
#include "log/log.h"
#include "ml/ml.h"
#include "util/clock.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define TRADER(L) ((tb_trader *)lua_touserdata(L, lua_upvalueindex(1)))
#define STRAT(L)  ((const char *)lua_tostring(L, lua_upvalueindex(2))) /* oms_strategy_key */
#define NAME(L)   ((const char *)lua_tostring(L, lua_upvalueindex(3))) /* as configured */

#define CTX_MAX_QTY   10000000  /* shares in one order: more is a typo, not a trade */
#define CTX_MAX_PRICE 1000000.0 /* dollars per share */
#define PRICE_TICK    100       /* prices become money at $0.0001 */

/* The fields an order table may have, in the order they are checked; anything else is a typo
 * (`limt=`) and an error. F_* index them. */
static const char *const order_keys[] = {"symbol", "qty", "limit",       "stop",
                                         "type",   "tif", "take_profit", "stop_loss",
                                         "reason", "id",  NULL};
enum { F_SYMBOL, F_QTY, F_LIMIT, F_STOP, F_TYPE, F_TIF, F_TP, F_SL, F_REASON, F_ID, F_MAX };
static const char *const close_keys[] = {"symbol", "reason", NULL};
enum { FC_SYMBOL, FC_REASON };

/* A field's value as the table holds it: its type and, for a number or a string, the value (a
 * string stays alive in the table for the call). */
typedef struct field {
    int type;
    lua_Number num;
    const char *str;
} field;

static field field_at_top(lua_State *L)
{
    int ty = lua_type(L, -1);
    return (field){.type = ty,
                   .num = ty == LUA_TNUMBER ? lua_tonumber(L, -1) : 0,
                   .str = ty == LUA_TSTRING ? lua_tostring(L, -1) : NULL};
}

/* One pass over the table at t: each known key's value into f (the rest LUA_TNIL), a Lua error
 * for the first key that is not in keys. The values are checked after, in the order of keys, so
 * a bad table gets the same error a lookup per field gave. A table with a metatable may inherit
 * fields through __index: those still missing are looked up as before. */
static void read_fields(lua_State *L, int t, const char *what, const char *const *keys, field *f)
{
    for (int i = 0; keys[i]; i++) f[i] = (field){.type = LUA_TNIL};
    lua_pushnil(L);
    while (lua_next(L, t)) {
        int k = -1;
        if (lua_type(L, -2) == LUA_TSTRING) {
            const char *name = lua_tostring(L, -2);
            for (int i = 0; keys[i] && k < 0; i++) /* the first byte spares most strcmp calls */
                if (name[0] == keys[i][0] && strcmp(name, keys[i]) == 0) k = i;
        }
        if (k < 0) {
            lua_pop(L, 1);
            const char *name = luaL_tolstring(L, -1, NULL);
            luaL_error(L, "strategy %s: %s: unknown field '%s'", NAME(L), what, name);
        }
        f[k] = field_at_top(L);
        lua_pop(L, 1);
    }
    if (!lua_getmetatable(L, t)) return;
    lua_pop(L, 1);
    for (int i = 0; keys[i]; i++) {
        if (f[i].type != LUA_TNIL) continue;
        lua_getfield(L, t, keys[i]);
        f[i] = field_at_top(L);
        lua_pop(L, 1);
    }
}

/* A price field: nil gives 0 (none); otherwise a finite number in (0, CTX_MAX_PRICE] that is
 * still above zero as money (a limit of 0.00001 does not become "no limit": it is refused). */
static tb_money price_field(lua_State *L, const field *f, const char *what, const char *k)
{
    if (f->type == LUA_TNIL) return 0;
    if (f->type != LUA_TNUMBER)
        luaL_error(L, "strategy %s: %s: %s must be a number (got %s)", NAME(L), what, k,
                   lua_typename(L, f->type));
    double d = f->num;
    tb_money m = 0;
    tb_err e;
    if (!isfinite(d) || d <= 0 || d > CTX_MAX_PRICE ||
        tb_money_from_double(d, PRICE_TICK, &m, &e) != 0 || m <= 0) {
        char msg[200]; /* lua_pushfstring knows no %g */
        snprintf(msg, sizeof msg, "%s=%g is not a price (from $0.0001 to $%.0f)", k, d,
                 CTX_MAX_PRICE);
        luaL_error(L, "strategy %s: %s: %s", NAME(L), what, msg);
    }
    return m;
}

static tb_qty qty_field(lua_State *L, const field *f, const char *what)
{
    if (f->type != LUA_TNUMBER)
        luaL_error(L, "strategy %s: %s: qty must be a number of shares (got %s)", NAME(L), what,
                   lua_typename(L, f->type));
    double q = f->num;
    if (!isfinite(q) || q <= 0 || q != floor(q) || q > CTX_MAX_QTY) {
        char msg[200];
        snprintf(msg, sizeof msg, "qty=%g must be a whole number of shares from 1 to %d", q,
                 CTX_MAX_QTY);
        luaL_error(L, "strategy %s: %s: %s", NAME(L), what, msg);
    }
    return (tb_qty)q;
}

static const char *str_field(lua_State *L, const field *f, const char *what, const char *k,
                             const char *def)
{
    if (f->type == LUA_TNIL) return def;
    if (f->type != LUA_TSTRING)
        luaL_error(L, "strategy %s: %s: %s must be a string (got %s)", NAME(L), what, k,
                   lua_typename(L, f->type));
    return f->str;
}

/* Reasons are copied into the decision log, the order and the text log: a strategy's string may
 * not make the engine allocate and write megabytes on its behalf. */
#define REASON_MAX_BYTES 1024

static const char *reason_field(lua_State *L, const field *f, const char *what)
{
    const char *r = str_field(L, f, what, "reason", NULL);
    if (!r || !*r)
        luaL_error(L, "strategy %s: %s needs a reason (reason = \"...\")", NAME(L), what);
    size_t n = strlen(r);
    if (n > REASON_MAX_BYTES)
        luaL_error(L, "strategy %s: %s: the reason is %I bytes (at most %d)", NAME(L), what,
                   (lua_Integer)n, REASON_MAX_BYTES);
    return r;
}

static const char *symbol_field(lua_State *L, const field *f, const char *what)
{
    const char *s = str_field(L, f, what, "symbol", tb_trader_cur_symbol(TRADER(L)));
    if (!s || !*s)
        luaL_error(L, "strategy %s: %s: no symbol: pass symbol= outside on_bar", NAME(L), what);
    return s;
}

void tb_ctx_log_decision(tb_trader *t, const oms_intent *in, const char *verdict, const char *gate,
                         const char *why, const oms_order *o)
{
    const tb_trader_opts *op = tb_trader_opts_of(t);
    if (op->tap && op->tap->decision) op->tap->decision(op->tap->ud, in, verdict, gate, why, o);
    if (!op->decisions) return;
    char ts[40];
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "t",
                          tb_clock_fmt_utc(tb_trader_now(t), ts, sizeof ts), "strategy",
                          in->strategy, "symbol", in->symbol, "side", oms_side_name(in->side),
                          "qty", (json_int_t)in->qty, "type", oms_type_name(in->type), "reason",
                          in->reason ? in->reason : "", "verdict", verdict);
    double last = tb_trader_last_price(t, in->symbol);
    if (isfinite(last)) json_object_set_new(d, "price", json_real(last));
    if (in->limit_price)
        json_object_set_new(d, "limit", json_real(tb_money_to_double(in->limit_price)));
    if (in->stop_price)
        json_object_set_new(d, "stop", json_real(tb_money_to_double(in->stop_price)));
    if (gate) json_object_set_new(d, "gate", json_string(gate));
    if (why) json_object_set_new(d, "why", json_string(why));
    if (o) {
        json_object_set_new(d, "client_id", json_string(o->client_id));
        json_object_set_new(d, "status", json_string(oms_status_name(o->status)));
    }
    if (op->ml) {
        double conf = tb_ml_confidence(op->ml, in->symbol);
        if (isfinite(conf)) json_object_set_new(d, "ml_confidence", json_real(conf));
        const tb_ml_loaded *m = tb_ml_current(op->ml);
        if (m) json_object_set_new(d, "ml_model", json_string(m->id));
    }
    const ind_set *ind = tb_trader_cur_ind(t);
    if (ind) {
        static const char *const keys[] = {"rsi",      "macd_hist", "atr",    "vwap",
                                           "bb_upper", "bb_lower",  "relvol", NULL};
        json_t *iv = json_object();
        for (int i = 0; keys[i]; i++) {
            int id = ind_set_find(keys[i]);
            double v = id >= 0 ? ind_set_get(ind, (ind_set_value)id) : NAN;
            if (isfinite(v)) json_object_set_new(iv, keys[i], json_real(v));
        }
        json_object_set_new(d, "ind", iv);
    }
    tb_err e;
    if (tb_jsonl_write(op->decisions, d, &e) != 0) TB_ERROR("decisions", "%s", e.msg);
    json_decref(d);
}

/* Refused before the gates (ownership, shorting): logged in both logs, nil and why to Lua. */
static int refuse(lua_State *L, tb_trader *t, const oms_intent *in, const char *why)
{
    tb_trader_stats_mut(t)->intents++;
    tb_trader_stats_mut(t)->blocked++;
    tb_counters_inc(tb_trader_gate_blocks_mut(t), "ownership");
    tb_ctx_log_decision(t, in, "refused", "ownership", why, NULL);
    TB_WARN("orders", "refused: %s %s %lld %s: %s", in->strategy, oms_side_name(in->side),
            (long long)in->qty, in->symbol, why);
    lua_pushnil(L);
    lua_pushfstring(L, "ownership: %s", why);
    return 2;
}

/* Gate, then order manager. Pushes the client id, or nil and the reason. */
static int submit(lua_State *L, tb_trader *t, oms_intent *in)
{
    tb_trader_stats *st = tb_trader_stats_mut(t);
    st->intents++;
    char gate[64] = "", why[256] = "";
    if (tb_trader_gate_all(t, in, gate, sizeof gate, why, sizeof why)) {
        tb_counters_inc(tb_trader_gate_blocks_mut(t), gate);
        tb_ctx_log_decision(t, in, "blocked", gate, why, NULL);
        TB_INFO("gates", "blocked by %s: %s %s %lld %s: %s", gate, in->strategy,
                oms_side_name(in->side), (long long)in->qty, in->symbol, why);
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", gate, why);
        return 2;
    }
    const oms_order *o = NULL;
    tb_err e;
    int rc = oms_submit(tb_trader_oms(t), in, &o, &e);
    if (rc < 0) {
        st->errors++;
        tb_ctx_log_decision(t, in, "error", NULL, e.msg, o);
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    st->orders += rc == 0;
    tb_ctx_log_decision(t, in, rc == 0 ? "submitted" : "duplicate", NULL, NULL, o);
    lua_pushlstring(L, o->client_id, strlen(o->client_id)); /* lua_pushstring: a cache probe too */
    return 1;
}

/* What each action may do with the strategy's own position. */
typedef enum { ACT_BUY, ACT_SELL, ACT_SHORT, ACT_COVER } act_kind;

static const char *const act_names[] = {"ctx:buy", "ctx:sell", "ctx:short", "ctx:cover"};

/* Reads and checks the order table at 2 into in (Lua errors for bad arguments). */
static void read_order(lua_State *L, act_kind k, oms_intent *in)
{
    const char *what = act_names[k];
    luaL_checktype(L, 2, LUA_TTABLE);
    field f[F_MAX];
    read_fields(L, 2, what, order_keys, f);
    in->symbol = symbol_field(L, &f[F_SYMBOL], what);
    in->qty = qty_field(L, &f[F_QTY], what);
    in->limit_price = price_field(L, &f[F_LIMIT], what, "limit");
    in->stop_price = price_field(L, &f[F_STOP], what, "stop");
    const char *type = str_field(L, &f[F_TYPE], what, "type", NULL);
    tb_err e;
    if (type) {
        if (oms_type_parse(type, &in->type, &e) != 0)
            luaL_error(L, "strategy %s: %s: %s", NAME(L), what, e.msg);
        int needs_limit = in->type == OMS_LIMIT || in->type == OMS_STOP_LIMIT;
        int needs_stop = in->type == OMS_STOP || in->type == OMS_STOP_LIMIT;
        if (needs_limit != (in->limit_price != 0) || needs_stop != (in->stop_price != 0))
            luaL_error(L, "strategy %s: %s: type=\"%s\" needs %s%s%s", NAME(L), what, type,
                       needs_limit ? "a limit" : "no limit", needs_stop ? " and a stop" : "",
                       needs_stop ? "" : " and no stop");
    } else {
        in->type = in->limit_price ? (in->stop_price ? OMS_STOP_LIMIT : OMS_LIMIT)
                                   : (in->stop_price ? OMS_STOP : OMS_MARKET);
    }
    const char *tif = str_field(L, &f[F_TIF], what, "tif", NULL);
    if (tif && oms_tif_parse(tif, &in->tif, &e) != 0)
        luaL_error(L, "strategy %s: %s: %s", NAME(L), what, e.msg);
    in->take_profit_limit = price_field(L, &f[F_TP], what, "take_profit");
    in->stop_loss_stop = price_field(L, &f[F_SL], what, "stop_loss");
    if (in->take_profit_limit || in->stop_loss_stop) {
        if (!in->take_profit_limit || !in->stop_loss_stop)
            luaL_error(L, "strategy %s: %s: a bracket needs both take_profit and stop_loss",
                       NAME(L), what);
        in->order_class = OMS_CLASS_BRACKET;
    }
    in->reason = reason_field(L, &f[F_REASON], what);
    in->client_id = str_field(L, &f[F_ID], what, "id", NULL);
}

/* Whether a short may be opened: the strategy's config and the account must both say so. */
static const char *short_refusal(tb_trader *t, const char *name)
{
    const tb_trader_opts *op = tb_trader_opts_of(t);
    tb_strategy *s = op->shost ? tb_shost_find(op->shost, name) : NULL;
    if (!s || !s->allow_short)
        return "this strategy may not sell short (set \"allow_short\": true in its entry in "
               "config/trading_config.json)";
    if (!op->allow_short)
        return "the account may not sell short (risk.allow_short is false: a cash or paper "
               "account)";
    return NULL;
}

static int order_action(lua_State *L, act_kind k)
{
    tb_trader *t = TRADER(L);
    oms_intent in = {.strategy = STRAT(L), .tif = OMS_TIF_DAY};
    in.side = k == ACT_BUY || k == ACT_COVER ? OMS_BUY : OMS_SELL;
    read_order(L, k, &in);
    /* A resubmission of an existing id returns that order and sends nothing: its own working
     * qty must not count against it. */
    if (in.client_id && oms_find(tb_trader_oms(t), in.client_id)) return submit(L, t, &in);
    oms_exposure x = {0, 0, 0}; /* a buy and a short need not know what the strategy holds */
    if (k == ACT_SELL || k == ACT_COVER)
        oms_exposure_get(tb_trader_oms(t), in.strategy, in.symbol, &x);
    char why[256];
    if (k == ACT_SELL) {
        tb_qty own = x.filled > 0 ? x.filled - x.working_sell : 0;
        if (in.qty > own) {
            snprintf(why, sizeof why,
                     "sell %lld %s: the strategy owns %lld (%lld in working sells); a sell only "
                     "reduces its own long, ctx:short opens a short",
                     (long long)in.qty, in.symbol, (long long)(x.filled > 0 ? x.filled : 0),
                     (long long)x.working_sell);
            return refuse(L, t, &in, why);
        }
    } else if (k == ACT_COVER) {
        tb_qty own = x.filled < 0 ? -x.filled - x.working_buy : 0;
        if (in.qty > own) {
            snprintf(why, sizeof why,
                     "cover %lld %s: the strategy is short %lld (%lld in working buys)",
                     (long long)in.qty, in.symbol, (long long)(x.filled < 0 ? -x.filled : 0),
                     (long long)x.working_buy);
            return refuse(L, t, &in, why);
        }
    } else if (k == ACT_SHORT) {
        const char *no = short_refusal(t, NAME(L));
        if (no) return refuse(L, t, &in, no);
    }
    return submit(L, t, &in);
}

static int l_buy(lua_State *L)
{
    return order_action(L, ACT_BUY);
}

static int l_sell(lua_State *L)
{
    return order_action(L, ACT_SELL);
}

static int l_short(lua_State *L)
{
    return order_action(L, ACT_SHORT);
}

static int l_cover(lua_State *L)
{
    return order_action(L, ACT_COVER);
}

static int l_cancel(lua_State *L)
{
    tb_trader *t = TRADER(L);
    const char *id = luaL_checkstring(L, 2);
    const oms_order *o = oms_find(tb_trader_oms(t), id);
    if (!o || strcmp(o->strategy, STRAT(L)) != 0)
        return luaL_error(L, "strategy %s: ctx:cancel: no order %s of this strategy", NAME(L), id);
    tb_err e;
    if (oms_cancel(tb_trader_oms(t), id, &e) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* An order that adds to the position, or a resting exit (limit, stop, bracket leg) that a close
 * at market replaces; a market exit already working stays and is counted. */
static int close_cancels(const oms_order *o, tb_qty own)
{
    if (o->status == OMS_ST_PENDING_CANCEL || o->status == OMS_ST_HELD) return 0;
    int exit = (own > 0 && o->side == OMS_SELL) || (own < 0 && o->side == OMS_BUY);
    return !exit || o->type != OMS_MARKET;
}

/* ctx:close: cancels this strategy's working entries and resting exits on the symbol, then sends
 * a market order for its own position less the exits still working (a cancel not yet confirmed
 * counts as working: it may still fill). Never more than the strategy owns; nothing when the
 * working exits cover it. */
static int l_close(lua_State *L)
{
    tb_trader *t = TRADER(L);
    if (!lua_istable(L, 2))
        return luaL_error(L,
                          "strategy %s: ctx:close needs a table with a reason "
                          "(ctx:close{reason = \"...\"})",
                          NAME(L));
    field f[2];
    read_fields(L, 2, "ctx:close", close_keys, f);
    const char *sym = symbol_field(L, &f[FC_SYMBOL], "ctx:close");
    const char *reason = reason_field(L, &f[FC_REASON], "ctx:close");
    oms *m = tb_trader_oms(t);
    tb_qty own = oms_strategy_qty(m, STRAT(L), sym);
    const oms_order *open[64];
    char ids[64][OMS_CLIENT_ID_MAX + 1];
    int n = oms_open_orders(m, sym, open, 64), k = 0;
    for (int i = 0; i < n && i < 64; i++)
        if (strcmp(open[i]->strategy, STRAT(L)) == 0 && close_cancels(open[i], own))
            snprintf(ids[k++], sizeof ids[0], "%s", open[i]->client_id);
    tb_err e;
    for (int i = 0; i < k; i++) /* ids copied first: a confirmed cancel unlinks the order */
        if (oms_cancel(m, ids[i], &e) != 0)
            TB_WARN("orders", "close: cancel %s: %s", ids[i], e.msg);
    oms_exposure x;
    oms_exposure_get(m, STRAT(L), sym, &x);
    if (x.filled == 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "flat");
        return 2;
    }
    tb_qty rest = x.filled > 0 ? x.filled - x.working_sell : -x.filled - x.working_buy;
    if (rest <= 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "closing: exits already working for the whole position");
        return 2;
    }
    oms_intent in = {.strategy = STRAT(L),
                     .symbol = sym,
                     .side = x.filled > 0 ? OMS_SELL : OMS_BUY,
                     .type = OMS_MARKET,
                     .tif = OMS_TIF_DAY,
                     .qty = rest,
                     .reason = reason};
    return submit(L, t, &in);
}

const luaL_Reg tb_ctx_order_fns[] = {
    {"buy", l_buy},     {"sell", l_sell},     {"short", l_short}, {"cover", l_cover},
    {"close", l_close}, {"cancel", l_cancel}, {NULL, NULL},
};
