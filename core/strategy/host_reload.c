/*
 * host_reload.c - a strategy's file loaded again in a fresh state and swapped in, its ctx.state
 * (plain data, bounded) carried over; a disabled strategy stays so until its file's text changes.
 */
#include "log/log.h"
#include "lua/convert.h"
#include "strategy/host_priv.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

typedef struct carry {
    tb_strategy *from;
    size_t max_bytes;
    int *dropped;
    char err[400];
} carry;

/* On the fresh state, protected: its allocations may hit its memory cap. */
static int carry_fn(lua_State *L)
{
    carry *c = lua_touserdata(L, 1);
    tb_strategy *s = c->from;
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_ctx);
    lua_pushliteral(s->L, "state");
    lua_rawget(s->L, -2);
    int rc = tb_lua_xcopy_bounded(s->L, -1, L, c->max_bytes, c->dropped, c->err, sizeof c->err);
    lua_pop(s->L, 2);
    if (rc != 0) return luaL_error(L, "ctx.state %s", c->err);
    return 1;
}

/* Copies ctx.state (plain data, bounded) from s into the fresh state's ctx. */
static int carry_state(tb_shost *h, tb_strategy *s, tb_strategy *fresh, int *dropped, tb_err *e)
{
    carry c = {.from = s, .max_bytes = h->state_max_bytes, .dropped = dropped};
    lua_State *L = fresh->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, fresh->ref_ctx);
    lua_pushcfunction(L, carry_fn);
    lua_pushlightuserdata(L, &c);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        tb_errf(e, "%s: cannot carry the state over: %s", s->rel,
                lua_isstring(L, -1) ? lua_tostring(L, -1) : "out of memory");
        lua_pop(L, 2);
        return -1;
    }
    lua_setfield(L, -2, "state");
    lua_pop(L, 1);
    return 0;
}

/* Loads the file again in a fresh state and swaps it in, carrying `state` over. */
static int reload_one(tb_shost *h, tb_strategy *s, tb_err *e)
{
    tb_strategy fresh;
    memset(&fresh, 0, sizeof fresh);
    snprintf(fresh.name, sizeof fresh.name, "%s", s->name);
    fresh.index = s->index;
    fresh.cfg_params = s->cfg_params;
    fresh.cfg_symbol_params = s->cfg_symbol_params;
    snprintf(fresh.rel, sizeof fresh.rel, "%s", s->rel);
    uint64_t hash = tb_shost_file_hash(s->path);
    if (s->disabled && hash == s->disabled_hash)
        return tb_errf(e, "%s: strategy %s stays disabled: its file has not changed since (%s)",
                       s->rel, s->name, s->last_error);
    if (tb_shost_load_state(h, &fresh, s->path, s->rel, &h->lim, e) != 0) return -1;
    int dropped = 0;
    tb_err ce;
    if (carry_state(h, s, &fresh, &dropped, &ce) != 0) /* a fixed file must be able to replace it */
        TB_WARN("strategy", "reload of %s: %s; the new version starts with an empty state", s->name,
                ce.msg);
    s->file_hash = hash;
    s->overruns = s->starved_stops = 0;
    if (dropped)
        TB_WARN("strategy", "reload of %s: %d values in state were not plain data and were dropped",
                s->name, dropped);
    tb_lua_close(s->L);
    s->L = fresh.L;
    s->ref_mod = fresh.ref_mod, s->ref_ctx = fresh.ref_ctx, s->ref_bar = fresh.ref_bar;
    s->ref_entry = fresh.ref_entry, s->ref_syms = fresh.ref_syms;
    s->ref_params = fresh.ref_params, s->ref_sym_params = fresh.ref_sym_params;
    s->ctx_data = fresh.ctx_data;
    memcpy(s->has, fresh.has, sizeof s->has);
    /* Not redundant with the loader's: it named the state after the new file's `name`, and the
     * engine runs it under the registered one (test_reload). */
    tb_shost_apply_name(s);
    s->version++;
    s->disabled = 0;
    s->consecutive_errors = 0;
    return 0;
}

int tb_shost_reload_path(tb_shost *h, const char *path, tb_err *e)
{
    int n = 0;
    for (int i = 0; i < h->n; i++) {
        tb_strategy *s = h->s[i];
        if (strcmp(s->path, path) != 0) continue;
        int was_disabled = s->disabled;
        int rc = reload_one(h, s, e);
        if (rc != 0 && was_disabled && s->disabled_hash == tb_shost_file_hash(s->path)) {
            TB_WARN("strategy", "%s", e->msg); /* a config reload does not revive it */
            continue;
        }
        if (rc != 0) {
            h->reload_failures++;
            snprintf(s->last_error, sizeof s->last_error, "%s", e->msg);
            TB_ERROR("strategy", "strategy reload failed: %s (keeping version %d running)", e->msg,
                     s->version);
            return -1;
        }
        h->reloads++;
        n++;
        TB_INFO("strategy", "strategy reloaded: name=%s file=%s version=%d", s->name, s->rel,
                s->version);
    }
    return n;
}
