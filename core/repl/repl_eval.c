#include "repl/repl_eval.h"
#include "lua/convert.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

int tb_repl_incomplete(lua_State *L, const char *code, size_t len)
{
    int rc = luaL_loadbufferx(L, code, len, "=stdin", "t");
    int incomplete = 0;
    if (rc == LUA_ERRSYNTAX) {
        size_t mlen;
        const char *msg = lua_tolstring(L, -1, &mlen);
        incomplete = mlen >= 5 && strcmp(msg + mlen - 5, "<eof>") == 0;
    }
    lua_pop(L, 1);
    return incomplete;
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
