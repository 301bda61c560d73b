/*
 * repl_eval.h - evaluating one REPL chunk the way the stock Lua REPL does.
 */
#ifndef TB_REPL_EVAL_H
#define TB_REPL_EVAL_H

#include "util/sbuf.h"

#include <lua.h>
#include <stddef.h>

/* True when code is an unfinished chunk (an open block or string, an expression cut short):
 * keep reading lines. A bare expression ("tb.engine.status().dashboard") is complete. */
int tb_repl_incomplete(lua_State *L, const char *code, size_t len);

/*
 * Compiles code as `return <code>` first, then as a statement, runs it under the state's
 * instruction budget and appends the results (pretty-printed, tab-separated) or the error to
 * out. Returns 0 on success, -1 on error.
 */
int tb_repl_eval(lua_State *L, const char *code, size_t len, tb_sbuf *out);

#endif
