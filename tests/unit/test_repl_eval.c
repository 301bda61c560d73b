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

/* Checks that every chunk of srcs (NULL-ended) waits for more (want 1) or is sent (want 0). */
static void expect(int want, const char *const *srcs)
{
    for (const char *const *src = srcs; *src; src++) {
        int got = incomplete(*src);
        if (got != want) TBT_FAIL("\"%s\": incomplete %d, expected %d", *src, got, want);
    }
}

TEST(a_bare_expression_is_complete)
{
    expect(0, (const char *const[]){"tb.engine.status().dashboard\n", "1 + 2\n",
                                    "tb.engine.status()\n", NULL});
}

TEST(a_statement_is_complete)
{
    expect(0, (const char *const[]){"x = 1\n", "return tb.engine.status()\n", NULL});
}

TEST(an_unfinished_chunk_waits_for_more)
{
    expect(1, (const char *const[]){"for i = 1, 3 do\n", "1 +\n", "f(\n", NULL});
}

TEST(a_syntax_error_is_sent_to_be_reported)
{
    CHECK_INT(incomplete("x = = 1\n"), 0);
}
