/*
 * orch_lua.c - tb.orch (also tb.ops, its older name): what the daily sequence's Lua steps need
 * from C (trusted scripts only).
 *
 *   tb.orch.settings()         -> {archive_remote, script, max_bytes, jsonl_max_bytes, repl_socket}
 *   tb.orch.rotate(path, max)  -> archive path (.gz) when path was over max bytes, else nil, why
 *   tb.orch.engine_running()   -> true when an engine answers on its REPL socket
 *   tb.orch.db_check(path)     -> ok, report (lock and PRAGMA quick_check, in words)
 *   tb.orch.sample_vix([date]) -> vix, "YYYY-MM-DD", source: the sample generator's VIX
 *
 * Rotation waits for the compression, so a step that returns has its archive on disk.
 */
#include "config/config.h"
#include "data/sample_gen.h"
#include "home/home.h"
#include "log/rotate.h"
#include "lua/bind.h"
#include "orch/dbcheck.h"

#include <lauxlib.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int load_config(lua_State *L, tb_config *c)
{
    char path[PATH_MAX];
    tb_config_errors errs;
    if (tb_config_load(tb_home_path(path, sizeof path, TB_CONFIG_PATH), 1, c, &errs) != 0)
        return luaL_error(L, "%s", errs.n ? errs.msg[0] : "configuration error");
    return 0;
}

static int l_settings(lua_State *L)
{
    tb_config c;
    load_config(L, &c);
    lua_newtable(L);
    lua_pushstring(L, c.orchestrator.archive_remote);
    lua_setfield(L, -2, "archive_remote");
    lua_pushstring(L, c.orchestrator.script);
    lua_setfield(L, -2, "script");
    lua_pushstring(L, c.repl.socket);
    lua_setfield(L, -2, "repl_socket");
    lua_pushinteger(L, c.logging.max_bytes);
    lua_setfield(L, -2, "max_bytes");
    lua_pushinteger(L, c.logging.jsonl_max_bytes);
    lua_setfield(L, -2, "jsonl_max_bytes");
    tb_config_free(&c);
    return 1;
}

static int l_rotate(lua_State *L)
{
    char path[PATH_MAX], archives[PATH_MAX], out[PATH_MAX];
    tb_home_path(path, sizeof path, luaL_checkstring(L, 1));
    lua_Integer max = luaL_checkinteger(L, 2);
    struct stat st;
    if (stat(path, &st) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, "no such file");
        return 2;
    }
    if (max <= 0 || st.st_size < max) {
        lua_pushnil(L);
        lua_pushfstring(L, "%I bytes, under the %I byte limit", (lua_Integer)st.st_size, max);
        return 2;
    }
    tb_err e;
    if (tb_rotate_file(path, tb_home_path(archives, sizeof archives, "data/archives"), out,
                       sizeof out, &e) != 0)
        return luaL_error(L, "%s", e.msg);
    tb_rotate_wait();
    if (stat(out, &st) != 0) return luaL_error(L, "rotate %s: compression to %s failed", path, out);
    lua_pushstring(L, out);
    return 1;
}

static int l_engine_running(lua_State *L)
{
    tb_config c;
    load_config(L, &c);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    char path[PATH_MAX];
    tb_home_path(path, sizeof path, c.repl.socket);
    tb_config_free(&c);
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int up = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    lua_pushboolean(L, up);
    return 1;
}

static int l_db_check(lua_State *L)
{
    char path[PATH_MAX], report[1024];
    tb_home_path(path, sizeof path, luaL_optstring(L, 1, "ml_db/ml_data.db"));
    int ok = tb_dbcheck(path, 2000, report, sizeof report) == 0;
    lua_pushboolean(L, ok);
    lua_pushstring(L, report);
    return 2;
}

/* The VIX of the sample data the replay feed plays (the embedded macro source). */
static int l_sample_vix(lua_State *L)
{
    tb_config c;
    load_config(L, &c);
    tb_sample_cfg sc;
    tb_sample_defaults(&sc);
    sc.seed = (uint64_t)c.replay.seed;
    sc.days = (int)c.replay.days;
    sc.nsymbols = 1; /* VIX follows SPY only */
    tb_err e;
    int bad = c.replay.start && *c.replay.start && tb_date_parse(c.replay.start, &sc.start, &e);
    tb_config_free(&c);
    if (bad) return luaL_error(L, "replay.start: %s", e.msg);
    tb_symtab syms = {0};
    tb_bar_vec minutes = {0}, vix = {0};
    if (tb_sample_generate(&sc, &syms, &minutes, &vix, &e) != 0) {
        tb_symtab_free(&syms);
        return luaL_error(L, "sample data: %s", e.msg);
    }
    tb_date want = INT32_MAX;
    if (!lua_isnoneornil(L, 1) && tb_date_parse(luaL_checkstring(L, 1), &want, &e) != 0) want = -1;
    const tb_bar *pick = NULL;
    for (size_t i = 0; i < vix.n; i++)
        if (tb_cal_session_day(vix.v[i].start_ns) <= want) pick = &vix.v[i];
    if (pick) {
        char d[16];
        lua_pushnumber(L, pick->close);
        lua_pushstring(L, tb_date_fmt(tb_cal_session_day(pick->start_ns), d, sizeof d));
        lua_pushstring(L, "sample");
    }
    tb_bar_vec_free(&minutes), tb_bar_vec_free(&vix), tb_symtab_free(&syms);
    if (!pick) return luaL_error(L, "the sample data has no VIX bar on or before that date");
    return 3;
}

int tbl_open_orch(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"settings", l_settings},
        {"rotate", l_rotate},
        {"engine_running", l_engine_running},
        {"db_check", l_db_check},
        {"sample_vix", l_sample_vix},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
