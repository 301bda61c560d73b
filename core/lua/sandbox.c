#include "lua/sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#define HOOK_EVERY 1000 /* instructions between budget checks */

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    tb_lua_ctl *c = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        c->used -= old;
        return NULL;
    }
    if (c->limit && nsize > old && c->used + (nsize - old) > c->limit) {
        c->mem_hit = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    c->used = c->used - old + nsize;
    if (c->used > c->peak) c->peak = c->used;
    return p;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    void *ud;
    lua_getallocf(L, &ud);
    tb_lua_ctl *c = ud;
    c->count += HOOK_EVERY;
    if (c->budget && c->count > c->budget) {
        c->budget_hit = 1;
        luaL_error(L, "instruction budget exceeded (%I instructions): stopped",
                   (lua_Integer)c->budget);
    }
}

tb_lua_ctl *tb_lua_ctl_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* load() that refuses binary chunks whatever mode the caller asks for (raw load: upvalue 1). */
static int safe_load(lua_State *L)
{
    int has_env = lua_gettop(L) >= 4;
    lua_settop(L, 4);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushliteral(L, "t");
    if (has_env) lua_pushvalue(L, 4);
    lua_call(L, has_env ? 4 : 3, LUA_MULTRET);
    return lua_gettop(L) - 4;
}

static int safe_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage('%s') is not allowed here", opt);
    void *ud;
    lua_getallocf(L, &ud);
    lua_pushnumber(L, (lua_Number)((tb_lua_ctl *)ud)->used / 1024.0);
    return 1;
}

static void set_nil(lua_State *L, const char *table, const char *field)
{
    if (table) {
        if (lua_getglobal(L, table) == LUA_TTABLE) {
            lua_pushnil(L);
            lua_setfield(L, -2, field);
        }
        lua_pop(L, 1);
    } else {
        lua_pushnil(L);
        lua_setglobal(L, field);
    }
}

static void open_sandbox_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},        {LUA_TABLIBNAME, luaopen_table},
        {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},  {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_OSLIBNAME, luaopen_os},      {NULL, NULL},
    };
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    /* os keeps only what reads the clock. */
    lua_newtable(L);
    lua_getglobal(L, "os");
    const char *keep[] = {"time", "clock", "date", "difftime", NULL};
    for (int i = 0; keep[i]; i++) {
        lua_getfield(L, -1, keep[i]);
        lua_setfield(L, -3, keep[i]);
    }
    lua_pop(L, 1);
    lua_setglobal(L, "os");
    const char *gone[] = {"dofile", "loadfile", "require", "package", "debug", "io", NULL};
    for (int i = 0; gone[i]; i++) set_nil(L, NULL, gone[i]);
    set_nil(L, "string", "dump");
    lua_getglobal(L, "load");
    lua_pushcclosure(L, safe_load, 1);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, safe_collectgarbage);
    lua_setglobal(L, "collectgarbage");
}

static void open_tb(lua_State *L, tb_lua_trust trust, int with_require)
{
    tb_lua_open(L, trust);
    lua_setglobal(L, "tb");
    if (!with_require) return;
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getglobal(L, "tb");
    lua_setfield(L, -2, "tb");
    lua_pop(L, 1);
}

lua_State *tb_lua_new(tb_lua_kind kind, const tb_lua_limits *lim, tb_err *e)
{
    tb_lua_ctl *c = calloc(1, sizeof *c);
    if (!c) {
        tb_errf(e, "lua: out of memory");
        return NULL;
    }
    c->limit = lim ? lim->mem_limit : 0;
    c->budget = lim ? lim->instr_budget : 0;
    lua_State *L = lua_newstate(limited_alloc, c);
    if (!L) {
        free(c);
        tb_errf(e, "lua: cannot create state (memory limit too small?)");
        return NULL;
    }
    if (kind == TB_LUA_KIND_SANDBOX) {
        open_sandbox_libs(L);
        open_tb(L, TB_LUA_SANDBOX, 0);
    } else {
        luaL_openlibs(L);
        if (kind == TB_LUA_KIND_TRUSTED) {
            set_nil(L, "os", "execute");
            set_nil(L, "io", "popen");
        }
        open_tb(L, TB_LUA_TRUSTED, 1);
    }
    if (c->budget) lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
    return L;
}

void tb_lua_close(lua_State *L)
{
    if (!L) return;
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    lua_close(L);
    free(c);
}

int tb_lua_loadstring(lua_State *L, const char *code, size_t len, const char *chunkname, tb_err *e)
{
    if (luaL_loadbufferx(L, code, len, chunkname, "t") != LUA_OK) {
        tb_errf(e, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

int tb_lua_loadfile(lua_State *L, const char *path, const char *chunkname, tb_err *e)
{
    char name[512];
    snprintf(name, sizeof name, "@%s", chunkname);
    lua_pushstring(L, name); /* keep the chunk name alive while loading */
    FILE *f = fopen(path, "rb");
    if (!f) {
        lua_pop(L, 1);
        return tb_errf(e, "%s: cannot open", chunkname);
    }
    fclose(f);
    int rc = luaL_loadfilex(L, path, "t");
    lua_remove(L, -2);
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        /* luaL_loadfilex names the chunk by path: show the operator's relative name instead. */
        size_t plen = strlen(path);
        if (msg && strncmp(msg, path, plen) == 0)
            tb_errf(e, "%s%s", chunkname, msg + plen);
        else
            tb_errf(e, "%s: %s", chunkname, msg ? msg : "load failed");
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

int tb_lua_call(lua_State *L, int nargs, int nres, const char *what, tb_err *e)
{
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    c->count = 0;
    c->budget_hit = c->mem_hit = 0;
    int rc = lua_pcall(L, nargs, nres, 0);
    if (rc == LUA_OK) return 0;
    const char *msg = lua_tostring(L, -1);
    if (rc == LUA_ERRMEM || c->mem_hit)
        tb_errf(e, "%s: memory limit exceeded (%zu MB): stopped", what, c->limit >> 20);
    else
        tb_errf(e, "%s: %s", what, msg ? msg : "error");
    lua_pop(L, 1);
    lua_gc(L, LUA_GCCOLLECT, 0); /* give back what a memory bomb took before the next call */
    return -1;
}
