/*
 * core/sweep/: the spec's sets are numbered the same way on every machine (grid order, seeded
 * random samples on their step grid and within bounds), shards partition the task list,
 * walk-forward windows never let a test segment overlap its train segment, the worker pool
 * reports a crashed task as failed and goes on, and merge refuses results that disagree.
 */
#include "tbtest.h"
#include "store/db.h"
#include "sweep/plan.h"
#include "sweep/pool.h"
#include "sweep/slurm.h"
#include "sweep/spec.h"
#include "sweep/store.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STRAT TB_SOURCE_DIR "/strategies/opening_range_breakout.lua"

static int parse(tb_sweep_spec *s, const char *body, tb_err *e)
{
    char code[2048];
    snprintf(code, sizeof code, "return { strategy = \"%s\", %s }", STRAT, body);
    return tb_sweep_spec_parse(s, code, strlen(code), "t.lua", ".", NULL, e);
}

TEST(grid_sets_are_numbered_by_sorted_param_the_last_fastest)
{
    tb_sweep_spec s;
    tb_err e;
    CHECK_INT(parse(&s, "grid = { b = {1, 2, 3}, a = {10, 20} }, heatmap = {'b', 'a'}", &e), 0);
    CHECK_INT(tb_sweep_nsets(&s), 6);
    CHECK_STR(s.params[0], "a");
    CHECK_STR(s.params[1], "b");
    json_t *third = json_array_get(s.sets, 2), *fourth = json_array_get(s.sets, 3);
    CHECK_INT(json_integer_value(json_object_get(third, "a")), 10);
    CHECK_INT(json_integer_value(json_object_get(third, "b")), 3);
    CHECK_INT(json_integer_value(json_object_get(fourth, "a")), 20);
    CHECK_INT(json_integer_value(json_object_get(fourth, "b")), 1);
    CHECK_STR(s.heat_x, "b");
    CHECK_STR(s.metric->name, "sharpe");
    CHECK_INT(strlen(s.hash), 16);
    tb_sweep_spec_free(&s);
}

TEST(random_samples_repeat_from_the_seed_on_the_step_grid_within_bounds)
{
    const char *body = "random = { samples = 40, seed = 7, bounds = { x = { min = 0.8, max = 2.0, "
                       "step = 0.1 }, n = { min = 5, max = 30 } } }";
    tb_sweep_spec a, b, c;
    tb_err e;
    CHECK_INT(parse(&a, body, &e), 0);
    CHECK_INT(parse(&b, body, &e), 0);
    CHECK_INT(tb_sweep_nsets(&a), 40);
    CHECK(json_equal(a.sets, b.sets));
    CHECK_STR(a.hash, b.hash);
    size_t i;
    json_t *set;
    json_array_foreach(a.sets, i, set)
    {
        double x = json_number_value(json_object_get(set, "x"));
        json_t *n = json_object_get(set, "n");
        CHECK(x >= 0.8 - 1e-12 && x <= 2.0 + 1e-12);
        CHECK(fabs(x * 10 - round(x * 10)) < 1e-9); /* on the 0.1 grid */
        CHECK(json_is_integer(n) && json_integer_value(n) >= 5 && json_integer_value(n) <= 30);
    }
    char other[512];
    snprintf(other, sizeof other, "%s", body);
    memcpy(strstr(other, "seed = 7"), "seed = 8", 8);
    CHECK_INT(parse(&c, other, &e), 0);
    CHECK(!json_equal(a.sets, c.sets));
    CHECK(strcmp(a.hash, c.hash) != 0);
    tb_sweep_spec_free(&a), tb_sweep_spec_free(&b), tb_sweep_spec_free(&c);
}

TEST(bad_specs_are_refused_naming_the_key)
{
    tb_sweep_spec s;
    tb_err e;
    CHECK_INT(parse(&s, "grid = { a = {1} }, metrik = 'pnl'", &e), -1);
    CHECK_CONTAINS(e.msg, "unknown key metrik");
    tb_sweep_spec_free(&s);
    CHECK_INT(parse(&s, "grid = { a = {1} }, metric = 'profit'", &e), -1);
    CHECK_CONTAINS(e.msg, "metric profit is not one of sharpe, pnl");
    tb_sweep_spec_free(&s);
    CHECK_INT(parse(&s, "grid = { a = {} }", &e), -1);
    CHECK_CONTAINS(e.msg, "grid.a must be a non-empty list");
    tb_sweep_spec_free(&s);
    CHECK_INT(parse(&s, "grid = { a = {1} }, random = { samples = 1, seed = 1, bounds = {} }", &e),
              -1);
    CHECK_CONTAINS(e.msg, "one of them");
    tb_sweep_spec_free(&s);
    CHECK_INT(parse(&s, "grid = { a = {1}, b = {2} }, heatmap = { 'a', 'c' }", &e), -1);
    CHECK_CONTAINS(e.msg, "heatmap names a and c");
    tb_sweep_spec_free(&s);
    CHECK_INT(parse(&s, "grid = { a = {1} }, walk_forward = { train = 5 }", &e), -1);
    CHECK_CONTAINS(e.msg, "needs both train and test");
    tb_sweep_spec_free(&s);
    const char *loop = "return (function() while true do end end)()";
    CHECK_INT(tb_sweep_spec_parse(&s, loop, strlen(loop), "loop.lua", ".", NULL, &e), -1);
    tb_sweep_spec_free(&s);
}

static char days[30][16];

static int cut(tb_sweep_plan *p, int train, int test, int n, tb_err *e)
{
    tb_sweep_spec s;
    CHECK_INT(parse(&s, "grid = { a = {1, 2, 3} }", e), 0);
    s.wf_train = train, s.wf_test = test;
    for (int i = 0; i < n; i++) snprintf(days[i], 16, "2026-01-%02d", i + 1);
    int rc = tb_sweep_plan_cut(p, &s, days, n, e);
    tb_sweep_spec_free(&s);
    return rc;
}

TEST(walk_forward_test_segments_follow_their_train_segments_without_overlap)
{
    tb_sweep_plan p;
    tb_err e;
    CHECK_INT(cut(&p, 10, 5, 20, &e), 0);
    CHECK_INT(p.nseg, 4); /* (20 - 10) / 5 windows, a train and a test segment each */
    CHECK_INT(p.ntasks, 12);
    CHECK_STR(p.seg[0].from, "2026-01-01");
    CHECK_STR(p.seg[0].to, "2026-01-10");
    CHECK_STR(p.seg[1].from, "2026-01-11");
    CHECK_STR(p.seg[1].to, "2026-01-15");
    CHECK_STR(p.seg[2].from, "2026-01-06");
    CHECK_STR(p.seg[3].from, "2026-01-16");
    CHECK_STR(p.seg[3].to, "2026-01-20");
    for (int g = 0; g < p.nseg; g += 2) {
        CHECK_INT(p.seg[g].kind, TB_SEG_TRAIN);
        CHECK_INT(p.seg[g + 1].kind, TB_SEG_TEST);
        CHECK(strcmp(p.seg[g].to, p.seg[g + 1].from) < 0);
    }
    tb_sweep_plan_free(&p);
    CHECK_INT(cut(&p, 10, 5, 14, &e), -1);
    CHECK_CONTAINS(e.msg, "needs at least 15 sessions; the data has 14");
    tb_sweep_plan_free(&p);
    CHECK_INT(cut(&p, 0, 0, 7, &e), 0);
    CHECK_INT(p.nseg, 1);
    CHECK_INT(p.seg[0].kind, TB_SEG_FULL);
    CHECK_STR(p.seg[0].to, "2026-01-07");
    tb_sweep_plan_free(&p);
}

TEST(shards_partition_the_tasks)
{
    int shard, n;
    tb_err e;
    CHECK_INT(tb_sweep_shard_parse("2/5", &shard, &n, &e), 0);
    CHECK_INT(shard, 2);
    CHECK_INT(n, 5);
    CHECK_INT(tb_sweep_shard_parse("5/5", &shard, &n, &e), -1);
    CHECK_INT(tb_sweep_shard_parse("1/0", &shard, &n, &e), -1);
    CHECK_INT(tb_sweep_shard_parse("x", &shard, &n, &e), -1);
    CHECK_INT(tb_sweep_shard_parse("1/4x", &shard, &n, &e), -1);
    for (size_t t = 0; t < 1000; t++) {
        int owners = 0;
        for (int i = 0; i < 7; i++) owners += tb_sweep_shard_has(t, i, 7);
        CHECK_INT(owners, 1);
    }
}

typedef struct pool_seen {
    int ok[16], failed[16], calls;
} pool_seen;

static int child(void *ud, size_t task, int fd)
{
    if (task == 3) raise(SIGKILL); /* a worker that dies */
    if (task == 5) return 4;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%zu", task * task);
    return write(fd, buf, (size_t)n) == n ? 0 : 1;
}

static int done(void *ud, size_t task, const char *buf, size_t len, int failed, tb_err *e)
{
    pool_seen *s = ud;
    s->calls++;
    if (failed)
        s->failed[task] = failed;
    else
        s->ok[task] = atoi(buf) == (int)(task * task) && len > 0;
    return 0;
}

TEST(pool_runs_every_task_and_reports_a_dead_worker_as_failed)
{
    size_t tasks[10];
    for (size_t i = 0; i < 10; i++) tasks[i] = i;
    pool_seen s;
    memset(&s, 0, sizeof s);
    tb_pool_opts o = {
        .jobs = 3, .tasks = tasks, .ntasks = 10, .run = child, .done = done, .ud = &s};
    tb_err e;
    CHECK_INT(tb_pool_run(&o, &e), 0);
    CHECK_INT(s.calls, 10);
    CHECK_INT(s.failed[3], 128 + SIGKILL);
    CHECK_INT(s.failed[5], 4);
    for (int i = 0; i < 10; i++)
        if (i != 3 && i != 5) CHECK(s.ok[i]);
}

static tb_db *sweep_file(const char *path, double pnl, tb_err *e)
{
    unlink(path);
    tb_db *db = tb_sweep_db_open(path, e);
    tb_sweep_spec s;
    tb_sweep_plan p;
    CHECK_INT(parse(&s, "grid = { a = {1, 2} }", e), 0);
    for (int i = 0; i < 3; i++) snprintf(days[i], 16, "2026-01-%02d", i + 5);
    CHECK_INT(tb_sweep_plan_cut(&p, &s, days, 3, e), 0);
    CHECK_INT(tb_sweep_db_init(db, &s, &p, "0/1", e), 0);
    json_t *r = json_pack("{s:i, s:i, s:i, s:f, s:i, s:[[s, f]]}", "task", 0, "set", 0, "seg", 0,
                          "pnl", pnl, "disabled", 0, "equity", "2026-01-05", 100000.0 + pnl);
    CHECK_INT(tb_sweep_db_put(db, r, e), 0);
    json_decref(r);
    tb_sweep_plan_free(&p);
    tb_sweep_spec_free(&s);
    return db;
}

TEST(merge_refuses_a_task_two_shards_disagree_on)
{
    tb_err e;
    char a[] = "/tmp/tb-sweep-a.db", b[] = "/tmp/tb-sweep-b.db", out[] = "/tmp/tb-sweep-o.db";
    tb_db_close(sweep_file(a, 12.5, &e));
    tb_db_close(sweep_file(b, 12.5, &e));
    unlink(out);
    size_t missing = 0;
    char *two[] = {a, b};
    CHECK_INT(tb_sweep_db_merge(out, two, 2, &missing, &e), 0);
    CHECK_INT(missing, 1);                              /* 2 sets x 1 segment, one result */
    tb_db_close(sweep_file(b, 12.500000000000002, &e)); /* one ulp away */
    CHECK_INT(tb_sweep_db_merge(out, &two[1], 1, &missing, &e), -1);
    CHECK_CONTAINS(e.msg, "task 0 has another result");
    unlink(a), unlink(b), unlink(out);
}

TEST(slurm_paths_are_quoted_for_sh)
{
    char buf[128] = "";
    CHECK_STR(tb_sh_quote(buf, sizeof buf, "/tmp/it's $HOME"), "'/tmp/it'\\''s $HOME'");
    char small[8] = "";
    CHECK(tb_sh_quote(small, sizeof small, "abcdefghij") == NULL); /* never half a word */
    CHECK_STR(small, "");
}
