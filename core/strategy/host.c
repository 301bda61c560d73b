#include "strategy/host.h"
#include "strategy/host_priv.h"
#include "util/hash.h"
#include "home/home.h"
#include "log/log.h"
#include "lua/convert.h"
#include "lua/keys.h"
#include "lua/watchdog.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const cb_names[TB_CB_COUNT] = {"on_start", "on_bar", "on_fill", "on_order",
                                                  "on_stop"};

void tb_shost_init(tb_shost *h, const tb_lua_limits *lim)
{
    memset(h, 0, sizeof *h);
    h->lim = *lim;
    h->max_consecutive_errors = 20;
    h->max_overruns = 3;
    h->state_max_bytes = 1u << 20;
    h->pause_ms = 4 * lim->time_limit_ms;
}

void tb_shost_limits(const tb_config *cfg, tb_lua_limits *lim)
{
    lim->mem_limit = (size_t)cfg->sandbox.memory_limit_mb << 20;
    lim->instr_budget = cfg->sandbox.instruction_budget;
    lim->time_limit_ms = cfg->sandbox.time_limit_ms;
    lim->pattern_steps = cfg->sandbox.pattern_steps;
}

void tb_shost_offline(tb_shost *h)
{
    h->lim.time_on_cpu = 1;
    /* Sitting out calls for a wall-clock while would skip as many bars as the run replays in
     * that time: a number that depends on the machine. Overruns still disable. */
    h->pause_ms = 0;
}

void tb_shost_init_config(tb_shost *h, const tb_config *cfg)
{
    tb_lua_limits lim;
    tb_shost_limits(cfg, &lim);
    tb_shost_init(h, &lim);
    h->max_overruns = (int)cfg->sandbox.max_overruns;
    h->state_max_bytes = (size_t)cfg->sandbox.state_max_kb << 10;
}

/* The component of a strategy's own log lines (tb.log): strategy:<name>, a name no part of the
 * engine uses, so a strategy named "replay" or "alpaca" cannot write lines the Sentinel and the
 * Healer read as the engine's (log.h: tb_log_line_from). */
void tb_shost_set_component(lua_State *L, const char *name)
{
    lua_pushfstring(L, "strategy:%s", name);
    lua_setfield(L, LUA_REGISTRYINDEX, "tb.component");
}

void tb_shost_apply_name(tb_strategy *s)
{
    tb_shost_set_component(s->L, s->name);
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_ctx);
    lua_pushstring(s->L, s->name);
    lua_setfield(s->L, -2, "name");
    lua_pop(s->L, 1);
}

/* FNV-1a of the file's text: a disabled strategy comes back only when this changes. */
uint64_t tb_shost_file_hash(const char *path)
{
    uint64_t h = TB_FNV64_SEED;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int c;
    while ((c = getc(f)) != EOF) h = tb_fnv64_byte(h, (unsigned char)c);
    fclose(f);
    return h;
}

/* Lays the params of the config (an object) over the strategy's own params table (on top). */
static void overlay_params(lua_State *L, const json_t *overrides)
{
    if (!overrides) return;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)overrides, k, v)
    {
        tb_lua_push_json(L, v);
        lua_setfield(L, -2, k);
    }
}

/* Pushes the module's params table copied, with the overrides laid over it in order. */
static void push_params(lua_State *L, int mod, const json_t *over, const json_t *over2)
{
    lua_newtable(L);
    if (lua_getfield(L, mod, "params") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_settable(L, -5);
        }
    }
    lua_pop(L, 1);
    overlay_params(L, over);
    overlay_params(L, over2);
}

/*
 * ctx.params: the module's params with the configuration's overrides. With symbol_params, one
 * table per listed symbol is built here, once, and on_bar only points ctx.params at it.
 */
static int set_params(lua_State *L, int mod, tb_strategy *out, tb_err *e)
{
    push_params(L, mod, out->cfg_params, NULL);
    lua_pushvalue(L, -1);
    out->ref_params = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_setfield(L, -2, "params");
    out->ref_sym_params = LUA_NOREF;
    if (!out->cfg_symbol_params || json_object_size(out->cfg_symbol_params) == 0) return 0;
    lua_newtable(L);
    const char *sym;
    json_t *over;
    json_object_foreach(out->cfg_symbol_params, sym, over)
    {
        if (!json_is_object(over)) {
            lua_pop(L, 1);
            return tb_errf(e, "%s: symbol_params.%s: expected an object of params", out->rel, sym);
        }
        push_params(L, mod, out->cfg_params, over);
        lua_setfield(L, -2, sym);
    }
    out->ref_sym_params = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/*
 * The per-bar entry, a Lua closure over ctx, the reused bar table and the module. A field stored
 * from Lua is a table hit inside the VM, about half of what lua_rawset with its key costs from
 * C. It runs inside the strategy's protected call and budget (13 VM instructions a bar) and
 * writes the fields in the order the C fill used.
 */
static const char entry_src[] = "local ctx, bar, mod = ...\n"
                                "return function(sym, t, o, h, l, c, v, seq)\n"
                                "  bar.symbol = sym\n"
                                "  bar.t = t\n"
                                "  bar.open = o\n"
                                "  bar.high = h\n"
                                "  bar.low = l\n"
                                "  bar.close = c\n"
                                "  bar.volume = v\n"
                                "  bar.seq = seq\n"
                                "  mod.on_bar(ctx, bar)\n"
                                "end\n";

/* Builds the per-bar entry (stack: ..., mod, ..., ctx, bar; left as it was) and the table of
 * symbol strings it is handed. */
static int make_entry(lua_State *L, int mod, tb_strategy *out, tb_err *e)
{
    if (luaL_loadbufferx(L, entry_src, sizeof entry_src - 1, "=[on_bar setup]", "t") != LUA_OK)
        goto fail;
    lua_pushvalue(L, -3); /* ctx */
    lua_pushvalue(L, -3); /* bar */
    lua_pushvalue(L, mod);
    if (lua_pcall(L, 3, 1, 0) != LUA_OK) goto fail;
    out->ref_entry = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    out->ref_syms = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
fail:
    tb_errf(e, "%s: cannot build the on_bar entry: %s", out->rel,
            lua_isstring(L, -1) ? lua_tostring(L, -1) : "out of memory");
    lua_pop(L, 1);
    return -1;
}

/*
 * Loads file into a fresh sandbox and builds the context. On success the new state holds, in its
 * registry, the module table, ctx and a reusable bar table; *out gets them.
 */
int tb_shost_load_state(const tb_shost *h, tb_strategy *out, const char *path, const char *rel,
                        const tb_lua_limits *lim, tb_err *e)
{
    lua_State *L = tb_lua_new(TB_LUA_KIND_SANDBOX, lim, e);
    if (!L) return -1;
    tb_lua_gc_defer(L); /* collected by tb_shost_gc_pay, between bars, not inside one */
    if (tb_lua_loadfile(L, path, rel, e) != 0) goto fail;
    char what[320];
    snprintf(what, sizeof what, "%s: loading", rel);
    if (tb_lua_call(L, 0, 1, what, e) != 0) goto fail;
    if (!lua_istable(L, -1)) {
        tb_errf(e, "%s: must return a table (got %s)", rel, luaL_typename(L, -1));
        goto fail;
    }
    int mod = lua_gettop(L);
    int any = 0;
    for (int i = 0; i < TB_CB_COUNT; i++) {
        int t = lua_getfield(L, mod, cb_names[i]);
        if (t != LUA_TNIL && t != LUA_TFUNCTION) {
            tb_errf(e, "%s: %s must be a function (got %s)", rel, cb_names[i], lua_typename(L, t));
            goto fail;
        }
        out->has[i] = t == LUA_TFUNCTION;
        any |= out->has[i];
        lua_pop(L, 1);
    }
    if (!any) {
        tb_errf(e, "%s: the table defines none of on_start, on_bar, on_fill, on_order, on_stop",
                rel);
        goto fail;
    }
    int t = lua_getfield(L, mod, "name");
    if (t == LUA_TSTRING)
        snprintf(out->name, sizeof out->name, "%s", lua_tostring(L, -1));
    else if (t != LUA_TNIL) {
        tb_errf(e, "%s: name must be a string", rel);
        goto fail;
    }
    lua_pop(L, 1);

    lua_newtable(L); /* ctx */
    lua_pushstring(L, out->name);
    lua_setfield(L, -2, "name");
    if (set_params(L, mod, out, e) != 0) goto fail;
    lua_newtable(L);
    lua_setfield(L, -2, "state");
    if (h && h->ctx_init) h->ctx_init(h->ctx_ud, L, out);
    lua_createtable(L, 0, 8); /* the bar table, reused */
    if (make_entry(L, mod, out, e) != 0) goto fail;
    out->ref_bar = luaL_ref(L, LUA_REGISTRYINDEX);
    out->ref_ctx = luaL_ref(L, LUA_REGISTRYINDEX);
    out->ref_mod = luaL_ref(L, LUA_REGISTRYINDEX); /* pops the module table */
    tb_shost_set_component(L, out->name);
    out->L = L;
    return 0;
fail:
    tb_lua_close(L);
    return -1;
}

int tb_shost_check_file(const char *path, const char *rel, const tb_lua_limits *lim, tb_err *e)
{
    tb_strategy tmp;
    memset(&tmp, 0, sizeof tmp);
    snprintf(tmp.name, sizeof tmp.name, "check");
    if (tb_shost_load_state(NULL, &tmp, path, rel, lim, e) != 0) return -1;
    tb_lua_close(tmp.L);
    return 0;
}

int tb_shost_add(tb_shost *h, const tb_strategy_cfg *cfg, tb_err *e)
{
    if (h->n >= TB_MAX_STRATEGIES)
        return tb_errf(e, "%s: more than %d strategies", cfg->file, TB_MAX_STRATEGIES);
    tb_strategy *s = calloc(1, sizeof *s);
    if (!s) return tb_errf(e, "%s: out of memory", cfg->file);
    snprintf(s->name, sizeof s->name, "%s", cfg->name ? cfg->name : cfg->file);
    snprintf(s->rel, sizeof s->rel, "%s", cfg->file);
    tb_home_path(s->path, sizeof s->path, cfg->file);
    s->index = h->n;
    s->cfg_params = cfg->params ? json_incref(cfg->params) : NULL;
    s->cfg_symbol_params = cfg->symbol_params ? json_incref(cfg->symbol_params) : NULL;
    s->allow_short = cfg->allow_short;
    if (tb_shost_load_state(h, s, s->path, s->rel, &h->lim, e) != 0) {
        json_decref(s->cfg_params);
        json_decref(s->cfg_symbol_params);
        free(s);
        return -1;
    }
    if (cfg->name) { /* config wins, in the strategy's own log lines and ctx.name too */
        snprintf(s->name, sizeof s->name, "%s", cfg->name);
        tb_shost_apply_name(s);
    }
    tb_strategy *taken = tb_shost_find(h, s->name);
    if (taken) {
        tb_errf(e, "%s: strategy name '%s' is already taken by %s: refused (%s keeps running)",
                s->rel, s->name, taken->rel, taken->rel);
        tb_lua_close(s->L);
        json_decref(s->cfg_params);
        json_decref(s->cfg_symbol_params);
        free(s);
        return -1;
    }
    s->file_hash = tb_shost_file_hash(s->path);
    s->symbols = calloc((size_t)cfg->nsymbols + 1, sizeof *s->symbols);
    for (int i = 0; i < cfg->nsymbols; i++) s->symbols[i] = strdup(cfg->symbols[i]);
    s->nsymbols = cfg->nsymbols;
    s->version = 1;
    h->s[h->n++] = s;
    TB_INFO("strategy", "strategy loaded: name=%s file=%s", s->name, s->rel);
    return 0;
}

static void disable(tb_strategy *s)
{
    s->disabled = 1;
    s->disabled_hash = s->file_hash;
}

/* A budget stop (instructions, time, memory, pattern steps, state size): max_overruns of them
 * disable the strategy until its file changes. */
static void overrun(tb_shost *h, tb_strategy *s, const char *msg)
{
    s->errors++;
    snprintf(s->last_error, sizeof s->last_error, "%s", msg);
    TB_ERROR("strategy", "strategy %s over its budget (%d of %d): %s", s->name, s->overruns + 1,
             h->max_overruns, msg);
    /* Its next calls wait: the loop serves everything else between two stopped calls. */
    s->paused_until = h->pause_ms > 0 ? tb_wd_now_ns() + h->pause_ms * 1000000LL : 0;
    if (++s->overruns >= h->max_overruns && !s->disabled) {
        disable(s);
        TB_ERROR("strategy", "strategy %s disabled after %d budget overruns; fix %s to reload it",
                 s->name, s->overruns, s->rel);
    }
}

static void call_failed(tb_shost *h, tb_strategy *s, tb_err *e)
{
    tb_lua_ctl *c = tb_lua_ctl_of(s->L);
    /* Stopped for time while it had hardly run: mostly the machine's fault, so it weighs a tenth
     * of an overrun (a hostile loop on a starved machine is still disabled, ten times later). */
    if (c->stop != TB_STOP_NONE && c->starved && ++s->starved_stops % 10 != 0) {
        s->errors++;
        snprintf(s->last_error, sizeof s->last_error, "%s", e->msg);
        TB_WARN("strategy", "strategy %s stopped (a tenth of an overrun: the machine was busy): %s",
                s->name, e->msg);
        s->paused_until = h->pause_ms > 0 ? tb_wd_now_ns() + h->pause_ms * 1000000LL : 0;
        return;
    }
    if (c->stop != TB_STOP_NONE) {
        overrun(h, s, e->msg);
        return;
    }
    s->errors++;
    snprintf(s->last_error, sizeof s->last_error, "%s", e->msg);
    TB_ERROR("strategy", "%s", e->msg);
    if (++s->consecutive_errors >= h->max_consecutive_errors) {
        disable(s);
        TB_ERROR("strategy",
                 "strategy %s disabled after %d consecutive errors; fix %s to reload it", s->name,
                 s->consecutive_errors, s->rel);
    }
}

int tb_shost_wants(const tb_strategy *s, tb_callback cb)
{
    return !s->disabled && s->has[cb];
}

/* 1 when callback cb of s is to be called now (it has it, is enabled and not paused). */
static int callable(tb_strategy *s, tb_callback cb)
{
    if (s->disabled || !s->has[cb]) return 0;
    if (s->paused_until) {
        if (tb_wd_now_ns() < s->paused_until) return 0;
        s->paused_until = 0;
    }
    return 1;
}

/* Pushes the callback and ctx; returns 0 when the strategy has that callback. */
static int push_callback(tb_strategy *s, tb_callback cb)
{
    if (!callable(s, cb)) return -1;
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_mod);
    lua_getfield(s->L, -1, cb_names[cb]);
    lua_remove(s->L, -2);
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_ctx);
    return 0;
}

static void finish_call(tb_shost *h, tb_strategy *s, tb_callback cb, int nargs)
{
    tb_err e;
    s->events++;
    if (!s->what[cb][0]) /* built once: this runs for every bar */
        snprintf(s->what[cb], sizeof s->what[cb], "%s: %s", s->rel, cb_names[cb]);
    if (tb_lua_call(s->L, nargs, 0, s->what[cb], &e) != 0)
        call_failed(h, s, &e);
    else
        s->consecutive_errors = 0;
}

int tb_strategy_subscribed(const tb_strategy *s, const char *symbol)
{
    if (s->nsymbols == 0) return 1;
    for (int i = 0; i < s->nsymbols; i++)
        if (strcmp(s->symbols[i], symbol) == 0) return 1;
    return 0;
}

typedef struct bar_call {
    tb_shost *h;
    tb_strategy *s;
    const tb_bar_view *bar;
} bar_call;

/*
 * on_bar's setup, run inside the protected call so that everything it allocates (a new symbol's
 * string, ctx.ind's first values) is under the sandbox's limits and a failure is the strategy's
 * error, never a panic: points ctx.params at the symbol's table, fills ctx (ctx_bar), then calls
 * the entry with the bar's values; it fills the reused bar table and calls on_bar(ctx, bar). A
 * symbol's string is kept by its key, so a bar does not intern it again. Stack: bar_call.
 */
static int on_bar_setup(lua_State *L)
{
    const bar_call *c = lua_touserdata(L, 1);
    const tb_bar_view *bar = c->bar;
    tb_strategy *s = c->s;
    lua_settop(L, 0);
    if (s->ref_sym_params != LUA_NOREF) { /* point ctx.params at this symbol's table */
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref_ctx);
        tb_lua_push_keys(L);
        tb_lua_pushk(L, 2, TB_K_PARAMS);
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref_sym_params);
        if (lua_getfield(L, -1, bar->symbol) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref_params);
        }
        lua_remove(L, -2);
        lua_rawset(L, 1);
        lua_settop(L, 0);
    }
    if (c->h->ctx_bar) c->h->ctx_bar(c->h->ctx_ud, L, s);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref_entry);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref_syms);
    if (!bar->symbol_key || lua_rawgeti(L, 2, bar->symbol_key) != LUA_TSTRING) {
        lua_settop(L, 2);
        lua_pushlstring(L, bar->symbol, strlen(bar->symbol));
        if (bar->symbol_key) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, 2, bar->symbol_key);
        }
    }
    lua_remove(L, 2); /* stack: entry, symbol */
    lua_pushinteger(L, bar->t_ns / 1000000000LL);
    lua_pushnumber(L, bar->open);
    lua_pushnumber(L, bar->high);
    lua_pushnumber(L, bar->low);
    lua_pushnumber(L, bar->close);
    lua_pushnumber(L, bar->volume);
    lua_pushinteger(L, bar->seq);
    lua_call(L, 8, 0);
    return 0;
}

void tb_shost_on_bar(tb_shost *h, const tb_bar_view *bar)
{
    for (int i = 0; i < h->n; i++) {
        tb_strategy *s = h->s[i];
        if (!tb_strategy_subscribed(s, bar->symbol) || !callable(s, TB_CB_ON_BAR)) continue;
        bar_call c = {.h = h, .s = s, .bar = bar};
        lua_pushcfunction(s->L, on_bar_setup);
        lua_pushlightuserdata(s->L, &c);
        finish_call(h, s, TB_CB_ON_BAR, 1);
    }
}

/* A strategy's garbage is collected here, outside its calls, where no watchdog runs: a payment
 * longer than a call's time limit (in CPU time, like the calls' offline limit: weak tables can
 * make one step long) is that strategy's overrun, as the same work inside a call would be. */
void tb_shost_gc_pay(tb_shost *h)
{
    for (int i = 0; i < h->n; i++) {
        tb_strategy *s = h->s[i];
        if (!tb_lua_gc_pay(s->L) || h->lim.time_limit_ms <= 0 || s->disabled) continue;
        int64_t ns = tb_lua_ctl_of(s->L)->gc_pay_ns;
        if (ns <= h->lim.time_limit_ms * 1000000) continue;
        char msg[200];
        snprintf(msg, sizeof msg,
                 "%s: collecting its garbage took %lld ms of CPU (time limit %lld ms)", s->rel,
                 (long long)(ns / 1000000), (long long)h->lim.time_limit_ms);
        overrun(h, s, msg);
    }
}

void tb_shost_call(tb_shost *h, tb_strategy *s, tb_callback cb, int nargs)
{
    if (h->ctx_other) h->ctx_other(h->ctx_ud, s->L, s);
    if (push_callback(s, cb) != 0) {
        lua_pop(s->L, nargs);
        return;
    }
    /* callback and ctx go below the arguments */
    lua_rotate(s->L, -(nargs + 2), 2);
    finish_call(h, s, cb, nargs + 1);
}

void tb_shost_broadcast(tb_shost *h, tb_callback cb)
{
    for (int i = 0; i < h->n; i++) {
        if (h->ctx_other) h->ctx_other(h->ctx_ud, h->s[i]->L, h->s[i]);
        if (push_callback(h->s[i], cb) == 0) finish_call(h, h->s[i], cb, 1);
    }
}

json_t *tb_shost_state_get(tb_shost *h, tb_strategy *s, tb_err *e)
{
    char err[400];
    if (s->disabled) { /* nothing of it runs: its last saved state stands */
        tb_errf(e, "%s: disabled", s->rel);
        return NULL;
    }
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_ctx);
    lua_pushliteral(s->L, "state"); /* raw: a metatable on ctx must not run Lua here */
    lua_rawget(s->L, -2);
    json_t *j = tb_lua_state_json(s->L, -1, h->state_max_bytes, err, sizeof err);
    lua_pop(s->L, 2);
    if (!j) {
        tb_errf(e, "%s: ctx.state %s: not saved", s->rel, err);
        overrun(h, s, e->msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j); /* an empty table converts to an empty object; anything else is reset */
        j = json_object();
    }
    return j;
}

void tb_shost_state_set(tb_strategy *s, const json_t *state)
{
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_ctx);
    tb_lua_push_json(s->L, state);
    lua_setfield(s->L, -2, "state");
    lua_pop(s->L, 1);
}

tb_strategy *tb_shost_find(tb_shost *h, const char *name)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->s[i]->name, name) == 0) return h->s[i];
    return NULL;
}

void tb_shost_free(tb_shost *h)
{
    for (int i = 0; i < h->n; i++) {
        tb_strategy *s = h->s[i];
        tb_lua_close(s->L);
        for (int j = 0; j < s->nsymbols; j++) free(s->symbols[j]);
        free(s->symbols);
        json_decref(s->cfg_params);
        json_decref(s->cfg_symbol_params);
        free(s);
    }
    h->n = 0;
}
