/*
 * ctx_lua.c - what a strategy's ctx can do: read indicators, bars, position, orders and account;
 * act with buy, sell, close and cancel. Every action is an intent: it passes the gate hook and
 * the order manager, and leaves one line in the decision log whatever becomes of it.
 *
 *   ctx:buy{qty=10, type="limit", limit=187.5, take_profit=190, stop_loss=186, reason="..."}
 *   ctx:sell{...}   ctx:close{reason=...}   ctx:cancel(id)
 *   ctx.ind.rsi, ctx.ind.macd_hist, ...   (nil while warming up)
 *   ctx:position() ctx:orders() ctx:account() ctx:bars(n) ctx:minutes_to_close()
 *   ctx.ml.confidence, ctx.ml.model, ctx.ml.schema_ok, ctx.ml.<feature>   (core/ml/ml.h)
 */
#include "log/log.h"
#include "lua/keys.h"
#include "ml/ml.h"
#include "trade/trader_priv.h"
#include "util/clock.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define TRADER(L) ((tb_trader *)lua_touserdata(L, lua_upvalueindex(1)))
#define STRAT(L)  ((const char *)lua_tostring(L, lua_upvalueindex(2)))

static double opt_num(lua_State *L, int t, const char *k)
{
    lua_getfield(L, t, k);
    double v = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 0;
    if (!lua_isnil(L, -1) && !lua_isnumber(L, -1)) luaL_error(L, "%s must be a number", k);
    lua_pop(L, 1);
    return v;
}

static const char *opt_str(lua_State *L, int t, const char *k, const char *def)
{
    lua_getfield(L, t, k);
    const char *v = lua_isstring(L, -1) ? lua_tostring(L, -1) : def;
    lua_pop(L, 1); /* the string stays alive in the table */
    return v;
}

static tb_money money(lua_State *L, double d, const char *what)
{
    tb_money m = 0;
    tb_err e;
    if (d != 0 && (!isfinite(d) || d < 0 || tb_money_from_double(d, 100, &m, &e) != 0))
        luaL_error(L, "%s: not a valid price (%f)", what, d);
    return m;
}

static void log_decision(tb_trader *t, const oms_intent *in, const char *verdict, const char *gate,
                         const char *why, const oms_order *o)
{
    const tb_trader_opts *op = tb_trader_opts_of(t);
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

/* Gate, then order manager. Pushes the client id, or nil and the reason. */
static int submit(lua_State *L, tb_trader *t, oms_intent *in)
{
    tb_trader_stats *st = tb_trader_stats_mut(t);
    st->intents++;
    char gate[64] = "", why[256] = "";
    const char *halt_why;
    int blocked = 0;
    if (tb_trader_halted(t, &halt_why)) { /* the engine's own kill switch (no risk gates) */
        snprintf(gate, sizeof gate, "kill_switch");
        snprintf(why, sizeof why, "kill switch engaged: %s", halt_why);
        st->blocked++;
        blocked = 1;
    } else {
        blocked = tb_trader_gate(t, in, gate, sizeof gate, why, sizeof why);
    }
    if (blocked) {
        tb_counters_inc(tb_trader_gate_blocks_mut(t), gate);
        log_decision(t, in, "blocked", gate, why, NULL);
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
        log_decision(t, in, "error", NULL, e.msg, o);
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    st->orders += rc == 0;
    log_decision(t, in, rc == 0 ? "submitted" : "duplicate", NULL, NULL, o);
    lua_pushstring(L, o->client_id);
    return 1;
}

static int order_action(lua_State *L, oms_side side)
{
    tb_trader *t = TRADER(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    oms_intent in = {.strategy = STRAT(L), .side = side, .tif = OMS_TIF_DAY};
    in.symbol = opt_str(L, 2, "symbol", tb_trader_cur_symbol(t));
    if (!in.symbol || !*in.symbol) return luaL_error(L, "no symbol: pass symbol= outside on_bar");
    double q = opt_num(L, 2, "qty");
    if (q <= 0 || q != floor(q) || q > 1e9)
        return luaL_error(L, "qty must be a whole number of shares > 0");
    in.qty = (tb_qty)q;
    const char *type = opt_str(L, 2, "type", NULL);
    in.limit_price = money(L, opt_num(L, 2, "limit"), "limit");
    in.stop_price = money(L, opt_num(L, 2, "stop"), "stop");
    tb_err e;
    if (type) {
        if (oms_type_parse(type, &in.type, &e) != 0) return luaL_error(L, "%s", e.msg);
    } else {
        in.type = in.limit_price ? (in.stop_price ? OMS_STOP_LIMIT : OMS_LIMIT)
                                 : (in.stop_price ? OMS_STOP : OMS_MARKET);
    }
    const char *tif = opt_str(L, 2, "tif", NULL);
    if (tif && oms_tif_parse(tif, &in.tif, &e) != 0) return luaL_error(L, "%s", e.msg);
    in.take_profit_limit = money(L, opt_num(L, 2, "take_profit"), "take_profit");
    in.stop_loss_stop = money(L, opt_num(L, 2, "stop_loss"), "stop_loss");
    if (in.take_profit_limit || in.stop_loss_stop) {
        if (!in.take_profit_limit || !in.stop_loss_stop)
            return luaL_error(L, "a bracket needs both take_profit and stop_loss");
        in.order_class = OMS_CLASS_BRACKET;
    }
    in.reason = opt_str(L, 2, "reason", NULL);
    if (!in.reason || !*in.reason)
        return luaL_error(L, "every order needs a reason (reason = \"...\")");
    in.client_id = opt_str(L, 2, "id", NULL);
    return submit(L, t, &in);
}

static int l_buy(lua_State *L)
{
    return order_action(L, OMS_BUY);
}

static int l_sell(lua_State *L)
{
    return order_action(L, OMS_SELL);
}

static int l_cancel(lua_State *L)
{
    tb_trader *t = TRADER(L);
    const char *id = luaL_checkstring(L, 2);
    const oms_order *o = oms_find(tb_trader_oms(t), id);
    if (!o || strcmp(o->strategy, STRAT(L)) != 0)
        return luaL_error(L, "no order %s of this strategy", id);
    tb_err e;
    if (oms_cancel(tb_trader_oms(t), id, &e) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* Cancels this strategy's working orders on the symbol, then sends a market order to flat. */
static int l_close(lua_State *L)
{
    tb_trader *t = TRADER(L);
    int has_spec = lua_istable(L, 2);
    const char *sym =
        has_spec ? opt_str(L, 2, "symbol", tb_trader_cur_symbol(t)) : tb_trader_cur_symbol(t);
    const char *reason = has_spec ? opt_str(L, 2, "reason", NULL) : NULL;
    if (!reason) return luaL_error(L, "close needs a reason (ctx:close{reason = \"...\"})");
    oms *m = tb_trader_oms(t);
    const oms_order *open[64];
    int n = oms_open_orders(m, sym, open, 64);
    tb_err e;
    for (int i = 0; i < n && i < 64; i++)
        if (strcmp(open[i]->strategy, STRAT(L)) == 0 && open[i]->status != OMS_ST_PENDING_CANCEL)
            oms_cancel(m, open[i]->client_id, &e);
    const oms_position *p = oms_position_get(m, sym);
    if (!p || p->qty == 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "flat");
        return 2;
    }
    oms_intent in = {.strategy = STRAT(L),
                     .symbol = sym,
                     .side = p->qty > 0 ? OMS_SELL : OMS_BUY,
                     .type = OMS_MARKET,
                     .tif = OMS_TIF_DAY,
                     .qty = p->qty > 0 ? p->qty : -p->qty,
                     .reason = reason};
    return submit(L, t, &in);
}

/* 1 when the table at idx holds exactly the four position fields given (keys: key table). */
static int position_is(lua_State *L, int idx, int keys, const lua_Number v[4])
{
    static const tb_key k[4] = {TB_K_QTY, TB_K_AVG_PRICE, TB_K_REALIZED, TB_K_UNREALIZED};
    int same = 1;
    for (int i = 0; i < 4 && same; i++) {
        tb_lua_pushk(L, keys, k[i]);
        lua_rawget(L, idx);
        same = lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) == v[i];
        lua_pop(L, 1);
    }
    return same;
}

/* ctx:position([symbol]): {qty, avg_price, realized, unrealized}. Asked on every bar, mostly of
 * flat symbols: the last table handed out per symbol (upvalue 3) is handed out again while it
 * still holds exactly these values (checked, so a strategy that changed it gets a fresh one);
 * a new table is made only when the position or its price moved, which spares the collector. */
static int l_position(lua_State *L)
{
    tb_trader *t = TRADER(L);
    const char *sym = luaL_optstring(L, 2, tb_trader_cur_symbol(t));
    const oms_position *p = oms_position_get(tb_trader_oms(t), sym);
    double last = tb_trader_last_price(t, sym);
    lua_Number v[4] = {0, 0, 0, 0};
    if (p) {
        v[0] = (lua_Number)p->qty;
        v[1] = tb_money_to_double(p->avg_price);
        v[2] = tb_money_to_double(p->realized_pnl);
        if (p->qty && isfinite(last)) v[3] = (last - v[1]) * (double)p->qty;
    }
    lua_settop(L, 2);       /* keeps the argument (sym may point into it) until it is copied */
    lua_pushstring(L, sym); /* the cache key, at 2 */
    lua_replace(L, 2);
    tb_lua_push_keys(L); /* 3 */
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(3)) == LUA_TTABLE && position_is(L, 4, 3, v)) return 1;
    lua_createtable(L, 0, 4); /* 5 */
    tb_lua_pushk(L, 3, TB_K_QTY);
    lua_pushinteger(L, p ? p->qty : 0);
    lua_rawset(L, 5);
    static const tb_key k[3] = {TB_K_AVG_PRICE, TB_K_REALIZED, TB_K_UNREALIZED};
    for (int i = 0; i < 3; i++) {
        tb_lua_pushk(L, 3, k[i]);
        lua_pushnumber(L, v[i + 1]);
        lua_rawset(L, 5);
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 5);
    lua_rawset(L, lua_upvalueindex(3));
    return 1;
}

static int l_orders(lua_State *L)
{
    tb_trader *t = TRADER(L);
    const char *sym = luaL_optstring(L, 2, tb_trader_cur_symbol(t));
    const oms_order *open[64];
    int n = oms_open_orders(tb_trader_oms(t), sym, open, 64);
    lua_createtable(L, n, 0);
    int k = 0;
    for (int i = 0; i < n && i < 64; i++) {
        if (strcmp(open[i]->strategy, STRAT(L)) != 0) continue;
        tb_trader_push_order(L, open[i]);
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

static int l_account(lua_State *L)
{
    broker_account a = tb_trader_account(TRADER(L));
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, tb_money_to_double(a.cash));
    lua_setfield(L, -2, "cash");
    lua_pushnumber(L, tb_money_to_double(a.equity));
    lua_setfield(L, -2, "equity");
    lua_pushnumber(L, tb_money_to_double(a.buying_power));
    lua_setfield(L, -2, "buying_power");
    return 1;
}

static int l_bars(lua_State *L)
{
    tb_trader *t = TRADER(L);
    lua_Integer n = luaL_optinteger(L, 2, 20);
    const tb_ring *r = tb_trader_cur_bars(t);
    if (!r) return luaL_error(L, "ctx:bars() is only available inside on_bar");
    if (n > (lua_Integer)r->len) n = r->len;
    if (n < 0) n = 0;
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 0; i < n; i++) { /* oldest first, so bars[#bars] is the latest */
        const tb_bar *b = tb_ring_get(r, (uint32_t)(n - 1 - i));
        lua_createtable(L, 0, 6);
        lua_pushinteger(L, b->start_ns / 1000000000LL);
        lua_setfield(L, -2, "t");
        lua_pushnumber(L, b->open);
        lua_setfield(L, -2, "open");
        lua_pushnumber(L, b->high);
        lua_setfield(L, -2, "high");
        lua_pushnumber(L, b->low);
        lua_setfield(L, -2, "low");
        lua_pushnumber(L, b->close);
        lua_setfield(L, -2, "close");
        lua_pushnumber(L, b->volume);
        lua_setfield(L, -2, "volume");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_minutes_to_close(lua_State *L)
{
    tb_trader *t = TRADER(L);
    int64_t close = tb_trader_session_close(t);
    if (!close) return 0;
    lua_pushnumber(L, (double)(close - tb_trader_now(t)) / 60e9);
    return 1;
}

/* ctx.ind: reads the current symbol's indicator set by name; nil while warming up. The name is
 * looked up in a Lua table of ids (upvalue 1), a hash probe, since this runs several times a bar;
 * the trader is upvalue 2, so the view itself (argument 1) need not be checked on every read.
 */
static int ind_index(lua_State *L)
{
    tb_trader *t = lua_touserdata(L, lua_upvalueindex(2));
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNUMBER)
        return luaL_error(L, "ctx.ind has no indicator '%s'", luaL_tolstring(L, 2, NULL));
    int id = (int)lua_tointeger(L, -1);
    const ind_set *set = tb_trader_cur_ind(t);
    double v = set ? ind_set_get(set, (ind_set_value)id) : NAN;
    if (!isfinite(v)) return 0;
    lua_pushnumber(L, v);
    return 1;
}

/* ctx.ml: the current symbol's confidence (nil without a model, or while strict schema withholds
 * it), the model's id, whether the features fit its schema, and each feature by name. */
static int ml_index(lua_State *L)
{
    tb_trader *t = *(tb_trader **)luaL_checkudata(L, 1, "tb.MlView");
    const char *k = luaL_checkstring(L, 2);
    tb_ml *ml = tb_trader_opts_of(t)->ml;
    const char *sym = tb_trader_cur_symbol(t);
    if (!ml || !sym || !*sym) return 0;
    const tb_ml_loaded *m = tb_ml_current(ml);
    if (strcmp(k, "confidence") == 0) {
        double c = tb_ml_confidence(ml, sym);
        if (!isfinite(c)) return 0;
        lua_pushnumber(L, c);
    } else if (strcmp(k, "model") == 0) {
        if (!m) return 0;
        lua_pushstring(L, m->id);
    } else if (strcmp(k, "schema_ok") == 0) {
        lua_pushboolean(L, m && !tb_ml_schema_problem(ml, sym));
    } else {
        int id = tb_feature_find(k);
        if (id < 0) return luaL_error(L, "ctx.ml has no field '%s'", k);
        const float *f = tb_ml_features(ml, sym);
        if (!f || isnan(f[id])) return 0;
        lua_pushnumber(L, f[id]);
    }
    return 1;
}

void tb_trader_ctx_init(void *ud, lua_State *L, tb_strategy *s)
{
    static const luaL_Reg fns[] = {
        {"buy", l_buy},         {"sell", l_sell},         {"close", l_close},
        {"cancel", l_cancel},   {"position", l_position}, {"orders", l_orders},
        {"account", l_account}, {"bars", l_bars},         {"minutes_to_close", l_minutes_to_close},
        {NULL, NULL},
    };
    int ctx = lua_gettop(L);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushlightuserdata(L, ud);
        lua_pushstring(L, s->name);
        int n = 2;
        if (f->func == l_position) lua_newtable(L), n++; /* its cache of handed-out tables */
        lua_pushcclosure(L, f->func, n);
        lua_setfield(L, ctx, f->name);
    }
    tb_trader **view = lua_newuserdatauv(L, sizeof *view, 0);
    *view = ud;
    luaL_newmetatable(L, "tb.IndView"); /* __index set each time: it holds this trader */
    lua_createtable(L, 0, IND_SET_NVALUES);
    for (int i = 0; i < IND_SET_NVALUES; i++) {
        lua_pushinteger(L, i);
        lua_setfield(L, -2, ind_set_name((ind_set_value)i));
    }
    lua_pushlightuserdata(L, ud);
    lua_pushcclosure(L, ind_index, 2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, ctx, "ind");
    tb_trader **mlv = lua_newuserdatauv(L, sizeof *mlv, 0);
    *mlv = ud;
    if (luaL_newmetatable(L, "tb.MlView")) {
        lua_pushcfunction(L, ml_index);
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, -2);
    lua_setfield(L, ctx, "ml");
}
