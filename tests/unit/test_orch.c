/*
 * The orchestrator over a simulated week (fake clock, real child processes of tradebot): every
 * step at its moment and once, across a restart and a crash in the middle of a day and the
 * spring DST change; retries, timeouts, unavailable commands, missed steps and reloads.
 */
#include "home/home.h"
#include "orch/orch.h"
#include "orch/status.h"
#include "tbtest.h"
#include "util/clock.h"

#include <stdlib.h>
#include <unistd.h>

#define NS  1000000000LL
#define MIN (60 * NS)

static char home[256];
static tb_cal cal;

static const char script_text[] =
    "local M = {}\n"
    "M.steps = {\n"
    "  { name = 'pre', at = '30 minutes before open', lua = 'mark' },\n"
    "  { name = 'flaky', at = 'open', lua = 'flaky', retries = 1, retry_delay = 60 },\n"
    "  { name = 'post', at = '15 minutes after close', lua = 'slow_mark' },\n"
    "  { name = 'nightly', at = '22:30 UTC', lua = 'mark', skip_non_trading = false },\n"
    "  { name = 'sentinel', at = '22:30 UTC', command = { 'sentinel' } },\n"
    "}\n"
    "local function append(p, s) local f = assert(io.open(p, 'a')) f:write(s) f:close() end\n"
    "function M.mark()\n"
    "  append('data/marks.txt', os.getenv('TB_ORCH_STEP') .. ' ' .. os.getenv('TB_ORCH_DAY') .. "
    "'\\n')\n"
    "end\n"
    "function M.slow_mark() os.execute('sleep 0.3') M.mark() end\n"
    "function M.flaky()\n"
    "  local p = 'data/flaky-' .. os.getenv('TB_ORCH_DAY')\n"
    "  if not io.open(p) then append(p, 'x') error('first attempt fails') end\n"
    "  M.mark()\n"
    "end\n"
    "function M.hang() os.execute('sleep 30') end\n"
    "function M.refuse() print('needs tradebot widgets') os.exit(69) end\n"
    "local argv = { ... }\n"
    "if argv[1] == '--call' then M[argv[2]]() return end\n"
    "return M\n";

static void write_file(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", home, rel);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
}

static void setup(const char *text)
{
    snprintf(home, sizeof home, "/tmp/tb-orch-XXXXXX");
    if (!mkdtemp(home)) TBT_FAIL("mkdtemp");
    tb_home_set_override(home);
    tb_err e;
    if (tb_home_init(&e) != 0) TBT_FAIL("home: %s", e.msg);
    write_file("scripts/orchestrator.lua", text);
    tb_cal_init(&cal);
}

static void teardown(void)
{
    tb_clock_set_fake_ns(0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", home);
    if (system(cmd) != 0) TBT_FAIL("cleanup");
}

static int has_command(const char *name)
{
    return strcmp(name, "sentinel") != 0;
}

static tb_orch *new_orch(struct event_base *base, tb_db *db)
{
    char script[512];
    snprintf(script, sizeof script, "%s/scripts/orchestrator.lua", home);
    char logp[512];
    snprintf(logp, sizeof logp, "%s/logs/orchestrator.log", home);
    tb_orch_opts o = {.base = base,
                      .db = db,
                      .script = script,
                      .script_rel = "scripts/orchestrator.lua",
                      .exe = TB_TRADEBOT_BIN,
                      .home = home,
                      .log_path = logp,
                      .cal = &cal,
                      .has_command = has_command,
                      .owner = 1};
    tb_err e;
    tb_orch *orch = tb_orch_new(&o, &e);
    if (!orch) TBT_FAIL("orch: %s", e.msg);
    return orch;
}

static void settle(struct event_base *base, tb_orch *o)
{
    tb_orch_tick(o);
    while (tb_orch_busy(o)) event_base_loop(base, EVLOOP_ONCE);
}

static tb_db *open_db(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/ml_db/ml_data.db", home);
    tb_err e;
    tb_db *db = tb_db_open(p, NULL, &e);
    if (!db) TBT_FAIL("db: %s", e.msg);
    return db;
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return ((int64_t)tb_date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60) * NS;
}

static int rows(tb_db *db, const char *where)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM orch_runs WHERE %s", where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

/* started_ns of the ok run of step on y-m-d, or -1 */
static int64_t ran_at(tb_db *db, const char *step, int y, int m, int d)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db->h,
                       "SELECT started_ns FROM orch_runs WHERE step=? AND day=? AND status='ok'",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, step, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, tb_date_from_ymd(y, m, d));
    int64_t t = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return t;
}

static int count_lines(const char *rel, const char *line)
{
    char p[512], buf[256];
    snprintf(p, sizeof p, "%s/%s", home, rel);
    FILE *f = fopen(p, "r");
    int n = 0;
    while (f && fgets(buf, sizeof buf, f))
        if (strncmp(buf, line, strlen(line)) == 0 && buf[strlen(line)] == '\n') n++;
    if (f) fclose(f);
    return n;
}

TEST(a_simulated_week_runs_every_step_once_at_its_moment_across_restarts_and_dst)
{
    setup(script_text);
    struct event_base *base = event_base_new();
    tb_db *db = open_db();
    tb_orch *o = new_orch(base, db);
    /* Tuesday 2026-03-03 00:00Z to Tuesday 2026-03-10 00:00Z: DST starts Sunday 03-08. */
    for (int64_t t = utc(2026, 3, 3, 0, 0); t < utc(2026, 3, 10, 0, 0); t += MIN) {
        tb_clock_set_fake_ns(t);
        if (t == utc(2026, 3, 5, 16, 0)) { /* a clean restart in the middle of Thursday */
            tb_orch_free(o);
            o = new_orch(base, db);
        }
        if (t == utc(2026, 3, 6, 21, 15)) { /* Friday: crash while `post` runs */
            tb_orch_tick(o);
            event_base_loop(base, EVLOOP_NONBLOCK);
            CHECK(tb_orch_busy(o));
            tb_orch_free(o);
            sqlite3_exec(db->h, "UPDATE orch_runs SET status='running' WHERE status='interrupted'",
                         NULL, NULL, NULL); /* as a killed process leaves it */
            o = new_orch(base, db);
        }
        settle(base, o);
    }
    const int trading[][3] = {{2026, 3, 3}, {2026, 3, 4}, {2026, 3, 5}, {2026, 3, 6}, {2026, 3, 9}};
    for (int i = 0; i < 5; i++) {
        int y = trading[i][0], m = trading[i][1], d = trading[i][2];
        int est = d < 8; /* EST before Sunday 03-08, EDT after */
        CHECK_INT(ran_at(db, "pre", y, m, d), utc(y, m, d, est ? 14 : 13, 0));
        CHECK_INT(ran_at(db, "flaky", y, m, d), utc(y, m, d, est ? 14 : 13, 31)); /* retried */
        CHECK_INT(ran_at(db, "post", y, m, d), utc(y, m, d, est ? 21 : 20, 15));
        char day[16], line[64];
        snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, d);
        snprintf(line, sizeof line, "pre %s", day);
        CHECK_INT(count_lines("data/marks.txt", line), 1);
        snprintf(line, sizeof line, "post %s", day);
        CHECK_INT(count_lines("data/marks.txt", line), 1);
        snprintf(line, sizeof line, "flaky %s", day);
        CHECK_INT(count_lines("data/marks.txt", line), 1);
    }
    for (int d = 3; d <= 9; d++) {
        CHECK_INT(ran_at(db, "nightly", 2026, 3, d), utc(2026, 3, d, 22, 30));
        char line[64];
        snprintf(line, sizeof line, "nightly 2026-03-%02d", d);
        CHECK_INT(count_lines("data/marks.txt", line), 1);
    }
    /* The week's own days (2026-03-03 = day 20515 .. 03-09 = 20521). */
    CHECK_INT(rows(db, "day >= 20515 AND step='pre'"), 5);
    CHECK_INT(rows(db, "day >= 20515 AND step='flaky' AND status='failed' AND final=0"), 5);
    CHECK_INT(rows(db, "day >= 20515 AND step='post' AND status='interrupted'"), 1);
    CHECK_INT(rows(db, "day >= 20515 AND status='ok'"), 5 + 5 + 5 + 7);
    CHECK_INT(rows(db, "day >= 20515 AND step='sentinel' AND status='unavailable' AND message LIKE"
                       " '%`tradebot sentinel` does not exist yet%'"),
              5);
    CHECK_INT(rows(db, "day >= 20515 AND status='missed'"), 0);
    /* Started at 00:00Z on Tuesday: Monday's post-close steps were within their grace and ran
     * at once; its pre-market steps and Sunday's nightly were too late and are recorded missed. */
    CHECK_INT(ran_at(db, "post", 2026, 3, 2), utc(2026, 3, 3, 0, 0));
    CHECK_INT(ran_at(db, "nightly", 2026, 3, 2), utc(2026, 3, 3, 0, 0));
    CHECK_INT(rows(db, "day < 20515 AND status='missed'"), 3);
    tb_orch_free(o);
    tb_db_close(db);
    event_base_free(base);
    teardown();
}

TEST(a_step_found_past_its_grace_is_recorded_missed_not_run)
{
    setup(script_text);
    struct event_base *base = event_base_new();
    tb_db *db = open_db();
    tb_orch *o = new_orch(base, db);
    tb_clock_set_fake_ns(utc(2026, 3, 9, 19, 0)); /* pre was due at 13:00Z, grace 4 h */
    settle(base, o);
    CHECK_INT(rows(db, "step='pre' AND status='missed' AND final=1"), 1);
    CHECK_INT(rows(db, "step='flaky' AND status='ok'"), 0); /* 13:30 + 4 h: missed too */
    CHECK_INT(count_lines("data/marks.txt", "pre 2026-03-09"), 0);
    tb_orch_free(o);
    tb_db_close(db);
    event_base_free(base);
    teardown();
}

static const char misc_script[] =
    "local M = { steps = {\n"
    "  { name = 'hang', at = '22:30 UTC', lua = 'hang', timeout = 1 },\n"
    "  { name = 'refuse', at = '22:30 UTC', lua = 'refuse' },\n"
    "} }\n"
    "function M.hang() print('hanging') io.stdout:flush() os.execute('sleep 30') end\n"
    "function M.refuse() print('needs tradebot widgets') os.exit(69) end\n"
    "local argv = { ... }\n"
    "if argv[1] == '--call' then M[argv[2]]() return end\n"
    "return M\n";

TEST(a_hanging_step_is_killed_at_its_timeout_and_exit_69_means_unavailable)
{
    setup(misc_script);
    struct event_base *base = event_base_new();
    tb_db *db = open_db();
    tb_orch *o = new_orch(base, db);
    tb_err e;
    int64_t t0 = tb_clock_mono_ns();
    CHECK_INT(tb_orch_run_now(o, "hang", &e), 0);
    CHECK_INT(tb_orch_run_now(o, "refuse", &e), 0);
    CHECK_INT(tb_orch_run_now(o, "nope", &e), -1);
    CHECK_CONTAINS(e.msg, "no step named \"nope\"");
    while (tb_orch_busy(o)) event_base_loop(base, EVLOOP_ONCE);
    CHECK((tb_clock_mono_ns() - t0) < 10 * NS); /* not the 30 s sleep */
    CHECK_INT(rows(db, "step='hang' AND status='timeout' AND message LIKE '%1 s timeout%'"), 1);
    CHECK_INT(rows(db, "step='refuse' AND status='unavailable'"), 1);
    char p[512], log[8192] = "";
    snprintf(p, sizeof p, "%s/logs/orchestrator.log", home);
    FILE *f = fopen(p, "r");
    size_t n = f ? fread(log, 1, sizeof log - 1, f) : 0;
    log[n] = '\0';
    if (f) fclose(f);
    CHECK_CONTAINS(log, "step=hang | hanging");
    CHECK_CONTAINS(log, "step=hang status=timeout duration=1.");
    CHECK_CONTAINS(log, "step=refuse | needs tradebot widgets");
    tb_orch_free(o);
    tb_db_close(db);
    event_base_free(base);
    teardown();
}

static const char skip_script[] =
    "local M = { steps = {\n"
    "  { name = 'archive', at = '22:30 UTC', lua = 'skip' },\n"
    "  { name = 'mark', at = '22:30 UTC', lua = 'mark' },\n"
    "} }\n"
    "function M.skip() print('looking for a remote') print('skipped: no remote is set') "
    "os.exit(78) end\n"
    "function M.mark() print('done') end\n"
    "local argv = { ... }\n"
    "if argv[1] == '--call' then M[argv[2]]() return end\n"
    "return M\n";

TEST(a_step_exiting_78_is_skipped_with_its_reason_and_the_day_still_completes)
{
    setup(skip_script);
    /* Tuesday 2026-12-08 23:00 UTC: both steps are scheduled that day. */
    tb_clock_set_fake_ns(utc(2026, 12, 8, 23, 0));
    struct event_base *base = event_base_new();
    tb_db *db = open_db();
    tb_orch *o = new_orch(base, db);
    tb_err e;
    CHECK_INT(tb_orch_run_now(o, "archive", &e), 0);
    CHECK_INT(tb_orch_run_now(o, "mark", &e), 0);
    while (tb_orch_busy(o)) event_base_loop(base, EVLOOP_ONCE);
    CHECK_INT(rows(db, "step='archive' AND status='skipped' AND final=1 AND "
                       "message='no remote is set'"),
              1);
    tb_step_status ss[8];
    int complete = 0;
    CHECK_INT(tb_orch_day_status(db, tb_orch_schedule(o), &cal, tb_date_from_ymd(2026, 12, 8),
                                 utc(2026, 12, 8, 23, 0), ss, &complete, &e),
              0);
    CHECK_STR(ss[0].state, "skipped");
    CHECK_STR(ss[1].state, "ok");
    CHECK_INT(complete, 1);
    tb_orch_free(o);
    tb_db_close(db);
    event_base_free(base);
    teardown();
}

TEST(a_bad_script_edit_keeps_the_running_schedule_and_a_good_one_replaces_it)
{
    setup(misc_script);
    struct event_base *base = event_base_new();
    tb_db *db = open_db();
    tb_orch *o = new_orch(base, db);
    tb_err e;
    write_file("scripts/orchestrator.lua",
               "return { steps = { { name = 'x', at = 'teatime', lua = 'x' } } }\n");
    CHECK_INT(tb_orch_reload(o, &e), -1);
    CHECK_CONTAINS(e.msg, "scripts/orchestrator.lua: steps[1] x: time \"teatime\"");
    CHECK_INT(tb_orch_schedule(o)->n, 2);
    write_file("scripts/orchestrator.lua",
               "return { steps = { { name = 'x', at = 'open', command = {'candidates'},"
               " lua = 'x' } } }\n");
    CHECK_INT(tb_orch_reload(o, &e), -1);
    CHECK_CONTAINS(e.msg, "exactly one of command");
    write_file("scripts/orchestrator.lua", script_text);
    CHECK_INT(tb_orch_reload(o, &e), 0);
    CHECK_INT(tb_orch_schedule(o)->n, 5);
    CHECK_STR(tb_orch_schedule(o)->steps[3].at, "22:30 UTC");
    tb_orch_free(o);
    tb_db_close(db);
    event_base_free(base);
    teardown();
}
