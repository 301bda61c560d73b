#include "lua/sandbox.h"
#include "log/log.h"
#include "lua/watchdog.h"
#include "strategy/host.h"
#include "log_testutil.h"
#include "tbtest.h"

#include <lauxlib.h>
#include <unistd.h>

static const tb_lua_limits lim = {.mem_limit = 16u << 20, .instr_budget = 2000000};

static char *write_tmp(const char *name, const char *src)
{
    static char path[256];
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/tbtest-sbx-XXXXXX");
        if (!mkdtemp(dir)) return NULL;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(src, f);
    fclose(f);
    return path;
}

/* Runs code as strategies/<file>'s on_bar in a fresh sandbox with limits tl (and the C function
 * fn as the global fn_name, when given); 0, or -1 with e set. */
static int run_as(const tb_lua_limits *tl, const char *file, const char *code, const char *fn_name,
                  lua_CFunction fn, tb_err *e)
{
    lua_State *L = tb_lua_new(TB_LUA_KIND_SANDBOX, tl, e);
    if (fn) lua_register(L, fn_name, fn);
    char chunk[64], where[80];
    snprintf(chunk, sizeof chunk, "=strategies/%s", file);
    snprintf(where, sizeof where, "strategies/%s: on_bar", file);
    int rc = tb_lua_loadstring(L, code, strlen(code), chunk, e);
    if (rc == 0) rc = tb_lua_call(L, 0, 1, where, e);
    tb_lua_close(L);
    return rc;
}

/* Runs code in a fresh sandbox with the test limits; returns 0 ok, -1 with e set. */
static int run_sandboxed(const char *code, tb_err *e)
{
    return run_as(&lim, "t.lua", code, NULL, NULL, e);
}

TEST(sandbox_has_no_io_os_debug_or_require)
{
    tb_err e;
    CHECK_INT(
        run_sandboxed("assert(io == nil and debug == nil and package == nil and require == nil)\n"
                      "assert(dofile == nil and loadfile == nil and os.execute == nil)\n"
                      "assert(os.remove == nil and os.getenv == nil and string.dump == nil)\n"
                      "assert(type(os.time()) == 'number' and type(tb.log.info) == 'function')\n"
                      "assert(tb.engine == nil)",
                      &e),
        0);
}

TEST(sandbox_refuses_binary_chunks)
{
    tb_err e;
    /* "\27Lua" is the signature of precompiled chunks. */
    CHECK_INT(run_sandboxed("local f, err = load('\\27Lua\\84\\0', 'x', 'b')\n"
                            "assert(f == nil and err:find('binary'), err)",
                            &e),
              0);
    lua_State *L = tb_lua_new(TB_LUA_KIND_SANDBOX, &lim, &e);
    CHECK_INT(tb_lua_loadstring(L, "\033Lua\x54", 5, "=bin", &e), -1);
    CHECK_CONTAINS(e.msg, "binary");
    tb_lua_close(L);
}

TEST(infinite_loop_is_stopped_with_file_and_function_named)
{
    tb_err e;
    CHECK_INT(run_sandboxed("while true do end", &e), -1);
    CHECK_CONTAINS(e.msg, "strategies/t.lua: on_bar");
    CHECK_CONTAINS(e.msg, "instruction budget exceeded");
}

TEST(memory_bomb_is_stopped_and_the_state_stays_usable)
{
    tb_err e;
    lua_State *L = tb_lua_new(TB_LUA_KIND_SANDBOX, &lim, &e);
    const char *bomb = "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end";
    CHECK_INT(tb_lua_loadstring(L, bomb, strlen(bomb), "=bomb", &e), 0);
    CHECK_INT(tb_lua_call(L, 0, 0, "strategies/bomb.lua: on_bar", &e), -1);
    CHECK_CONTAINS(e.msg, "strategies/bomb.lua: on_bar: memory limit exceeded (16 MB)");
    CHECK(tb_lua_ctl_of(L)->used < lim.mem_limit);
    const char *ok = "return 1 + 1";
    CHECK_INT(tb_lua_loadstring(L, ok, strlen(ok), "=ok", &e), 0);
    CHECK_INT(tb_lua_call(L, 0, 1, "after", &e), 0);
    CHECK_INT(lua_tointeger(L, -1), 2);
    tb_lua_close(L);
}

/* Strategy i's ctx.state[key] as an integer (0 when it is not one). */
static lua_Integer state_int(tb_shost *h, int i, const char *key)
{
    lua_State *L = h->s[i]->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->s[i]->ref_ctx);
    lua_getfield(L, -1, "state");
    lua_getfield(L, -1, key);
    lua_Integer v = lua_tointeger(L, -1);
    lua_pop(L, 3);
    return v;
}

TEST(runaway_strategy_is_reported_and_others_keep_running)
{
    tb_shost h;
    tb_shost_init(&h, &lim);
    tb_err e;
    char *p1 =
        write_tmp("spin.lua", "return { on_bar = function(ctx, bar) while true do end end }");
    tb_strategy_cfg c1 = {.name = "spin", .file = p1, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &c1, &e), 0);
    char *p2 = write_tmp(
        "count.lua",
        "return { on_bar = function(ctx, bar) ctx.state.n = (ctx.state.n or 0) + 1 end }");
    tb_strategy_cfg c2 = {.name = "count", .file = p2, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &c2, &e), 0);
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    for (int i = 0; i < 3; i++) tb_shost_on_bar(&h, &bar);
    CHECK_INT(h.s[0]->errors, 3);
    CHECK_CONTAINS(h.s[0]->last_error, "spin.lua: on_bar: ");
    CHECK_CONTAINS(h.s[0]->last_error, "instruction budget exceeded");
    CHECK_INT(h.s[1]->errors, 0);
    CHECK_INT(state_int(&h, 1, "n"), 3);
    tb_shost_free(&h);
}

TEST(strategy_that_keeps_failing_is_disabled_not_fatal)
{
    tb_shost h;
    tb_shost_init(&h, &lim);
    h.max_consecutive_errors = 5;
    tb_err e;
    char *p = write_tmp("bad.lua", "return { on_bar = function(ctx, bar) error('boom') end }");
    tb_strategy_cfg c = {.name = "bad", .file = p, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &c, &e), 0);
    tb_bar_view bar = {.symbol = "X"};
    for (int i = 0; i < 10; i++) tb_shost_on_bar(&h, &bar);
    CHECK_INT(h.s[0]->errors, 5);
    CHECK(h.s[0]->disabled);
    CHECK_CONTAINS(h.s[0]->last_error, "bad.lua:1: boom");
    tb_shost_free(&h);
}

TEST(strategy_file_must_return_a_table_with_callbacks)
{
    tb_err e;
    char *p = write_tmp("notable.lua", "return 42");
    CHECK_INT(tb_shost_check_file(p, "strategies/notable.lua", &lim, &e), -1);
    CHECK_STR(e.msg, "strategies/notable.lua: must return a table (got number)");
    p = write_tmp("nocb.lua", "return { name = 'x' }");
    CHECK_INT(tb_shost_check_file(p, "strategies/nocb.lua", &lim, &e), -1);
    CHECK_CONTAINS(e.msg, "defines none of on_start");
    p = write_tmp("syntax.lua", "return {\n on_bar = function(ctx, bar)\n  if then end\n end }");
    CHECK_INT(tb_shost_check_file(p, "strategies/syntax.lua", &lim, &e), -1);
    CHECK_CONTAINS(e.msg, "strategies/syntax.lua:3:");
}

TEST(params_from_config_override_the_strategy_defaults)
{
    tb_shost h;
    tb_shost_init(&h, &lim);
    tb_err e;
    char *p = write_tmp("params.lua",
                        "return { params = { a = 1, b = 2 },\n"
                        "on_bar = function(ctx) ctx.state.sum = ctx.params.a + ctx.params.b end }");
    tb_strategy_cfg c = {
        .name = "p", .file = p, .enabled = 1, .params = json_pack("{s:i}", "b", 40)};
    CHECK_INT(tb_shost_add(&h, &c, &e), 0);
    tb_bar_view bar = {.symbol = "X"};
    tb_shost_on_bar(&h, &bar);
    CHECK_INT(state_int(&h, 0, "sum"), 41);
    json_decref(c.params);
    tb_shost_free(&h);
}

TEST(symbol_params_override_params_for_that_symbol_only)
{
    tb_shost h;
    tb_shost_init(&h, &lim);
    tb_err e;
    char *p = write_tmp("symparams.lua",
                        "return { params = { a = 1, b = 2 },\n"
                        "on_bar = function(ctx, bar)\n"
                        "  ctx.state[bar.symbol] = ctx.params.a * 100 + ctx.params.b end }");
    tb_strategy_cfg c = {.name = "sp",
                         .file = p,
                         .enabled = 1,
                         .params = json_pack("{s:i}", "b", 3),
                         .symbol_params = json_pack("{s:{s:i}}", "AAPL", "a", 7)};
    CHECK_INT(tb_shost_add(&h, &c, &e), 0);
    tb_bar_view aapl = {.symbol = "AAPL"}, msft = {.symbol = "MSFT"};
    tb_shost_on_bar(&h, &aapl);
    tb_shost_on_bar(&h, &msft);
    CHECK_INT(tb_shost_reload_path(&h, h.s[0]->path, &e), 1); /* overrides survive a reload */
    tb_shost_on_bar(&h, &msft);
    tb_shost_on_bar(&h, &aapl);
    CHECK_INT(state_int(&h, 0, "AAPL"), 703);
    CHECK_INT(state_int(&h, 0, "MSFT"), 103);
    json_decref(c.params);
    json_decref(c.symbol_params);
    tb_shost_free(&h);
}

TEST(a_disabled_strategy_stays_disabled_until_its_file_changes)
{
    tb_lua_limits tl = {.mem_limit = 16u << 20, .instr_budget = 100000, .time_limit_ms = 50};
    tb_shost h;
    tb_shost_init(&h, &tl);
    h.max_overruns = 2;
    h.pause_ms = 0; /* no sitting out between the stops */
    tb_err e;
    char *p =
        write_tmp("overrun.lua", "return { on_bar = function(ctx, bar) while true do end end }");
    tb_strategy_cfg c = {.name = "overrun", .file = p, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &c, &e), 0);
    tb_bar_view bar = {.symbol = "X"};
    for (int i = 0; i < 4; i++) tb_shost_on_bar(&h, &bar);
    CHECK(h.s[0]->disabled);
    CHECK_INT(h.s[0]->overruns, 2);
    CHECK_INT(h.s[0]->errors, 2);
    /* A configuration reload (or SIGHUP) reloads every strategy's path: the same text stays off. */
    CHECK_INT(tb_shost_reload_path(&h, h.s[0]->path, &e), 0);
    CHECK(h.s[0]->disabled);
    CHECK_CONTAINS(e.msg, "stays disabled: its file has not changed");
    /* A changed file is a new strategy: it runs again. */
    write_tmp("overrun.lua", "return { on_bar = function(ctx, bar) ctx.state.ok = true end }");
    CHECK_INT(tb_shost_reload_path(&h, h.s[0]->path, &e), 1);
    CHECK(!h.s[0]->disabled);
    tb_shost_on_bar(&h, &bar);
    CHECK_INT(h.s[0]->errors, 2);
    tb_shost_free(&h);
}

/* Offline, a stopped strategy is called again on the next bar: a wall-clock pause would skip
 * as many bars as the replay reaches meanwhile, a number that depends on the machine. */
static int calls_after_a_stop(int offline)
{
    tb_lua_limits tl = {.mem_limit = 16u << 20, .instr_budget = 100000, .time_limit_ms = 50};
    tb_shost h;
    tb_shost_init(&h, &tl);
    if (offline) tb_shost_offline(&h);
    h.max_overruns = 100;
    tb_err e;
    char *p = write_tmp("pause.lua", "n = 0\nreturn { on_bar = function(ctx, bar)\n"
                                     "  n = n + 1; if n == 1 then while true do end end end }");
    tb_strategy_cfg c = {.name = "pause", .file = p, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &c, &e), 0);
    tb_bar_view bar = {.symbol = "X"};
    for (int i = 0; i < 3; i++) tb_shost_on_bar(&h, &bar);
    lua_getglobal(h.s[0]->L, "n");
    int n = (int)lua_tointeger(h.s[0]->L, -1);
    lua_pop(h.s[0]->L, 1);
    tb_shost_free(&h);
    return n;
}

TEST(an_offline_run_does_not_pause_a_stopped_strategy_on_the_wall_clock)
{
    CHECK_INT(calls_after_a_stop(1), 3);
    CHECK(calls_after_a_stop(0) < 3); /* live: it sits out 200 ms, the loop serves the rest */
}

/* A pattern that backtracks for minutes in stock Lua, inside string.find (C). */
static const char backtracking[] = "return ('a'):rep(26):find(('a*'):rep(12) .. 'b')";

/* The backtracking pattern with no step budget to speak of, under a 50 ms deadline (on the CPU
 * clock when on_cpu): only the watchdog can stop it. run_as's result. */
static int run_backtracking(int on_cpu, tb_err *e)
{
    tb_lua_limits tl = {.mem_limit = 16u << 20,
                        .time_limit_ms = 50,
                        .time_on_cpu = on_cpu,
                        .pattern_steps = 1000000000000LL};
    return run_as(&tl, "p.lua", backtracking, NULL, NULL, e);
}

TEST(work_inside_a_c_function_is_stopped_by_the_deadline_from_outside)
{
    tb_err e;
    int64_t t0 = tb_wd_now_ns();
    CHECK_INT(run_backtracking(0, &e), -1);
    int64_t ms = (tb_wd_now_ns() - t0) / 1000000;
    CHECK_CONTAINS(e.msg, "time limit exceeded (50 ms"); /* "; the machine was busy" under load */
    CHECK_CONTAINS(e.msg, "at strategies/p.lua:1: stopped");
    CHECK(ms < 600); /* stock Lua: minutes */
}

/* A call that waits without using the CPU: what a busy machine does to a strategy. */
static int nap(lua_State *L)
{
    usleep(300000);
    return 0;
}

static int call_napping(int on_cpu, tb_err *e)
{
    tb_lua_limits tl = {.mem_limit = 16u << 20, .time_limit_ms = 50, .time_on_cpu = on_cpu};
    const char *code = "nap(); local n = 0; for i = 1, 100000 do n = n + i end; return n";
    return run_as(&tl, "n.lua", code, "nap", nap, e);
}

/* A backtest stopped an on_bar when the machine was busy, so two runs of the same inputs gave
 * different trades (e2e trading, "identical output", under load). Offline runs count CPU time. */
TEST(a_starved_call_is_stopped_on_the_wall_clock_but_not_on_the_cpu_clock)
{
    tb_err e;
    CHECK_INT(call_napping(0, &e), -1);
    CHECK_CONTAINS(e.msg, "time limit exceeded (50 ms");
    CHECK_INT(call_napping(1, &e), 0);
}

TEST(the_cpu_clock_deadline_still_stops_work_inside_a_c_function)
{
    tb_err e;
    CHECK_INT(run_backtracking(1, &e), -1);
    CHECK_CONTAINS(e.msg, "time limit exceeded (50 ms)");
}

TEST(the_step_budget_stops_a_pattern_without_a_deadline)
{
    tb_lua_limits tl = {.mem_limit = 16u << 20, .pattern_steps = 100000};
    tb_err e;
    lua_State *L = tb_lua_new(TB_LUA_KIND_SANDBOX, &tl, &e);
    const char *code = "local ok = pcall(string.find, ('a'):rep(22), ('a*'):rep(10) .. 'b')\n"
                       "return 'caught'";
    CHECK_INT(tb_lua_loadstring(L, code, strlen(code), "=strategies/p.lua", &e), 0);
    CHECK_INT(tb_lua_call(L, 0, 1, "strategies/p.lua: on_bar", &e), -1);
    CHECK_CONTAINS(e.msg, "string.find: pattern too complex (more than 100000 matching steps) at "
                          "strategies/p.lua:1: stopped");
    /* Ordinary patterns are untouched. */
    code = "return ('key=value'):match('(%w+)=(%w+)')";
    CHECK_INT(tb_lua_loadstring(L, code, strlen(code), "=ok", &e), 0);
    CHECK_INT(tb_lua_call(L, 0, 2, "ok", &e), 0);
    CHECK_STR(lua_tostring(L, -2), "key");
    CHECK_STR(lua_tostring(L, -1), "value");
    tb_lua_close(L);
}

TEST(a_state_that_cannot_be_carried_does_not_block_a_fixed_file)
{
    tb_shost h;
    tb_shost_init(&h, &lim);
    tb_err e;
    char *p = write_tmp("dag.lua", "return { on_bar = function(ctx, bar)\n"
                                   "  local t = {'leaf'} for i = 1, 30 do t = {t, t} end\n"
                                   "  ctx.state.dag = t end }");
    tb_strategy_cfg c = {.name = "dag", .file = p, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &c, &e), 0);
    tb_bar_view bar = {.symbol = "X"};
    tb_shost_on_bar(&h, &bar);
    CHECK(tb_shost_state_get(&h, h.s[0], &e) == NULL);
    CHECK_CONTAINS(e.msg, "ctx.state too large (more than 1024 KB serialised) at dag.");
    write_tmp("dag.lua", "return { on_bar = function(ctx, bar) ctx.state.fixed = true end }");
    CHECK_INT(tb_shost_reload_path(&h, h.s[0]->path, &e), 1);
    tb_shost_on_bar(&h, &bar);
    json_t *st = tb_shost_state_get(&h, h.s[0], &e);
    CHECK(st != NULL && json_is_true(json_object_get(st, "fixed")));
    CHECK(json_object_get(st, "dag") == NULL);
    json_decref(st);
    tb_shost_free(&h);
}

TEST(a_call_writes_at_most_a_hundred_log_lines)
{
    char path[300];
    CHECK_INT(tbt_open_tmp_log(path, sizeof path), 0);
    tb_err e;
    lua_State *L = tb_lua_new(TB_LUA_KIND_SANDBOX, &lim, &e);
    const char *code = "for i = 1, 500 do tb.log.info('line ' .. i) end";
    for (int call = 0; call < 2; call++) { /* the cap is per call */
        CHECK_INT(tb_lua_loadstring(L, code, strlen(code), "=flood", &e), 0);
        CHECK_INT(tb_lua_call(L, 0, 0, "strategies/flood.lua: on_bar", &e), 0);
    }
    tb_lua_close(L);
    tb_log_close();
    FILE *f = fopen(path, "r");
    char line[512];
    int lines = 0, warned = 0, last = 0;
    while (f && fgets(line, sizeof line, f)) {
        lines++;
        warned += strstr(line, "more than 100 log lines in one call") != NULL;
        if (strstr(line, "line 100\n")) last++;
        CHECK(strstr(line, "line 101\n") == NULL);
    }
    if (f) fclose(f);
    CHECK_INT(lines, 2 * 101);
    CHECK_INT(warned, 2);
    CHECK_INT(last, 2);
}
