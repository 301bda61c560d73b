/*
 * sandbox.h - Lua states for strategies (sandboxed) and for trusted scripts.
 *
 * A sandboxed state has no io, os (but time/clock/date), debug, package, require of files,
 * dofile/loadfile or binary chunks; its memory is capped by a custom allocator and every call
 * into it runs under an instruction budget (a count hook), a wall-clock deadline (lua/watchdog.h)
 * and a step budget for pattern functions (lua/pattern.c), so a runaway strategy is stopped with
 * a clear error and the engine goes on.
 *
 * A stop cannot be caught. The stop is recorded in the state's tb_lua_ctl, the count hook is
 * turned to every instruction, and the error object is the engine's own (a light userdata no Lua
 * code can forge); pcall, xpcall, coroutine.resume/close and load (the places Lua catches errors)
 * are replaced by versions that rethrow it, and xpcall's handler is not run. So once a budget is
 * spent, no Lua code of that state runs again until control is back in C. Finalizers are refused
 * (setmetatable with __gc is an error): Lua runs them with hooks off, outside any budget. A trusted
 * state (scripts/, the REPL) has the standard library without os.execute and io.popen; `tradebot
 * lua` adds those back (TB_LUA_FULL).
 */
#ifndef TB_LUA_SANDBOX_H
#define TB_LUA_SANDBOX_H

#include "lua/tb_module.h"
#include "util/err.h"

#include <lua.h>
#include <signal.h>
#include <stdint.h>

typedef enum { TB_LUA_KIND_SANDBOX, TB_LUA_KIND_TRUSTED, TB_LUA_KIND_FULL } tb_lua_kind;

#define TB_LUA_PATTERN_STEPS 10000000 /* default match steps per pattern function call */
#define TB_LUA_LOG_LINES     100      /* tb.log lines per call of a sandboxed state */
#define TB_LUA_CTL_KEY       "tb.ctl" /* registry: the tb_lua_ctl of a state made by tb_lua_new */

typedef struct tb_lua_limits {
    size_t mem_limit;      /* bytes; 0 = unlimited */
    int64_t instr_budget;  /* per tb_lua_call; 0 = unlimited */
    int64_t time_limit_ms; /* wall clock per tb_lua_call; 0 = unlimited */
    int64_t pattern_steps; /* per string.find/match/gmatch/gsub call; 0 = TB_LUA_PATTERN_STEPS */
    /* time_limit_ms counts the thread's CPU time, not the wall clock: offline runs (backtest,
     * replay, training), whose results must not depend on how busy the machine is. */
    int time_on_cpu;
} tb_lua_limits;

/* Why a call was stopped. */
typedef enum {
    TB_STOP_NONE,
    TB_STOP_INSTR,
    TB_STOP_TIME,
    TB_STOP_MEM,
    TB_STOP_PATTERN,
    TB_STOP_INTERRUPT,
} tb_stop_kind;

typedef struct tb_lua_ctl {
    size_t used, peak, limit;
    int64_t budget, count, time_limit_ms, pattern_steps;
    int time_on_cpu; /* tb_lua_limits.time_on_cpu */
    int budget_hit, mem_hit;
    int mem_refused;   /* the last growth was refused at the cap (Lua may collect and ask again) */
    void *refused_ptr; /* ... with this block */
    size_t refused_size;        /* ... and this size */
    int hooked;                 /* the count hook is installed */
    int sandboxed;              /* TB_LUA_KIND_SANDBOX */
    int forbid_gc;              /* setmetatable refuses __gc, getmetatable hides userdata's */
    int watch_fd;               /* REPL client socket watched for an interrupt, or -1 */
    lua_State *main;            /* the state's main thread */
    volatile sig_atomic_t flag; /* set by the watchdog: TB_WD_TIME, TB_WD_INTERRUPT */
    tb_stop_kind stop;          /* why the running (or last) call was stopped */
    int starved;       /* stopped for time having used under a tenth of it in CPU: a busy machine */
    int log_lines;     /* tb.log lines written by the current call (capped: TB_LUA_LOG_LINES) */
    int gc_deferred;   /* tb_lua_gc_defer: the collector runs in tb_lua_gc_pay only */
    size_t gc_owed;    /* bytes allocated since the collector last ran for them */
    size_t gc_resume;  /* after a finished cycle: no collection until used reaches this */
    int64_t gc_pay_ns; /* thread CPU time of the last payment (0: it took no step) */
    char mem_where[160]; /* where the first refused allocation of this call happened */
    char stop_msg[320];  /* "time limit exceeded (50 ms) at strategies/x.lua:3" */
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

/* Records a stop of kind k (message printf-style; " at <file>:<line>" is added) unless one is
 * recorded already, and raises the engine's stop error. Never returns. */
void tb_lua_raise_stop(lua_State *L, tb_stop_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* Raises the stop when one is recorded or the watchdog has fired (for C loops in Lua calls). */
void tb_lua_poll_stop(lua_State *L);

/* True when the current call of L has been stopped (or must be: a deadline, a refused
 * allocation seen by a catch point). Records the stop. */
int tb_lua_stopping(lua_State *L, int failed);

/* True when the value at idx is the engine's stop error. */
int tb_lua_is_stop(lua_State *L, int idx);

/* Watches fd (a REPL client) while L runs: an interrupt frame or a hang-up stops the call. */
void tb_lua_watch_fd(lua_State *L, int fd);

/* Refuses finalizers (setmetatable with __gc) in a trusted state too (the REPL). */
void tb_lua_forbid_gc(lua_State *L);

/*
 * Moves the collector's work out of calls: its automatic steps stop, and tb_lua_gc_pay does the
 * work the allocations since the last payment asked for (the same pacing as Lua's own: a step per
 * 8 KB allocated, a cycle once the heap doubles), at most 16 steps (~1 ms) a payment. Call pay
 * where a pause costs nothing (between bars). A call finding more than 512 KB unpaid collects it
 * first, inside its own time limit, so a state nobody pays for still collects and a strategy's
 * churn is not paid on the loop's time; an allocation refused at the memory cap still runs Lua's
 * full emergency collection first, so garbage never counts against a strategy's cap.
 */
void tb_lua_gc_defer(lua_State *L);

/* Does (up to 16 steps of) the collection owed by a deferred state (nothing for other states).
 * Returns the number of collector steps taken; the thread CPU time they took is left in the
 * state's gc_pay_ns (one step can be long: weak tables make the atomic phase grow with them).
 * Runs no Lua code (sandboxed states refuse finalizers). */
int tb_lua_gc_pay(lua_State *L);

#endif
