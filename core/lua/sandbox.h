/*
 * sandbox.h - Lua states for strategies (sandboxed) and for trusted scripts.
 *
 * A sandboxed state has no io, os (but time/clock/date), debug, package, require of files,
 * dofile/loadfile or binary chunks; its memory is capped by a custom allocator and every call
 * into it runs under an instruction budget (a count hook), so a runaway strategy is stopped with
 * a clear error and the engine goes on. A trusted state (scripts/, the REPL) has the standard
 * library without os.execute and io.popen; `tradebot lua` adds those back (TB_LUA_FULL).
 */
#ifndef TB_LUA_SANDBOX_H
#define TB_LUA_SANDBOX_H

#include "lua/tb_module.h"
#include "util/err.h"

#include <lua.h>
#include <stdint.h>

typedef enum { TB_LUA_KIND_SANDBOX, TB_LUA_KIND_TRUSTED, TB_LUA_KIND_FULL } tb_lua_kind;

typedef struct tb_lua_limits {
    size_t mem_limit;     /* bytes; 0 = unlimited */
    int64_t instr_budget; /* per tb_lua_call; 0 = unlimited */
} tb_lua_limits;

typedef struct tb_lua_ctl {
    size_t used, peak, limit;
    int64_t budget, count;
    int budget_hit, mem_hit;
} tb_lua_ctl;

/* A new state of the given kind with `tb` as a global (and `require "tb"` in trusted kinds). */
lua_State *tb_lua_new(tb_lua_kind kind, const tb_lua_limits *lim, tb_err *e);

/* Closes a state made by tb_lua_new. */
void tb_lua_close(lua_State *L);

/* The allocator and budget bookkeeping of a state made by tb_lua_new. */
tb_lua_ctl *tb_lua_ctl_of(lua_State *L);

/* Loads a file as a text chunk (binary refused), leaving the function on the stack. chunkname
 * is what errors show ("strategies/x.lua"). */
int tb_lua_loadfile(lua_State *L, const char *path, const char *chunkname, tb_err *e);

/* Loads a text chunk from memory (binary refused). */
int tb_lua_loadstring(lua_State *L, const char *code, size_t len, const char *chunkname, tb_err *e);

/*
 * Calls the function below nargs arguments, like lua_pcall, with the instruction budget reset.
 * On error fills e with "<what>: <message>" (what names file and function), pops the error and
 * returns -1; the state stays usable.
 */
int tb_lua_call(lua_State *L, int nargs, int nres, const char *what, tb_err *e);

#endif
