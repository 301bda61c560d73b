/* The REPL client's "is this chunk complete?": a line is evaluated as an expression first, as
 * the Lua interpreter does, so a bare expression is sent at once instead of waiting for more. */
#include "repl/repl_eval.h"
#include "tbtest.h"

#include <lauxlib.h>
#include <lualib.h>

static int incomplete(const char *code)
{
    lua_State *L = luaL_newstate();
    int r = tb_repl_incomplete(L, code, strlen(code));
    CHECK_INT(lua_gettop(L), 0); /* leaves the stack as it found it */
    lua_close(L);
    return r;
}

TEST(a_bare_expression_is_complete)
{
    CHECK_INT(incomplete("tb.engine.status().dashboard\n"), 0);
    CHECK_INT(incomplete("1 + 2\n"), 0);
    CHECK_INT(incomplete("tb.engine.status()\n"), 0);
}

TEST(a_statement_is_complete)
{
    CHECK_INT(incomplete("x = 1\n"), 0);
    CHECK_INT(incomplete("return tb.engine.status()\n"), 0);
}

TEST(an_unfinished_chunk_waits_for_more)
{
    CHECK_INT(incomplete("for i = 1, 3 do\n"), 1);
    CHECK_INT(incomplete("1 +\n"), 1);
    CHECK_INT(incomplete("f(\n"), 1);
}

TEST(a_syntax_error_is_sent_to_be_reported)
{
    CHECK_INT(incomplete("x = = 1\n"), 0);
}
