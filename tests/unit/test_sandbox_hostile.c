/*
 * Every strategy in tests/hostile/ against the strategy host with the default sandbox limits:
 * each call returns within its time limit (plus a margin for a loaded machine), the strategy is
 * stopped for the reason its file names, a budget overrun disables it after max_overruns, and a
 * well-behaved strategy beside it sees every bar.
 */
#include "lua/sandbox.h"
#include "strategy/host.h"
#include "lua/watchdog.h"
#include "tbtest.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define BARS 6
#define SLACK_MS                                                                                   \
    1500 /* a loaded shared machine (load 20 on 2 cores seen); the e2e measures latency */
#define LIMIT_MS 50

static const char counter_src[] =
    "return { name = 'counter', on_bar = function(ctx, bar) ctx.state.n = (ctx.state.n or 0) + 1 "
    "end }";

static void read_header(const char *path, char *expect, size_t n, int *needs)
{
    FILE *f = fopen(path, "r");
    char line[512];
    expect[0] = '\0';
    *needs = 0;
    while (f && fgets(line, sizeof line, f) && strncmp(line, "--", 2) == 0) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "-- expect: ", 11) == 0) snprintf(expect, n, "%s", line + 11);
        if (strncmp(line, "-- needs: ", 10) == 0) *needs = 1;
    }
    if (f) fclose(f);
}

/* One of the '|'-separated alternatives appears in msg. */
static int matches(const char *msg, const char *expect)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", expect);
    for (char *save, *alt = strtok_r(buf, "|", &save); alt; alt = strtok_r(NULL, "|", &save))
        if (strstr(msg, alt)) return 1;
    return 0;
}

static int64_t counter_n(tb_strategy *s)
{
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_ctx);
    lua_getfield(s->L, -1, "state");
    lua_getfield(s->L, -1, "n");
    int64_t n = lua_tointeger(s->L, -1);
    lua_pop(s->L, 3);
    return n;
}

/* Runs one case; returns the number of failed checks. */
static int run_case(const char *dir, const char *file)
{
    char path[1024], counter[1100], expect[256];
    int needs, fails = 0;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    read_header(path, expect, sizeof expect, &needs);
    if (needs || !expect[0]) return 0;
    snprintf(counter, sizeof counter, "/tmp/tbtest-hostile-counter-%d.lua", (int)getpid());
    FILE *f = fopen(counter, "w");
    fputs(counter_src, f);
    fclose(f);
    tb_lua_limits lim = {.mem_limit = 64u << 20,
                         .instr_budget = 5000000,
                         .time_limit_ms = LIMIT_MS,
                         .pattern_steps = TB_LUA_PATTERN_STEPS};
    tb_shost h;
    tb_shost_init(&h, &lim);
    tb_err e;
    tb_strategy_cfg good = {.name = "counter", .file = counter, .enabled = 1};
    tb_strategy_cfg bad = {.name = "hostile", .file = path, .enabled = 1};
    if (tb_shost_add(&h, &good, &e) != 0 || tb_shost_add(&h, &bad, &e) != 0) {
        fprintf(stderr, "  %s: cannot load: %s\n", file, e.msg);
        tb_shost_free(&h);
        return 1;
    }
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    char seen[1024] = "";
    int64_t worst = 0;
    for (int i = 0; i < BARS; i++) {
        int64_t t0 = tb_wd_now_ns();
        tb_shost_on_bar(&h, &bar);
        json_t *st = tb_shost_state_get(&h, h.s[1], &e); /* what persistence does after a bar */
        json_decref(st);
        int64_t ms = (tb_wd_now_ns() - t0) / 1000000;
        if (ms > worst) worst = ms;
        if (h.s[1]->last_error[0] && !seen[0])
            snprintf(seen, sizeof seen, "%s", h.s[1]->last_error);
    }
    if (!matches(seen, expect)) {
        fprintf(stderr, "  %s: expected \"%s\", got \"%s\"\n", file, expect, seen);
        fails++;
    }
    if (worst > LIMIT_MS + SLACK_MS) {
        fprintf(stderr, "  %s: a bar took %lld ms (limit %d ms)\n", file, (long long)worst,
                LIMIT_MS);
        fails++;
    }
    if (h.s[1]->overruns && !h.s[1]->disabled && h.s[1]->overruns >= h.max_overruns) fails++;
    if (counter_n(h.s[0]) != BARS) {
        fprintf(stderr, "  %s: the other strategy saw %lld of %d bars\n", file,
                (long long)counter_n(h.s[0]), BARS);
        fails++;
    }
    printf("  %-22s stopped in <= %3lld ms: %.150s\n", file, (long long)worst, seen);
    tb_shost_free(&h);
    remove(counter);
    return fails;
}

TEST(every_hostile_strategy_is_stopped_in_time_and_the_other_keeps_trading)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/hostile", TB_SOURCE_DIR);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int cases = 0, fails = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".lua") != 0) continue;
        fails += run_case(dir, de->d_name);
        cases++;
    }
    if (d) closedir(d);
    CHECK(cases >= 20);
    CHECK_INT(fails, 0);
}

TEST(a_taken_name_is_refused_and_the_first_keeps_running)
{
    tb_lua_limits lim = {.mem_limit = 16u << 20, .instr_budget = 1000000, .time_limit_ms = 50};
    tb_shost h;
    tb_shost_init(&h, &lim);
    tb_err e;
    char first[128], dir[1024], second[1100];
    snprintf(first, sizeof first, "/tmp/tbtest-hostile-first-%d.lua", (int)getpid());
    FILE *f = fopen(first, "w");
    fputs(counter_src, f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/tests/hostile", TB_SOURCE_DIR);
    snprintf(second, sizeof second, "%s/impersonate.lua", dir);
    tb_strategy_cfg a = {.file = first, .enabled = 1};
    tb_strategy_cfg b = {.file = second, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &a, &e), 0);
    CHECK_INT(tb_shost_add(&h, &b, &e), -1);
    CHECK_CONTAINS(e.msg, "strategy name 'counter' is already taken by");
    CHECK_CONTAINS(e.msg, "impersonate.lua");
    CHECK_INT(h.n, 1);
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    tb_shost_on_bar(&h, &bar);
    CHECK_INT(counter_n(h.s[0]), 1);
    tb_shost_free(&h);
    remove(first);
}

/* A strategy that wraps its whole on_bar in a catch point and loops to catch the stop and go on.
 * Code after the catch point would count in ctx.state.caught (and a message handler in
 * ctx.state.handled): it never runs, the call ends with the stop, and max_overruns such calls
 * disable the strategy (docs/strategy-api.md, "Limits"). */
static const char *const catchers[] = {
    "pcall",
    "while true do pcall(body, ctx, bar); s.caught = (s.caught or 0) + 1 end",
    "xpcall",
    "while true do\n"
    "  xpcall(body, function(e) s.handled = true; return e end, ctx, bar)\n"
    "  s.caught = (s.caught or 0) + 1\n"
    "end",
    "coroutine.resume",
    "while true do coroutine.resume(coroutine.create(body), ctx, bar); s.caught = (s.caught or 0) "
    "+ "
    "1 end",
    "coroutine.wrap in pcall",
    "while true do pcall(coroutine.wrap(body), ctx, bar); s.caught = (s.caught or 0) + 1 end",
};

static int state_set(tb_strategy *s, const char *key)
{
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_ctx);
    lua_getfield(s->L, -1, "state");
    int set = lua_getfield(s->L, -1, key) != LUA_TNIL;
    lua_pop(s->L, 3);
    return set;
}

/* Runs one catcher under lim; returns the failed checks. */
static int run_catcher(const char *name, const char *loop, const tb_lua_limits *lim,
                       const char *expect)
{
    char src[1024], path[128];
    snprintf(src, sizeof src,
             "local function body(ctx, bar) local n = 0 while true do n = n + 1 end end\n"
             "return { on_bar = function(ctx, bar)\n local s = ctx.state\n %s\nend }\n",
             loop);
    snprintf(path, sizeof path, "/tmp/tbtest-catcher-%d.lua", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(src, f);
    fclose(f);
    tb_shost h;
    tb_shost_init(&h, lim);
    h.pause_ms = 0; /* the stops in a row; the pause is test_sandbox's */
    tb_err e;
    tb_strategy_cfg c = {.name = "catcher", .file = path, .enabled = 1};
    int fails = 0;
    if (tb_shost_add(&h, &c, &e) != 0) {
        fprintf(stderr, "  %s: cannot load: %s\n", name, e.msg);
        tb_shost_free(&h);
        return 1;
    }
    tb_strategy *s = h.s[0];
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    int64_t worst = 0;
    for (int i = 0; i < h.max_overruns + 2; i++) { /* two more bars: not called once disabled */
        int64_t t0 = tb_wd_now_ns();
        tb_shost_on_bar(&h, &bar);
        int64_t ms = (tb_wd_now_ns() - t0) / 1000000;
        if (ms > worst) worst = ms;
        if (i < h.max_overruns && !strstr(s->last_error, expect)) {
            fprintf(stderr, "  %s: call %d ended with \"%s\", not \"%s\"\n", name, i + 1,
                    s->last_error, expect);
            fails++;
        }
    }
    if (state_set(s, "caught") || state_set(s, "handled")) {
        fprintf(stderr, "  %s: code after the catch point ran\n", name);
        fails++;
    }
    if (!s->disabled || s->overruns != h.max_overruns || s->errors != (uint64_t)h.max_overruns) {
        fprintf(stderr, "  %s: disabled %d after %d overruns, %llu errors (max_overruns %d)\n",
                name, s->disabled, s->overruns, (unsigned long long)s->errors, h.max_overruns);
        fails++;
    }
    if (worst > LIMIT_MS + SLACK_MS) {
        fprintf(stderr, "  %s: a bar took %lld ms\n", name, (long long)worst);
        fails++;
    }
    printf("  %-24s %-32s stopped in <= %3lld ms, disabled after %d\n", name, expect,
           (long long)worst, s->overruns);
    tb_shost_free(&h);
    remove(path);
    return fails;
}

TEST(a_stop_caught_by_pcall_xpcall_or_a_coroutine_still_ends_the_call_and_disables)
{
    /* The instruction budget first; then only the time limit (CPU clock: a busy machine neither
     * hastens nor weakens the stop). */
    tb_lua_limits budget = {.mem_limit = 64u << 20, .instr_budget = 5000000};
    tb_lua_limits time = {.mem_limit = 64u << 20, .time_limit_ms = LIMIT_MS, .time_on_cpu = 1};
    int fails = 0, n = (int)(sizeof catchers / sizeof catchers[0]) / 2;
    for (int i = 0; i < n; i++) {
        fails += run_catcher(catchers[2 * i], catchers[2 * i + 1], &budget,
                             "instruction budget exceeded (5000000 instructions)");
        fails +=
            run_catcher(catchers[2 * i], catchers[2 * i + 1], &time, "time limit exceeded (50 ms)");
    }
    CHECK_INT(fails, 0);
}
