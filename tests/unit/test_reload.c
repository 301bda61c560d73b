/*
 * Hot reload under a stream of events: a strategy counts bars and checks their sequence while
 * its file is rewritten (good and broken versions, written in place and renamed into place).
 * No bar may be lost or seen twice, state must carry over, and a broken file must leave the
 * running version in place.
 */
#include "engine/watch.h"
#include "home/home.h"
#include "loop/loop.h"
#include "strategy/host.h"
#include "tbtest.h"

#include <lauxlib.h>
#include <unistd.h>

#define N_EVENTS 16000
#define N_WRITES 8

static tb_shost host;
static tb_loop *loop;
static struct event *tick_ev, *write_ev;
static int64_t seq;
static int writes, good_writes, last_good_version;
static char strat_path[4096];

static const char *version_src(int v, int broken)
{
    static char src[1024];
    snprintf(src, sizeof src,
             "local V = %d\n"
             "return { name = 'counter',\n"
             "  on_bar = function(ctx, bar)\n"
             "    local s = ctx.state\n"
             "    if s.last and bar.seq ~= s.last + 1 then s.gaps = (s.gaps or 0) + 1 end\n"
             "    if s.last and bar.seq <= s.last then s.dups = (s.dups or 0) + 1 end\n"
             "    s.last = bar.seq\n"
             "    s.count = (s.count or 0) + 1\n"
             "    s.v = V\n"
             "  end%s\n"
             "}\n",
             v, broken ? " end end" : "");
    return src;
}

static void write_version(int v, int broken, int via_rename)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", strat_path);
    FILE *f = fopen(via_rename ? tmp : strat_path, "w");
    fputs(version_src(v, broken), f);
    fclose(f);
    if (via_rename) rename(tmp, strat_path);
}

static void on_change(const char *path, void *ud)
{
    tb_err e;
    tb_shost_reload_path(&host, path, &e);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    /* Several bars per tick, like a feed delivering a burst. */
    for (int i = 0; i < 4 && seq < N_EVENTS; i++) {
        tb_bar_view bar = {.symbol = "AAPL", .close = 100, .seq = ++seq};
        tb_shost_on_bar(&host, &bar);
    }
    if (seq >= N_EVENTS) {
        event_del(tick_ev);
        event_del(write_ev);
        struct timeval settle = {0, 400000};
        event_base_loopexit(tb_loop_base(loop), &settle);
    }
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
    if (writes >= N_WRITES) return;
    int v = writes + 2;
    int broken = writes % 3 == 2;
    write_version(v, broken, writes % 2);
    if (!broken) {
        good_writes++;
        last_good_version = v;
    }
    writes++;
}

static lua_Integer state_int(const char *key)
{
    lua_State *L = host.s[0]->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, host.s[0]->ref_ctx);
    lua_getfield(L, -1, "state");
    lua_getfield(L, -1, key);
    lua_Integer v = lua_tointeger(L, -1);
    lua_pop(L, 3);
    return v;
}

/* A fresh home from the template home (mkdtemp) with version 1 of counter.lua, run by host. */
static void host_counter(char *home)
{
    if (!mkdtemp(home)) TBT_FAIL("mkdtemp %s", home);
    tb_home_set_override(home);
    tb_err e;
    if (tb_home_init(&e) != 0) TBT_FAIL("home: %s", e.msg);
    snprintf(strat_path, sizeof strat_path, "%s/strategies/counter.lua", home);
    write_version(1, 0, 0);
    tb_lua_limits lim = {.mem_limit = 32u << 20, .instr_budget = 1000000};
    tb_shost_init(&host, &lim);
    tb_strategy_cfg cfg = {.name = "counter", .file = "strategies/counter.lua", .enabled = 1};
    if (tb_shost_add(&host, &cfg, &e) != 0) TBT_FAIL("add counter: %s", e.msg);
}

TEST(reload_under_a_stream_of_events_loses_and_duplicates_nothing)
{
    char home[] = "/tmp/tbtest-reload-XXXXXX";
    host_counter(home);
    tb_err e;

    loop = tb_loop_new(10, &e);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/strategies", home);
    tb_watch *w = tb_watch_new(tb_loop_base(loop), 30, on_change, NULL, &e);
    CHECK_INT(tb_watch_add_dir(w, dir, 0, &e), 0);
    tick_ev = event_new(tb_loop_base(loop), -1, EV_PERSIST, tick_cb, NULL);
    write_ev = event_new(tb_loop_base(loop), -1, EV_PERSIST, write_cb, NULL);
    struct timeval tick = {0, 1000}, every = {0, 200000};
    event_add(tick_ev, &tick);
    event_add(write_ev, &every);
    tb_loop_run(loop);

    CHECK_INT(writes, N_WRITES);
    CHECK_INT(state_int("count"), N_EVENTS);
    CHECK_INT(state_int("last"), N_EVENTS);
    CHECK_INT(state_int("gaps"), 0);
    CHECK_INT(state_int("dups"), 0);
    CHECK_INT(host.reloads, good_writes);
    CHECK_INT(host.reload_failures, N_WRITES - good_writes);
    CHECK_INT(host.s[0]->version, 1 + good_writes);
    /* The last write was good, so the running code is the last good version. */
    CHECK_INT(state_int("v"), last_good_version);

    event_free(tick_ev);
    event_free(write_ev);
    tb_watch_free(w);
    tb_shost_free(&host);
    tb_loop_free(loop);
}

TEST(broken_file_keeps_the_running_version_and_says_where)
{
    char home[] = "/tmp/tbtest-reload2-XXXXXX";
    host_counter(home);
    tb_err e;
    tb_bar_view bar = {.symbol = "AAPL", .seq = 1};
    tb_shost_on_bar(&host, &bar);
    write_version(2, 1, 0);
    CHECK_INT(tb_shost_reload_path(&host, strat_path, &e), -1);
    CHECK_CONTAINS(e.msg, "strategies/counter.lua:10:");
    CHECK_INT(host.s[0]->version, 1);
    bar.seq = 2;
    tb_shost_on_bar(&host, &bar);
    CHECK_INT(state_int("count"), 2);
    CHECK_INT(state_int("v"), 1);
    tb_shost_free(&host);
}

/* The component of the strategy's own log lines (tb.log): "strategy:<name>". */
static const char *component_of(const tb_strategy *s)
{
    static char buf[128];
    lua_getfield(s->L, LUA_REGISTRYINDEX, "tb.component");
    snprintf(buf, sizeof buf, "%s", lua_tostring(s->L, -1) ? lua_tostring(s->L, -1) : "(none)");
    lua_pop(s->L, 1);
    return buf;
}

/* ctx.name as the strategy's code reads it. */
static const char *ctx_name_of(const tb_strategy *s)
{
    static char buf[128];
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_ctx);
    lua_getfield(s->L, -1, "name");
    snprintf(buf, sizeof buf, "%s", lua_tostring(s->L, -1) ? lua_tostring(s->L, -1) : "(none)");
    lua_pop(s->L, 2);
    return buf;
}

TEST(a_strategy_s_log_lines_carry_its_registered_name_whatever_its_file_calls_itself)
{
    char home[] = "/tmp/tbtest-reload3-XXXXXX";
    host_counter(home); /* configured and declared as counter */
    CHECK_STR(component_of(host.s[0]), "strategy:counter");
    /* A new version names itself otherwise: the engine still runs it as counter (its orders,
     * its metrics), so its lines must say counter too. */
    FILE *f = fopen(strat_path, "w");
    fputs("return { name = 'renamed', on_bar = function(ctx, bar) end }\n", f);
    fclose(f);
    tb_err e;
    CHECK_INT(tb_shost_reload_path(&host, strat_path, &e), 1);
    CHECK_STR(host.s[0]->name, "counter");
    CHECK_STR(component_of(host.s[0]), "strategy:counter");
    CHECK_STR(ctx_name_of(host.s[0]), "counter");
    tb_shost_free(&host);

    /* At first load too: the configuration's name wins over the file's. */
    tb_lua_limits lim = {.mem_limit = 32u << 20, .instr_budget = 1000000};
    tb_shost_init(&host, &lim);
    tb_strategy_cfg cfg = {.name = "configured", .file = "strategies/counter.lua", .enabled = 1};
    CHECK_INT(tb_shost_add(&host, &cfg, &e), 0);
    CHECK_STR(host.s[0]->name, "configured");
    CHECK_STR(component_of(host.s[0]), "strategy:configured");
    CHECK_STR(ctx_name_of(host.s[0]), "configured"); /* what its own code reads, too */
    tb_shost_free(&host);
}
