/*
 * ctx_lua.c - what a strategy's ctx can read: indicators, bars, its own position and orders, the
 * account. The order actions (buy, sell, short, cover, close, cancel) are in ctx_orders.c.
 *
 *   ctx.ind.rsi, ctx.ind.macd_hist, ...   (nil while warming up)
 *   ctx:position() ctx:orders() ctx:account() ctx:bars(n) ctx:minutes_to_close()
 *   ctx.ml.confidence, ctx.ml.model, ctx.ml.schema_ok, ctx.ml.<feature>   (core/ml/ml.h)
 */
#include "log/log.h"
#include "lua/keys.h"
#include "ml/ml.h"
#include "trade/ctx_ind.h"
#include "trade/ctx_orders.h"
#include "util/clock.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define TRADER(L) ((tb_trader *)lua_touserdata(L, lua_upvalueindex(1)))
#define STRAT(L)  ((const char *)lua_tostring(L, lua_upvalueindex(2)))

/* ctx:position()'s upvalues: 1 trader, 2 strategy key, 3 the tables handed out (by symbol id + 1,
 * or by name for a symbol the engine does not know), 4 the key table, 5 the position cache, 6-9
 * the field names qty, avg_price, realized, unrealized (an upvalue is pushed without a lookup). */
#define POS_TABLES lua_upvalueindex(3)
#define POS_KEYS   lua_upvalueindex(4)
#define POS_CACHE  lua_upvalueindex(5)
#define POS_FIELD  6

/* Per strategy: symbol id -> its position in the order manager. A position never moves once made,
 * so the pointer is kept; a NULL (never traded) is asked again only after a new position was made
 * anywhere (oms_strategy_positions_made). Spares a hash probe and two string compares a bar. */
typedef struct pos_slot {
    const oms_position *p;
    uint32_t made;
    uint32_t known;
} pos_slot;

typedef struct pos_cache {
    uint32_t n;
    pos_slot v[];
} pos_cache;

static void push_pos_cache(lua_State *L, uint32_t n)
{
    pos_cache *c = lua_newuserdatauv(L, sizeof *c + n * sizeof c->v[0], 0);
    c->n = n;
    memset(c->v, 0, n * sizeof c->v[0]);
}

static const oms_position *cached_position(lua_State *L, tb_trader *t, uint32_t id, const char *sym)
{
    pos_cache *c = lua_touserdata(L, POS_CACHE);
    if (id >= c->n) { /* a symbol registered since: grow (the old slots stay valid) */
        uint32_t old = c->n;
        push_pos_cache(L, id + 64);
        pos_cache *nc = lua_touserdata(L, -1);
        memcpy(nc->v, c->v, old * sizeof c->v[0]);
        lua_replace(L, POS_CACHE);
        c = nc;
    }
    pos_slot *s = &c->v[id];
    const oms *m = tb_trader_oms(t);
    uint32_t made = oms_strategy_positions_made(m);
    if (!s->known || (!s->p && s->made != made)) {
        s->p = oms_strategy_position(m, STRAT(L), sym);
        s->made = made, s->known = 1;
    }
    return s->p;
}

/* 1 when the table at idx holds exactly the four position fields given (qty first: the one that
 * changes). */
static int position_is(lua_State *L, int idx, const lua_Number v[4])
{
    int top = lua_gettop(L), same = 1;
    for (int i = 0; i < 4 && same; i++) {
        lua_pushvalue(L, lua_upvalueindex(POS_FIELD + i));
        same = lua_rawget(L, idx) == LUA_TNUMBER && lua_tonumberx(L, -1, NULL) == v[i];
    }
    lua_settop(L, top);
    return same;
}

/* ctx:position([symbol]): the strategy's own {qty, avg_price, realized, unrealized}. Asked on every
 * bar, mostly of flat symbols: the last table handed out per symbol is handed out again while it
 * still holds exactly these values (checked, so a strategy that changed it gets a fresh one); a
 * new table is made only when the position or its price moved, which spares the collector. The
 * current symbol (no argument) is found by id, without a string. */
static int l_position(lua_State *L)
{
    tb_trader *t = TRADER(L);
    int64_t id;
    const char *sym;
    double last;
    if (lua_isnoneornil(L, 2) && (id = tb_trader_cur_sym(t)) >= 0) {
        sym = tb_trader_cur_symbol(t);
        last = tb_trader_cur_last(t);
    } else {
        sym = luaL_optstring(L, 2, tb_trader_cur_symbol(t));
        id = tb_trader_sym_id(t, sym);
        last = tb_trader_last_price(t, sym);
    }
    const oms_position *p = id >= 0 ? cached_position(L, t, (uint32_t)id, sym)
                                    : oms_strategy_position(tb_trader_oms(t), STRAT(L), sym);
    lua_Number v[4] = {0, 0, 0, 0};
    if (p) {
        v[0] = (lua_Number)p->qty;
        v[1] = tb_money_to_double(p->avg_price);
        v[2] = tb_money_to_double(p->realized_pnl);
        if (p->qty && isfinite(last)) v[3] = (last - v[1]) * (double)p->qty;
    }
    lua_settop(L, 2); /* keeps the argument (sym may point into it) until it is copied */
    if (id >= 0) {    /* 3: the table handed out last, or nil */
        if (lua_rawgeti(L, POS_TABLES, id + 1) == LUA_TTABLE && position_is(L, 3, v)) return 1;
    } else {
        lua_pushstring(L, sym);
        lua_replace(L, 2); /* the cache key */
        lua_pushvalue(L, 2);
        if (lua_rawget(L, POS_TABLES) == LUA_TTABLE && position_is(L, 3, v)) return 1;
    }
    lua_createtable(L, 0, 4); /* 4 */
    tb_lua_setk_int(L, POS_KEYS, 4, TB_K_QTY, p ? p->qty : 0);
    static const tb_key k[3] = {TB_K_AVG_PRICE, TB_K_REALIZED, TB_K_UNREALIZED};
    for (int i = 0; i < 3; i++) tb_lua_setk_num(L, POS_KEYS, 4, k[i], v[i + 1]);
    lua_pushvalue(L, 4);
    if (id >= 0) {
        lua_rawseti(L, POS_TABLES, id + 1);
    } else {
        lua_pushvalue(L, 2);
        lua_insert(L, -2);
        lua_rawset(L, POS_TABLES);
    }
    return 1;
}

/* ctx:orders([symbol]): the strategy's open orders of the symbol, oldest last. Asked on every bar
 * and mostly empty: the empty table handed out last (upvalue 3) is handed out again while it is
 * still empty and has no metatable (a strategy that filled or decorated it gets a fresh one). */
static int l_orders(lua_State *L)
{
    tb_trader *t = TRADER(L);
    const char *sym = luaL_optstring(L, 2, tb_trader_cur_symbol(t));
    const oms_order *open[64];
    int n = oms_open_orders(tb_trader_oms(t), sym, open, 64), k = 0;
    for (int i = 0; i < n && i < 64; i++) {
        if (strcmp(open[i]->strategy, STRAT(L)) != 0) continue;
        if (k == 0) lua_createtable(L, n, 0);
        tb_trader_push_order(L, open[i]);
        lua_rawseti(L, -2, ++k);
    }
    if (k > 0) return 1;
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_pushnil(L);
    if (!lua_next(L, -2) && !lua_getmetatable(L, -1)) return 1;
    lua_settop(L, 2);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_replace(L, lua_upvalueindex(3));
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
        {"position", l_position},
        {"orders", l_orders},
        {"account", l_account},
        {"bars", l_bars},
        {"minutes_to_close", l_minutes_to_close},
        {NULL, NULL},
    };
    int ctx = lua_gettop(L);
    /* Upvalue 2 is the name the order manager keeps the strategy's orders and positions under;
     * 3 the configured name (its configuration: allow_short). */
    char key[OMS_STRATEGY_MAX + 1];
    oms_strategy_key(s->name, key, sizeof key);
    for (const luaL_Reg *f = tb_ctx_order_fns; f->name; f++) {
        lua_pushlightuserdata(L, ud);
        lua_pushstring(L, key);
        lua_pushstring(L, s->name);
        lua_pushcclosure(L, f->func, 3);
        lua_setfield(L, ctx, f->name);
    }
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushlightuserdata(L, ud);
        lua_pushstring(L, key);
        int n = 2;
        if (f->func == l_position) { /* the tables handed out, the keys, the cache, 4 names */
            lua_newtable(L);
            tb_lua_push_keys(L);
            push_pos_cache(L, 64);
            static const tb_key k[4] = {TB_K_QTY, TB_K_AVG_PRICE, TB_K_REALIZED, TB_K_UNREALIZED};
            for (int i = 0; i < 4; i++) tb_lua_pushk(L, -2 - i, k[i]); /* keys sinks by one */
            n += 7;
        } else if (f->func == l_orders) { /* the empty table handed out last */
            lua_newtable(L);
            n++;
        }
        lua_pushcclosure(L, f->func, n);
        lua_setfield(L, ctx, f->name);
    }
    s->ctx_data = tb_ctx_ind_new(L, ud);
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

void tb_trader_ctx_bar(void *ud, lua_State *L, tb_strategy *s)
{
    tb_ctx_ind_fill(L, s->ctx_data, tb_trader_cur_ind(ud));
}

void tb_trader_ctx_other(void *ud, lua_State *L, tb_strategy *s)
{
    tb_ctx_ind_clear(L, s->ctx_data);
}
