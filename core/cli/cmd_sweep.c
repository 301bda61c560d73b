/*
 * cmd_sweep.c - `tradebot sweep SPEC`: runs a sweep's tasks (all, or one shard) in a pool of
 * worker processes into a sweep file, with progress and an ETA on stderr; --slurm writes (and
 * --submit submits) a Slurm job array instead. merge and report are in cmd_sweep_report.c.
 */
#include "cli/commands.h"
#include "cli/sweep_run.h"
#include "home/home.h"
#include "log/log.h"
#include "sweep/pool.h"
#include "sweep/slurm.h"
#include "sweep/store.h"
#include "util/clock.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_sweep_merge(int argc, char **argv);
int cmd_sweep_report(int argc, char **argv);

static const char usage[] =
    "usage: tradebot sweep SPEC [--jobs N] [--shard I/N] [--out FILE] [--data DIR]\n"
    "       tradebot sweep SPEC --slurm [--shards N] [--dir DIR] [--jobs N] [--submit]\n"
    "       tradebot sweep merge OUT.db SHARD.db...\n"
    "       tradebot sweep report FILE.db [--html FILE] [--propose] [--json]\n\n"
    "Runs the strategy of the Lua spec SPEC with every parameter set of its grid (or its random\n"
    "samples) over its data, each run as `tradebot backtest` would, and stores the results in a\n"
    "SQLite file (--out, default sweep.db; a shard's default sweep.shard-I-of-N.db). Runs that\n"
    "are already in the file are not run again, so an interrupted sweep resumes.\n"
    "--jobs N      worker processes (default: every core); progress and an ETA go to stderr\n"
    "--shard I/N   only shard I of N (tasks t with t mod N = I); merge the N files afterwards\n"
    "--data DIR    a folder of CSV bars instead of the spec's data\n"
    "--slurm       write DIR/sweep-array.sbatch (an array of --shards tasks, default 4, each\n"
    "              `--shard $SLURM_ARRAY_TASK_ID/N`), DIR/sweep-merge.sbatch (merge and report,\n"
    "              after the array succeeds) and DIR/submit.sh (default DIR: sweep-slurm);\n"
    "              --submit runs submit.sh (sbatch)\n"
    "report prints the ranking (the walk-forward out-of-sample result first) and writes one\n"
    "self-contained HTML page (--html, default FILE.html); --propose queues the best set as a\n"
    "Healer param_change the operator approves (`tradebot healer approve ID`); --json prints\n"
    "the ranking as JSON for scripts (figures that could not be computed are null).\n"
    "The spec format and a worked example: docs/sweeps.md.\n";

typedef struct sweep_args {
    const char *spec, *out, *data, *dir;
    int jobs, shard, nshards, slurm, submit, slurm_shards;
} sweep_args;

static int parse(int argc, char **argv, sweep_args *a, tb_err *e)
{
    static const struct option opts[] = {
        {"jobs", required_argument, 0, 'j'},
        {"shard", required_argument, 0, 's'},
        {"out", required_argument, 0, 'o'},
        {"data", required_argument, 0, 'D'},
        {"slurm", no_argument, 0, 'S'},
        {"submit", no_argument, 0, 'u'},
        {"shards", required_argument, 0, 'n'},
        {"dir", required_argument, 0, 'd'},
        {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->jobs = atoi(optarg); break;
        case 's':
            if (tb_sweep_shard_parse(optarg, &a->shard, &a->nshards, e) != 0) return -1;
            break;
        case 'o': a->out = optarg; break;
        case 'D': a->data = optarg; break;
        case 'S': a->slurm = 1; break;
        case 'u': a->submit = 1; break;
        case 'n': a->slurm_shards = atoi(optarg); break;
        case 'd': a->dir = optarg; break;
        default: return tb_errf(e, "unknown option");
        }
    }
    if (optind != argc - 1) return tb_errf(e, "needs one SPEC file");
    a->spec = argv[optind];
    if (a->jobs < 0 || a->jobs > 1024) return tb_errf(e, "--jobs %d: must be 1..1024", a->jobs);
    if (a->slurm && (a->slurm_shards < 1 || a->slurm_shards > 10000))
        return tb_errf(e, "--shards must be 1..10000");
    if (a->submit && !a->slurm) return tb_errf(e, "--submit goes with --slurm");
    return 0;
}

typedef struct sweep_run {
    const tb_config *cfg;
    const tb_sweep_spec *spec;
    const tb_sweep_plan *plan;
    tb_db *db;
    size_t failed;
    int64_t t0_ns, last_print_ns;
    int tty, last_decile;
} sweep_run;

/* In the worker: one task, its result as a JSON line on fd. */
static int run_one(void *ud, size_t task, int fd)
{
    sweep_run *r = ud;
    json_t *res = NULL;
    tb_err e;
    if (tb_sweep_run_task(r->cfg, r->spec, r->plan, task, &res, &e) != 0) {
        fprintf(stderr, "tradebot sweep: task %zu: %s\n", task, e.msg);
        return 2;
    }
    char *s = json_dumps(res, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(res);
    size_t len = s ? strlen(s) : 0, at = 0;
    while (at < len) {
        ssize_t n = write(fd, s + at, len - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        at += (size_t)n;
    }
    free(s);
    return at == len && len ? 0 : 3;
}

/* In the parent: a worker's answer into the file. A task whose worker failed is left out (a
 * rerun retries it) and counted; the command fails at the end. */
static int on_done(void *ud, size_t task, const char *buf, size_t len, int failed, tb_err *e)
{
    sweep_run *r = ud;
    json_t *res = failed ? NULL : json_loadb(buf, len, 0, NULL);
    if (!res) {
        fprintf(stderr, "tradebot sweep: task %zu: the worker %s; not stored, a rerun retries it\n",
                task, failed > 128 ? "was killed by a signal" : "failed");
        r->failed++;
        return 0;
    }
    int rc = tb_sweep_db_put(r->db, res, e);
    json_decref(res);
    return rc;
}

static void progress(void *ud, size_t done, size_t total)
{
    sweep_run *r = ud;
    int64_t now = tb_clock_mono_ns();
    double el = (double)(now - r->t0_ns) / 1e9;
    double eta = done ? el / (double)done * (double)(total - done) : 0;
    int decile = total ? (int)(done * 10 / total) : 10;
    if (r->tty) {
        char eta_s[32] = "-"; /* nothing to estimate from before the first task ends */
        if (done) snprintf(eta_s, sizeof eta_s, "%.0f s", eta);
        fprintf(stderr, "\rsweep: %zu/%zu tasks (%3.0f%%), %.0f s, ETA %s   ", done, total,
                total ? 100.0 * (double)done / (double)total : 100.0, el, eta_s);
    } else if (done && (decile != r->last_decile || now - r->last_print_ns > 60000000000LL)) {
        /* a log file (a Slurm task's output) gets a line per tenth, or a minute */
        fprintf(stderr, "sweep: %zu/%zu tasks, %.0f s, ETA %.0f s\n", done, total, el, eta);
        r->last_decile = decile, r->last_print_ns = now;
    }
}

static int run_tasks(sweep_run *r, const sweep_args *a, const char *shard, tb_err *e)
{
    size_t n = r->plan->ntasks, k = 0;
    unsigned char *done = calloc(n ? n : 1, 1);
    size_t *todo = calloc(n ? n : 1, sizeof *todo);
    int rc = done && todo ? tb_sweep_db_init(r->db, r->spec, r->plan, shard, e) : -1;
    if (rc == 0) rc = tb_sweep_db_done(r->db, done, n, e);
    for (size_t t = 0; rc == 0 && t < n; t++)
        if (!done[t] && (!a->nshards || tb_sweep_shard_has(t, a->shard, a->nshards))) todo[k++] = t;
    int jobs = a->jobs ? a->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (rc == 0)
        fprintf(stderr, "sweep: %zu tasks to run (%zu sets x %d segments%s%s), %d workers\n", k,
                r->plan->nsets, r->plan->nseg, a->nshards ? ", shard " : "",
                a->nshards ? shard : "", jobs);
    r->t0_ns = r->last_print_ns = tb_clock_mono_ns();
    r->tty = isatty(STDERR_FILENO);
    r->last_decile = -1;
    tb_pool_opts po = {.jobs = jobs,
                       .tasks = todo,
                       .ntasks = k,
                       .run = run_one,
                       .done = on_done,
                       .progress = progress,
                       .ud = r};
    if (rc == 0 && k) rc = tb_pool_run(&po, e);
    if (rc == 0 && r->tty && k) fputc('\n', stderr);
    free(done);
    free(todo);
    return rc;
}

static int run_sweep(const sweep_args *a, tb_sweep_spec *spec, tb_err *e)
{
    tb_config cfg;
    tb_config_errors errs;
    char cfgpath[PATH_MAX], shard[32], out[PATH_MAX];
    if (tb_config_load(tb_home_path(cfgpath, sizeof cfgpath, TB_CONFIG_PATH), 1, &cfg, &errs))
        return tb_errf(e, "%s", errs.msg[0]);
    tb_sweep_plan plan;
    int rc = tb_sweep_plan_make(&plan, spec, e);
    if (a->nshards)
        snprintf(shard, sizeof shard, "%d/%d", a->shard, a->nshards);
    else
        snprintf(shard, sizeof shard, "all");
    if (a->out)
        snprintf(out, sizeof out, "%s", a->out);
    else if (a->nshards)
        snprintf(out, sizeof out, "sweep.shard-%d-of-%d.db", a->shard, a->nshards);
    else
        snprintf(out, sizeof out, "sweep.db");
    sweep_run r = {.cfg = &cfg, .spec = spec, .plan = &plan};
    if (rc == 0 && !(r.db = tb_sweep_db_open(out, e))) rc = -1;
    if (rc == 0) rc = run_tasks(&r, a, shard, e);
    if (rc == 0 && r.failed)
        rc = tb_errf(e,
                     "%zu tasks failed to run (see above); run the same command again to "
                     "retry them",
                     r.failed);
    if (rc == 0) printf("%-10s %s\n", "written", out);
    tb_db_close(r.db);
    tb_sweep_plan_free(&plan);
    tb_config_free(&cfg);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0) return cmd_sweep_merge(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "report") == 0) return cmd_sweep_report(argc - 1, argv + 1);
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    sweep_args a = {.slurm_shards = 4, .dir = "sweep-slurm"};
    tb_err e;
    if (parse(argc, argv, &a, &e) != 0) {
        fprintf(stderr, "tradebot sweep: %s\n%s", e.msg, usage);
        return 2;
    }
    if (tb_home_init(&e) != 0) {
        fprintf(stderr, "tradebot sweep: %s\n", e.msg);
        return 1;
    }
    tb_log_opts lo = {.level = TB_LOG_ERROR, .also_stderr = 1};
    tb_log_configure(&lo);
    tb_sweep_spec spec;
    int rc = tb_sweep_spec_load(&spec, a.spec, a.data, &e);
    if (rc == 0 && a.slurm) {
        tb_sweep_slurm_opts so = {.spec = a.spec,
                                  .dir = a.dir,
                                  .data = a.data,
                                  .nshards = a.slurm_shards,
                                  .jobs = a.jobs ? a.jobs : 1,
                                  .hash = spec.hash};
        rc = tb_sweep_slurm_write(&so, &e);
        if (rc == 0 && a.submit) rc = tb_sweep_slurm_submit(a.dir, &e);
    } else if (rc == 0) {
        rc = run_sweep(&a, &spec, &e);
    }
    if (rc) fprintf(stderr, "tradebot sweep: %s\n", e.msg);
    tb_sweep_spec_free(&spec);
    return rc ? 1 : 0;
}
