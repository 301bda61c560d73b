#include "orch/schedule.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads an optional integer field of the table on top; -1 with e set when it is not one. */
static int opt_int(lua_State *L, const char *key, int def, int lo, int hi, int *out, tb_err *e)
{
    int t = lua_getfield(L, -1, key);
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (t == LUA_TNIL) {
        *out = def;
        return 0;
    }
    if (!isnum || v < lo || v > hi)
        return tb_errf(e, "%s must be an integer from %d to %d", key, lo, hi);
    *out = (int)v;
    return 0;
}

static int opt_str(lua_State *L, const char *key, char *buf, size_t len, int required, tb_err *e)
{
    int t = lua_getfield(L, -1, key);
    size_t n = 0;
    const char *s = t == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
    int rc = 0;
    if (t == LUA_TNIL && !required)
        buf[0] = '\0';
    else if (!s || n == 0 || n >= len)
        rc = tb_errf(e, "%s must be a non-empty string of at most %zu characters", key, len - 1);
    else
        memcpy(buf, s, n + 1);
    lua_pop(L, 1);
    return rc;
}

static int read_command(lua_State *L, tb_step *st, tb_err *e)
{
    int t = lua_getfield(L, -1, "command");
    int rc = 0;
    if (t == LUA_TTABLE) {
        int n = (int)luaL_len(L, -1);
        if (n < 1 || n > TB_STEP_MAX_ARGS)
            rc = tb_errf(e, "command must list 1 to %d arguments", TB_STEP_MAX_ARGS);
        for (int i = 1; rc == 0 && i <= n; i++) {
            lua_rawgeti(L, -1, i);
            size_t len;
            const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
            if (!s || len >= sizeof st->argv[0])
                rc = tb_errf(e, "command[%d] must be a string", i);
            else
                memcpy(st->argv[st->argc++], s, len + 1);
            lua_pop(L, 1);
        }
    } else if (t != LUA_TNIL) {
        rc = tb_errf(e, "command must be a list of strings, e.g. {\"candidates\"}");
    }
    lua_pop(L, 1);
    return rc;
}

static int read_step(lua_State *L, tb_schedule *s, tb_step *st, tb_err *e)
{
    memset(st, 0, sizeof *st);
    if (opt_str(L, "name", st->name, sizeof st->name, 1, e) != 0) return -1;
    if (tb_schedule_find(s, st->name)) return tb_errf(e, "name \"%s\" is used twice", st->name);
    if (opt_str(L, "at", st->at, sizeof st->at, 1, e) != 0) return -1;
    if (tb_when_parse(st->at, &st->when, e) != 0) return -1;
    if (read_command(L, st, e) != 0) return -1;
    if (opt_str(L, "lua", st->lua, sizeof st->lua, 0, e) != 0) return -1;
    if ((st->argc > 0) == (st->lua[0] != '\0'))
        return tb_errf(e, "give exactly one of command = {...} or lua = \"function name\"");
    if (opt_int(L, "timeout", 600, 1, 86400, &st->timeout_s, e) != 0 ||
        opt_int(L, "retries", 0, 0, 10, &st->retries, e) != 0 ||
        opt_int(L, "retry_delay", 60, 0, 3600, &st->retry_delay_s, e) != 0 ||
        opt_int(L, "grace", 4 * 3600, 60, 86400, &st->grace_s, e) != 0)
        return -1;
    int t = lua_getfield(L, -1, "skip_non_trading");
    st->skip_non_trading = t == LUA_TNIL ? 1 : lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN) return tb_errf(e, "skip_non_trading must be a boolean");
    return 0;
}

static int read_steps(lua_State *L, tb_schedule *s, tb_err *e)
{
    if (!lua_istable(L, -1)) return tb_errf(e, "the script must return a table { steps = {...} }");
    if (lua_getfield(L, -1, "steps") != LUA_TTABLE) return tb_errf(e, "steps must be a list");
    int n = (int)luaL_len(L, -1);
    if (n > TB_ORCH_MAX_STEPS) return tb_errf(e, "more than %d steps", TB_ORCH_MAX_STEPS);
    for (int i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TTABLE) return tb_errf(e, "steps[%d] must be a table", i);
        if (read_step(L, s, &s->steps[s->n], e) != 0)
            return tb_err_prefix(e, "steps[%d]%s%s: ", i, s->steps[s->n].name[0] ? " " : "",
                                 s->steps[s->n].name);
        s->n++;
        lua_pop(L, 1);
    }
    return 0;
}

int tb_schedule_load(const char *path, const char *chunkname, tb_schedule *out, tb_err *e)
{
    lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, NULL, e);
    if (!L) return -1;
    tb_schedule *s = calloc(1, sizeof *s);
    int rc = -1;
    if (s && tb_lua_loadfile(L, path, chunkname, e) == 0 && tb_lua_call(L, 0, 1, chunkname, e) == 0)
        rc = read_steps(L, s, e) == 0 ? 0 : tb_err_prefix(e, "%s: ", chunkname);
    if (!s) tb_errf(e, "out of memory");
    if (rc == 0) *out = *s;
    free(s);
    tb_lua_close(L);
    return rc;
}

const tb_step *tb_schedule_find(const tb_schedule *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->steps[i].name, name) == 0) return &s->steps[i];
    return NULL;
}

char *tb_step_describe(const tb_step *st, char *buf, int len)
{
    if (st->lua[0]) {
        snprintf(buf, (size_t)len, "lua %s", st->lua);
        return buf;
    }
    int off = snprintf(buf, (size_t)len, "tradebot");
    for (int i = 0; i < st->argc && off < len; i++)
        off += snprintf(buf + off, (size_t)(len - off), " %s", st->argv[i]);
    return buf;
}
