#include "repl/repl_eval.h"
#include "lua/convert.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

/* Compiles code (with "return " before it when ret) and pops the result: 0 compiles, 1 fails
 * at the end of the input (more may come), -1 fails elsewhere. */
static int try_load(lua_State *L, const char *code, size_t len, int ret)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (ret) luaL_addstring(&b, "return ");
    luaL_addlstring(&b, code, len);
    luaL_pushresult(&b);
    size_t n, mlen;
    const char *src = lua_tolstring(L, -1, &n);
    int rc = luaL_loadbufferx(L, src, n, "=stdin", "t");
    int r = 0;
    if (rc != LUA_OK) {
        const char *msg = lua_tolstring(L, -1, &mlen);
        r = rc == LUA_ERRSYNTAX && mlen >= 5 && strcmp(msg + mlen - 5, "<eof>") == 0 ? 1 : -1;
    }
    lua_pop(L, 2);
    return r;
}

/* As the Lua interpreter reads a line: an expression first ("return <line>"), then a statement;
 * unfinished when neither compiles and one of them ran out of input. */
int tb_repl_incomplete(lua_State *L, const char *code, size_t len)
{
    int as_expr = try_load(L, code, len, 1);
    if (as_expr == 0) return 0;
    int as_stmt = try_load(L, code, len, 0);
    if (as_stmt == 0) return 0;
    return as_expr == 1 || as_stmt == 1;
}

int tb_repl_eval(lua_State *L, const char *code, size_t len, tb_sbuf *out)
{
    int top = lua_gettop(L);
    char *ret = malloc(len + 8);
    if (!ret) {
        tb_sbuf_puts(out, "out of memory");
        return -1;
    }
    memcpy(ret, "return ", 7);
    memcpy(ret + 7, code, len);
    tb_err e;
    int rc = tb_lua_loadstring(L, ret, len + 7, "=repl", &e);
    free(ret);
    if (rc != 0 && tb_lua_loadstring(L, code, len, "=repl", &e) != 0) {
        tb_sbuf_puts(out, e.msg);
        return -1;
    }
    if (tb_lua_call(L, 0, LUA_MULTRET, "repl", &e) != 0) {
        tb_sbuf_puts(out, e.msg);
        lua_settop(L, top);
        return -1;
    }
    int n = lua_gettop(L) - top;
    for (int i = 1; i <= n; i++) {
        if (i > 1) tb_sbuf_puts(out, "\t");
        tb_lua_pretty(L, top + i, out);
    }
    lua_settop(L, top);
    return 0;
}
