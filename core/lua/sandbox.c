#include "lua/sandbox.h"
#include "lua/guard.h"
#include "lua/watchdog.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOOK_EVERY 1000 /* instructions between budget checks */
/* The deferred collector (tb_lua_gc_defer) keeps Lua's own pacing: a step per 2^13 bytes
 * allocated, a new cycle once the heap doubles (pause 200 %). A payment takes at most
 * GC_PAY_STEPS steps (~1 ms) so the loop stays responsive; a call finding more than GC_OWED_MAX
 * unpaid collects it first, inside its own time limit. */
#define GC_STEP_BYTES (8u << 10)
#define GC_PAUSE      2
#define GC_PAY_STEPS  16
#define GC_OWED_MAX   (512u << 10)

static char stop_key; /* its address is the stop error: no Lua value can equal it */

/* "<file>:<line>" of the innermost Lua function running on L, or "" (read-only: no allocation). */
static void where(lua_State *L, char *buf, size_t n)
{
    lua_Debug ar;
    buf[0] = '\0';
    for (int level = 0; level < 8 && lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(buf, n, " at %s:%d", ar.short_src, ar.currentline);
            return;
        }
    }
}

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
        c->mem_refused = c->mem_hit ? 2 : 1; /* 2: over already, a retry cures nothing */
        c->refused_ptr = ptr;
        c->refused_size = nsize;
        if (!c->mem_hit && c->main) where(c->main, c->mem_where, sizeof c->mem_where);
        c->mem_hit = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    if (c->mem_refused && nsize > old) {
        /* Lua answers a refusal with a full (emergency) collection and asks again with the same
         * block and size: granted now, that refusal was garbage (which the deferred collector
         * leaves until then), not a strategy over its cap. */
        if (c->mem_refused == 1 && ptr == c->refused_ptr && nsize == c->refused_size)
            c->mem_hit = 0;
        c->mem_refused = 0;
    }
    if (nsize > old) c->gc_owed += nsize - old;
    c->used = c->used - old + nsize;
    if (c->used > c->peak) c->peak = c->used;
    return p;
}

static void budget_hook(lua_State *L, lua_Debug *ar);

/* Records the first stop of the call: kind, message and where it was. */
static void record_stop(lua_State *L, tb_lua_ctl *c, tb_stop_kind k, const char *msg)
{
    if (c->stop != TB_STOP_NONE) return;
    char at[160];
    if (k == TB_STOP_MEM)
        snprintf(at, sizeof at, "%s", c->mem_where);
    else
        where(L, at, sizeof at);
    c->stop = k;
    if (k == TB_STOP_INSTR) c->budget_hit = 1;
    snprintf(c->stop_msg, sizeof c->stop_msg, "%s%s", msg, at);
}

static _Noreturn void raise_recorded(lua_State *L)
{
    /* Every instruction of this thread traps from now on: handlers, metamethods and __close
     * that run while the error unwinds are stopped at their first instruction. */
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    lua_pushlightuserdata(L, &stop_key);
    lua_error(L);
    abort(); /* not reached: lua_error does not return */
}

/* Records the stop the watchdog asked for (time limit, interrupt). 1 when there is one. */
static int take_flag(lua_State *L, tb_lua_ctl *c)
{
    char msg[96];
    if (c->flag == TB_WD_TIME) {
        int64_t cpu_ms = tb_wd_cpu_used_ns() / 1000000;
        c->starved = cpu_ms * 10 < c->time_limit_ms;
        if (c->starved)
            snprintf(msg, sizeof msg,
                     "time limit exceeded (%lld ms; the machine was busy: %lld ms of CPU)",
                     (long long)c->time_limit_ms, (long long)cpu_ms);
        else
            snprintf(msg, sizeof msg, "time limit exceeded (%lld ms)", (long long)c->time_limit_ms);
        record_stop(L, c, TB_STOP_TIME, msg);
    } else if (c->flag == TB_WD_INTERRUPT) {
        record_stop(L, c, TB_STOP_INTERRUPT, "interrupted");
    }
    return c->stop != TB_STOP_NONE;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    if (c->stop == TB_STOP_NONE && !take_flag(L, c)) {
        c->count += HOOK_EVERY;
        if (!c->budget || c->count <= c->budget) return;
        char msg[96];
        snprintf(msg, sizeof msg, "instruction budget exceeded (%lld instructions)",
                 (long long)c->budget);
        record_stop(L, c, TB_STOP_INSTR, msg);
    }
    raise_recorded(L);
}

void tb_lua_raise_stop(lua_State *L, tb_stop_kind k, const char *fmt, ...)
{
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    record_stop(L, c, k, msg);
    raise_recorded(L);
}

void tb_lua_poll_stop(lua_State *L)
{
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    if (c->stop != TB_STOP_NONE || take_flag(L, c)) raise_recorded(L);
}

int tb_lua_stopping(lua_State *L, int failed)
{
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    if (c->stop != TB_STOP_NONE || take_flag(L, c)) return 1;
    if (failed && c->mem_hit) {
        char msg[96];
        snprintf(msg, sizeof msg, "memory limit exceeded (%zu MB)", c->limit >> 20);
        record_stop(L, c, TB_STOP_MEM, msg);
        return 1;
    }
    return 0;
}

int tb_lua_is_stop(lua_State *L, int idx)
{
    return lua_touserdata(L, idx) == &stop_key && lua_islightuserdata(L, idx);
}

tb_lua_ctl *tb_lua_ctl_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
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
    c->time_limit_ms = lim ? lim->time_limit_ms : 0;
    c->time_on_cpu = lim ? lim->time_on_cpu : 0;
    c->pattern_steps = lim && lim->pattern_steps ? lim->pattern_steps : TB_LUA_PATTERN_STEPS;
    c->watch_fd = -1;
    lua_State *L = lua_newstate(limited_alloc, c);
    if (!L) {
        free(c);
        tb_errf(e, "lua: cannot create state (memory limit too small?)");
        return NULL;
    }
    c->main = L;
    lua_pushlightuserdata(L, c); /* so tb.log can find it (it also runs in states made elsewhere) */
    lua_setfield(L, LUA_REGISTRYINDEX, TB_LUA_CTL_KEY);
    if (kind == TB_LUA_KIND_SANDBOX) {
        c->forbid_gc = c->sandboxed = 1;
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
    tb_lua_open_patterns(L);
    tb_lua_install_guards(L);
    c->hooked = c->budget || c->time_limit_ms;
    if (c->hooked) lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
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

#define MAX_SOURCE (16u << 20)

int tb_lua_loadfile(lua_State *L, const char *path, const char *chunkname, tb_err *e)
{
    /* Read here and loaded under "@<chunkname>", so every message and stop location names the
     * file as the operator wrote it (strategies/x.lua:12), not its absolute path. */
    FILE *f = fopen(path, "rb");
    if (!f) return tb_errf(e, "%s: cannot open", chunkname);
    char *buf = malloc(MAX_SOURCE + 1);
    size_t n = buf ? fread(buf, 1, MAX_SOURCE + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad || n > MAX_SOURCE) {
        free(buf);
        return tb_errf(e, "%s: %s", chunkname,
                       !buf  ? "out of memory"
                       : bad ? "cannot read"
                             : "larger than 16 MB");
    }
    size_t skip = 0;
    if (n && buf[0] == '#') /* a #! line, as lua does: its newline stays for the line numbers */
        while (skip < n && buf[skip] != '\n') skip++;
    char name[512];
    snprintf(name, sizeof name, "@%s", chunkname);
    int rc = luaL_loadbufferx(L, buf + skip, n - skip, name, "t");
    free(buf);
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        tb_errf(e, "%s", msg ? msg : "load failed");
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

void tb_lua_forbid_gc(lua_State *L)
{
    tb_lua_ctl_of(L)->forbid_gc = 1;
}

void tb_lua_gc_defer(lua_State *L)
{
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    lua_gc(L, LUA_GCSTOP);
    c->gc_deferred = 1;
    c->gc_owed = 0;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Up to max collector steps for what c owes (a step per GC_STEP_BYTES allocated). */
static int gc_pay(lua_State *L, tb_lua_ctl *c, int max)
{
    int steps = 0;
    int64_t t0 = 0;
    c->gc_pay_ns = 0;
    if (c->used < c->gc_resume) { /* the pause after a cycle, as Lua's own collector waits */
        c->gc_owed = 0;
        return 0;
    }
    while (c->gc_owed >= GC_STEP_BYTES && steps < max) {
        if (!steps) t0 = thread_cpu_ns(); /* read only when a step is taken */
        c->gc_owed -= GC_STEP_BYTES;
        steps++;
        if (lua_gc(L, LUA_GCSTEP, 0)) { /* a cycle ended: what is left is live */
            c->gc_resume = c->used * GC_PAUSE;
            c->gc_owed = 0;
        }
    }
    if (steps) c->gc_pay_ns = thread_cpu_ns() - t0;
    return steps;
}

int tb_lua_gc_pay(lua_State *L)
{
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    return c->gc_deferred ? gc_pay(L, c, GC_PAY_STEPS) : 0;
}

void tb_lua_watch_fd(lua_State *L, int fd)
{
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    c->watch_fd = fd;
    if (!c->hooked) lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
    c->hooked = 1;
}

/* Clears what the last call left: its stop, the watchdog's flag, an every-instruction hook. */
static void reset_call(lua_State *L, tb_lua_ctl *c)
{
    if (c->stop != TB_STOP_NONE || c->flag)
        lua_sethook(L, c->hooked ? budget_hook : NULL, c->hooked ? LUA_MASKCOUNT : 0, HOOK_EVERY);
    c->count = 0;
    c->budget_hit = c->mem_hit = c->mem_refused = 0;
    c->stop = TB_STOP_NONE;
    c->starved = 0;
    c->log_lines = 0;
    c->flag = 0;
    c->mem_where[0] = c->stop_msg[0] = '\0';
}

int tb_lua_call(lua_State *L, int nargs, int nres, const char *what, tb_err *e)
{
    tb_lua_ctl *c = tb_lua_ctl_of(L);
    reset_call(L, c);
    tb_wd_token wd;
    tb_wd_arm(&wd, L, &c->flag, c->time_limit_ms, c->time_on_cpu, c->watch_fd);
    /* A state allocating faster than its payments collect (or one nobody pays for) catches up
     * here, on its own time limit: the loop does not pay for a strategy's churn. */
    if (c->gc_deferred && c->gc_owed > GC_OWED_MAX) gc_pay(L, c, INT_MAX);
    int rc = lua_pcall(L, nargs, nres, 0);
    tb_wd_disarm(&wd);
    if (rc == LUA_OK) return 0;
    if (c->stop != TB_STOP_NONE || tb_lua_stopping(L, 1))
        tb_errf(e, "%s: %s: stopped", what, c->stop_msg);
    else if (rc == LUA_ERRMEM)
        tb_errf(e, "%s: memory limit exceeded (%zu MB): stopped", what, c->limit >> 20);
    else
        tb_errf(e, "%s: %s", what, lua_isstring(L, -1) ? lua_tostring(L, -1) : "error");
    lua_pop(L, 1);
    /* No full collection here: after a memory bomb it would take the loop tens of ms outside any
     * limit. The garbage is collected by the next allocation that needs room, inside the next
     * call's budget, and is capped meanwhile. */
    return -1;
}
