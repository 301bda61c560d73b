#include "cli/bt_macro.h"
#include "cli/commands.h"
#include "home/home.h"
#include "log/log.h"
#include "risk/macro.h"
#include "strategy/shipped.h"
#include "risk/risk_config.h"
#include "ml/ml_gate.h"
#include "trade/gate_chain.h"
#include "ml/model_dir.h"
#include "trade/report.h"
#include "trade/report_groups.h"
#include "trade/report_html.h"
#include "sweep/pool.h"

#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot backtest --strategy FILE [--strategy FILE ...] [--symbols A,B,...]\n"
    "         [--from DATE] [--to DATE] [--days N] [--data DIR] [--seed N] [--out DIR] [--json]\n"
    "         [--ml[=MIN_CONFIDENCE]] [--report [FILE]] [--no-cache] [--separate [--jobs N]]\n"
    "       tradebot backtest --config [--from DATE] [--to DATE] [--data DIR] [--out DIR] "
    "[--json]\n\n"
    "Runs the engine's own trading path over replayed bars as fast as the machine allows: the\n"
    "seeded sample data (--from and --to, or --days, choose its span) unless --data names a\n"
    "folder of CSV bars (--from/--to filter them). Prints trades, win rate, P&L, max drawdown,\n"
    "Sharpe, exposure and fees (--json for scripts) and writes equity.csv and trades.csv into\n"
    "--out (default data/backtest/). A progress bar shows on a terminal. Two runs with the\n"
    "same inputs give identical output.\n"
    "--report writes one self-contained HTML page (default OUT/report.html; nothing in it is\n"
    "fetched from the network): period, symbols, equity and drawdown charts, per-strategy and\n"
    "per-symbol tables, monthly and daily returns, exposure, fees and the trade list.\n"
    "--ml computes the features and gates entries with ml_db/models/current as the engine does\n"
    "(STRICT_SCHEMA on; entries below MIN_CONFIDENCE, default 0.5, are blocked).\n"
    "--data keeps a binary column copy of each CSV in DIR/.tradebot-cache/ (in the home's\n"
    "cache/csv/ when DIR cannot be written), used while the CSV is unchanged; --no-cache parses\n"
    "every file and writes none.\n"
    "--separate runs each --strategy alone, with its own account, over --jobs N worker\n"
    "processes (default: one per CPU); each writes into OUT/NAME/, and the reports are printed\n"
    "in --strategy order (--json: an array of {name, exit, result}), the same for any N.\n\n"
    "--config replays the home's configuration as `tradebot run` would: its enabled strategies\n"
    "with their params, symbol_params and symbols, its replay data (seed, days, start, data_dir)\n"
    "and paper broker settings. The Healer proves a change with it.\n";

typedef struct bt_args {
    tb_strategy_cfg strat[16];
    const char *strat_arg[16];
    int nstrat;
    char *symbols[256];
    int nsymbols;
    const char *from, *to, *data, *out;
    const char *report; /* --report: "" for OUT/report.html; NULL without */
    int days, json, config, days_set, seed_set;
    int separate, jobs, no_cache; /* --separate, --jobs N (0: one per CPU), --no-cache */
    double ml;                    /* --ml: minimum confidence; < 0 without --ml */
    long long seed;
} bt_args;

static int parse(int argc, char **argv, bt_args *a)
{
    static const struct option opts[] = {
        {"strategy", required_argument, 0, 's'}, {"symbols", required_argument, 0, 'y'},
        {"from", required_argument, 0, 'f'},     {"to", required_argument, 0, 't'},
        {"days", required_argument, 0, 'd'},     {"data", required_argument, 0, 'D'},
        {"seed", required_argument, 0, 'S'},     {"out", required_argument, 0, 'o'},
        {"json", no_argument, 0, 'j'},           {"ml", optional_argument, 0, 'm'},
        {"config", no_argument, 0, 'c'},         {"report", optional_argument, 0, 'r'},
        {"separate", no_argument, 0, 'P'},       {"jobs", required_argument, 0, 'J'},
        {"no-cache", no_argument, 0, 'N'},       {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (a->nstrat == 16) return -1;
            a->strat_arg[a->nstrat++] = optarg; /* resolved once the home is known */
            break;
        case 'y':
            for (char *tok = strtok(optarg, ","); tok && a->nsymbols < 256; tok = strtok(NULL, ","))
                a->symbols[a->nsymbols++] = tok;
            break;
        case 'f': a->from = optarg; break;
        case 't': a->to = optarg; break;
        case 'd': a->days = atoi(optarg), a->days_set = 1; break;
        case 'D': a->data = optarg; break;
        case 'S': a->seed = atoll(optarg), a->seed_set = 1; break;
        case 'c': a->config = 1; break;
        case 'o': a->out = optarg; break;
        case 'j': a->json = 1; break;
        case 'm': a->ml = optarg ? atof(optarg) : 0.5; break;
        case 'P': a->separate = 1; break;
        case 'J':
            if ((a->jobs = atoi(optarg)) < 1) return -1;
            break;
        case 'N': a->no_cache = 1; break;
        case 'r': /* --report, --report=FILE or --report FILE */
            if (!optarg && optind < argc && argv[optind][0] != '-') optarg = argv[optind++];
            a->report = optarg ? optarg : "";
            break;
        default: return -1;
        }
    }
    return (a->nstrat > 0) != a->config && optind == argc ? 0 : -1;
}

/*
 * A --strategy FILE: relative to where the command runs, else to the home, else the shipped
 * example of that name (written into the home's strategies/ as `tradebot run` does, so the
 * README's line works in a fresh --home from any folder). The error says where it looked.
 */
static int resolve_strategies(bt_args *a)
{
    for (int i = 0; i < a->nstrat; i++) {
        const char *arg = a->strat_arg[i];
        char home[PATH_MAX];
        tb_home_path(home, sizeof home, arg);
        if (arg[0] != '/' && access(arg, R_OK) != 0 &&
            (access(home, R_OK) == 0 || tb_shipped_materialize(arg, home, sizeof home) == 0))
            arg = home;
        a->strat[i].file = realpath(arg, NULL);
        if (!a->strat[i].file) {
            char cwd[PATH_MAX], names[1024];
            tb_shipped_names(names, sizeof names);
            fprintf(stderr,
                    "tradebot backtest: --strategy %s: no such file (looked in %s and in the "
                    "home %s); the shipped examples are %s\n",
                    a->strat_arg[i], getcwd(cwd, sizeof cwd) ? cwd : ".", tb_home_dir(), names);
            return -1;
        }
        a->strat[i].enabled = 1;
    }
    return 0;
}

/* --report: the HTML page, named on stdout (stderr with --json, which keeps stdout JSON). */
static int write_report(const tb_runner *r, const tb_report *rep, const char *file,
                        const char *outdir, int json, tb_err *e)
{
    char path[PATH_MAX];
    if (*file)
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%s/report.html", outdir);
    if (tb_report_write_html(r, rep, path, e) != 0) return -1;
    fprintf(json ? stderr : stdout, "%-18s %s\n", "report", path);
    return 0;
}

/* The home's cache/csv/, for the caches of a --data folder that cannot be written. */
static const char *csv_cache_dir(char buf[PATH_MAX])
{
    mkdir(tb_home_path(buf, PATH_MAX, "cache"), 0755);
    return tb_home_path(buf, PATH_MAX, "cache/csv");
}

static void stop_loop(void *ud)
{
    event_base_loopbreak(((tb_bt_macro *)ud)->base);
}

/* A progress bar on stderr, only on a terminal; the replay yields to the loop every batch. */
static void progress_cb(evutil_socket_t fd, short what, void *arg)
{
    const tb_runner *r = arg;
    tb_replay_progress p;
    tb_replay_get_progress(r->replay, &p);
    if (!p.total) return;
    int width = 30, done = (int)((double)p.played / (double)p.total * width);
    char bar[32], day[16];
    memset(bar, '=', (size_t)done);
    memset(bar + done, ' ', (size_t)(width - done));
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%% %zu/%zu bars %s", bar,
            100.0 * (double)p.played / (double)p.total, p.played, p.total,
            p.sim_ns ? tb_date_fmt(tb_cal_session_day(p.sim_ns), day, sizeof day) : "");
}

/* The model in service, with the gate settings of --ml; nothing is written to the database. */
static tb_ml *open_ml(double min_conf, tb_err *e)
{
    char models[PATH_MAX], dir[PATH_MAX];
    tb_home_path(models, sizeof models, "ml_db/models");
    if (tb_models_current(models, dir, sizeof dir) != 0) {
        tb_errf(e, "--ml: no model in ml_db/models/current (run `tradebot train`)");
        return NULL;
    }
    tb_ml_opts o = {
        .strict_schema = 1, .min_confidence = min_conf, .sample_every_min = 5, .horizon_min = 30};
    tb_ml_loaded *l = calloc(1, sizeof *l);
    tb_ml *ml = l ? tb_ml_new(&o, e) : NULL;
    if (!ml || tb_ml_load_dir(l, dir, e) != 0) {
        free(l);
        tb_ml_free(ml);
        return NULL;
    }
    tb_ml_swap(ml, l);
    return ml;
}

/* --config: the replay and paper settings of `tradebot run`, unless given on the command line. */
static void use_config(const bt_args *a, const tb_config *c, tb_runner_opts *ro, char *data,
                       size_t len)
{
    tb_runner_opts cli = *ro;
    tb_runner_opts_from_config(ro, c);
    if (a->seed_set) ro->seed = cli.seed;
    if (a->days_set) ro->days = cli.days;
    if (a->data)
        ro->data_dir = cli.data_dir;
    else if (ro->data_dir)
        ro->data_dir = tb_home_path(data, len, ro->data_dir);
}

/*
 * What makes the figures above less than they look, on stderr after the report: rows of the
 * --data files that were skipped, and strategies disabled for errors (their trades stopped
 * there). Returns 1 when a strategy was disabled, so a script does not take the run as good.
 */
static int run_problems(const tb_runner *r, const tb_shost *host)
{
    const tb_csv_report *d = &r->data_skips;
    size_t skipped = tb_csv_skipped(d);
    if (skipped) {
        char sum[192];
        tb_csv_summary(d, sum, sizeof sum);
        fprintf(stderr, "tradebot backtest: --data: %s\n", sum);
        for (int k = 0; k < d->nmsgs; k++) fprintf(stderr, "  %s\n", d->msgs[k]);
        if (skipped > (size_t)d->nmsgs)
            fprintf(stderr, "  ... and %zu more\n", skipped - (size_t)d->nmsgs);
    }
    int disabled = 0;
    for (int i = 0; i < host->n; i++) {
        const tb_strategy *s = host->s[i];
        /* A call stopped for time on a busy machine also pauses the strategy for a while of
         * wall-clock time, so its trades depend on the machine's load: say so. */
        if (!s->disabled && s->errors)
            fprintf(stderr,
                    "tradebot backtest: strategy %s: %llu calls failed or were stopped (%d for "
                    "time on a busy machine); its trades are not those of a clean run: %s\n",
                    s->name, (unsigned long long)s->errors, s->starved_stops,
                    s->last_error[0] ? s->last_error : "(no error recorded)");
        if (!s->disabled) continue;
        fprintf(stderr, "tradebot backtest: strategy %s was disabled during the run: %s\n", s->name,
                s->last_error[0] ? s->last_error : "(no error recorded)");
        disabled++;
    }
    return disabled ? 1 : 0;
}

/* One backtest of a's strategies together, in this process: the report on stdout. */
static int run_one(bt_args *pa)
{
    bt_args a = *pa;
    tb_err e;
    tb_log_opts lo = {.level = TB_LOG_ERROR, .also_stderr = 1};
    tb_log_configure(&lo);
    int problems = 0;
    struct event_base *base = event_base_new();
    tb_shost host;
    /* The same gates as `tradebot run`, from the home's configuration (or the defaults); no
     * state files: a backtest must not see the live kill switch or day-trade count. */
    tb_config cfg;
    tb_config_errors errs;
    char cfgpath[PATH_MAX];
    if (tb_config_load(tb_home_path(cfgpath, sizeof cfgpath, TB_CONFIG_PATH), 1, &cfg, &errs) !=
        0) {
        fprintf(stderr, "tradebot backtest: %s\n", errs.msg[0]);
        return 1;
    }
    tb_shost_init_config(&host, &cfg); /* the same sandbox limits as `tradebot run` */
    tb_shost_offline(&host);
    tb_risk_cfg rcfg;
    tb_risk_cfg_from_config(&cfg, &rcfg);
    tb_risk *risk = tb_risk_new(&rcfg, NULL, &e);
    tb_runner r;
    tb_bt_macro bm = {.base = base};
    char outdir[PATH_MAX];
    tb_home_path(outdir, sizeof outdir, a.out ? a.out : "data/backtest");
    tb_gate_chain gates = {0};
    tb_gate_chain_add(&gates, tb_risk_gate, tb_risk_tick, risk);
    tb_runner_opts ro = {.base = base,
                         .shost = &host,
                         .speed = 0,
                         .seed = (uint64_t)a.seed,
                         .days = a.days,
                         .nsymbols = 20,
                         .from = a.from,
                         .to = a.to,
                         .data_dir = a.data,
                         .initial_cash = 100000LL * 1000000,
                         .slippage_bps = 2,
                         .commission_per_share = 5000,
                         .flatten_minutes = 5,
                         .gate = tb_gate_chain_fn,
                         .gate_tick = tb_gate_chain_tick,
                         .gate_ud = &gates};
    char data_abs[PATH_MAX], cache_dir[PATH_MAX];
    if (a.config) use_config(&a, &cfg, &ro, data_abs, sizeof data_abs);
    tb_csv_cache_opts cache = {.off = a.no_cache, .fallback_dir = csv_cache_dir(cache_dir)};
    ro.csv_cache = &cache;
    int rc = 1;
    tb_ml *ml = NULL;
    tb_ml_gate gate = {0};
    memset(&r, 0, sizeof r);
    if (a.ml >= 0) {
        if (!(ml = open_ml(a.ml, &e))) goto out;
        ro.ml = ml, gate.ml = ml;
        tb_gate_chain_add(&gates, tb_ml_gate_fn, NULL, &gate); /* after the risk gates */
    }
    ro.on_session_start = tb_bt_macro_session;
    ro.on_done = stop_loop;
    ro.ud = &bm;
    if (tb_bt_macro_open(&bm, &cfg, &ro, risk, &e) != 0) goto out;
    if (tb_runner_open(&r, &ro, &e) != 0) goto out;
    tb_risk_attach(risk, tb_trader_oms(r.trader));
    gate.oms = tb_trader_oms(r.trader);
    for (int i = 0; i < a.nstrat; i++) {
        a.strat[i].symbols = a.symbols;
        a.strat[i].nsymbols = a.nsymbols;
        if (tb_shost_add(&host, &a.strat[i], &e) != 0) goto out;
    }
    for (int i = 0; a.config && i < cfg.nstrategies; i++)
        if (cfg.strategies[i].enabled && tb_shost_add(&host, &cfg.strategies[i], &e) != 0) goto out;
    if (tb_runner_start(&r, &e) != 0) goto out;
    struct event *tick = NULL;
    if (isatty(STDERR_FILENO)) {
        struct timeval every = {0, 100000};
        tick = event_new(base, -1, EV_PERSIST, progress_cb, &r);
        event_add(tick, &every);
    }
    event_base_dispatch(base);
    if (tick) {
        progress_cb(-1, 0, &r);
        fputc('\n', stderr);
        event_free(tick);
    }
    tb_report rep;
    tb_report_compute(&r, &rep);
    mkdir(outdir, 0755);
    if (tb_report_write_csv(&r, outdir, &e) != 0) goto out;
    if (a.json) {
        json_t *j = tb_report_json(&rep);
        json_object_set_new(j, "survival", tb_bt_macro_json(&bm));
        tb_report_json_groups(&r, j);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
        puts(s);
        free(s);
        json_decref(j);
    } else {
        tb_report_print(&rep, stdout);
        tb_report_print_groups(&r, stdout);
        tb_bt_macro_print(&bm, stdout);
        printf("%-18s %s/equity.csv, trades.csv\n", "written", outdir);
    }
    if (a.report && write_report(&r, &rep, a.report, outdir, a.json, &e) != 0) goto out;
    problems = run_problems(&r, &host);
    rc = 0;
out:
    if (rc) fprintf(stderr, "tradebot backtest: %s\n", e.msg);
    tb_runner_close(&r);
    tb_ml_free(ml);
    tb_shost_free(&host);
    tb_bt_macro_close(&bm);
    tb_risk_free(risk);
    tb_config_free(&cfg);
    for (int i = 0; i < a.nstrat; i++) free(a.strat[i].file); /* realpath's */
    event_base_free(base);
    return rc ? rc : problems;
}

/* --separate: one run per strategy over sweep's pool of worker processes; outputs kept until
 * every earlier run has printed, so they come in --strategy order for any number of workers. */
typedef struct sep {
    const bt_args *a;
    char names[16][64];
    char *out[16];
    int status[16], done[16];
    size_t finished, printed;
    json_t *json; /* --json: the array being built */
} sep;

/* The child's stderr (file f), each line naming the run, onto the real stderr fd in one go. */
static void relay_err(const char *name, FILE *f, int fd)
{
    char line[1024];
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        dprintf(fd, "%s: %s%s", name, line, n && line[n - 1] == '\n' ? "" : "\n");
    }
}

static int sep_run(void *ud, size_t i, int fd)
{
    sep *s = ud;
    bt_args one = *s->a;
    char out[PATH_MAX];
    FILE *err = tmpfile();
    int real_err = dup(STDERR_FILENO);
    if (!err || real_err < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fileno(err), STDERR_FILENO) < 0)
        return 127;
    snprintf(out, sizeof out, "%s/%s", s->a->out ? s->a->out : "data/backtest", s->names[i]);
    one.strat[0] = s->a->strat[i];
    one.strat_arg[0] = s->a->strat_arg[i];
    one.nstrat = 1;
    one.out = out;
    int rc = run_one(&one);
    fflush(stdout);
    fflush(stderr);
    relay_err(s->names[i], err, real_err);
    return rc;
}

static void sep_print(sep *s, size_t i)
{
    if (s->json) {
        json_t *result = json_loads(s->out[i], 0, NULL);
        json_array_append_new(s->json,
                              json_pack("{s:s, s:i, s:o}", "name", s->names[i], "exit",
                                        s->status[i], "result", result ? result : json_null()));
    } else {
        printf("%s%-18s %s\n", i ? "\n" : "", "run", s->names[i]);
        fputs(s->out[i], stdout);
    }
    free(s->out[i]);
    s->out[i] = NULL;
}

static int sep_done(void *ud, size_t i, const char *buf, size_t len, int failed, tb_err *e)
{
    sep *s = ud;
    (void)e;
    if (!(s->out[i] = malloc(len + 1))) return tb_errf(e, "out of memory");
    memcpy(s->out[i], buf, len + 1);
    s->status[i] = failed, s->done[i] = 1;
    if (failed)
        fprintf(stderr, "tradebot backtest: [%zu/%d] %s FAILED (exit %d)\n", ++s->finished,
                s->a->nstrat, s->names[i], failed);
    else
        fprintf(stderr, "tradebot backtest: [%zu/%d] %s ok\n", ++s->finished, s->a->nstrat,
                s->names[i]);
    for (; s->printed < (size_t)s->a->nstrat && s->done[s->printed]; s->printed++)
        sep_print(s, s->printed);
    fflush(stdout);
    return 0;
}

/* Run names: the strategy files' names without .lua, made unique with -2, -3, ... */
static void sep_names(const bt_args *a, sep *s)
{
    for (int i = 0; i < a->nstrat; i++) {
        const char *base = strrchr(a->strat[i].file, '/');
        base = base ? base + 1 : a->strat[i].file;
        int len = (int)strcspn(base, ".");
        snprintf(s->names[i], sizeof s->names[i], "%.*s", len > 48 ? 48 : len, base);
        for (int j = 0, k = 2; j < i; j++)
            if (strcmp(s->names[i], s->names[j]) == 0) {
                snprintf(s->names[i], sizeof s->names[i], "%.*s-%d", len > 48 ? 48 : len, base,
                         k++);
                j = -1; /* check the new name against all again */
            }
    }
}

/* The CPUs this process may run on. */
static int cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int run_separate(const bt_args *a)
{
    if (a->config || (a->report && *a->report)) {
        fprintf(stderr, "tradebot backtest: --separate takes --strategy files (not --config) and "
                        "--report without a FILE (each run writes OUT/NAME/report.html)\n");
        return 2;
    }
    sep s = {.a = a, .json = a->json ? json_array() : NULL};
    sep_names(a, &s);
    char outdir[PATH_MAX];
    mkdir(tb_home_path(outdir, sizeof outdir, a->out ? a->out : "data/backtest"), 0755);
    size_t tasks[16];
    for (int i = 0; i < a->nstrat; i++) tasks[i] = (size_t)i;
    tb_pool_opts o = {.jobs = a->jobs ? a->jobs : cpus(),
                      .tasks = tasks,
                      .ntasks = (size_t)a->nstrat,
                      .run = sep_run,
                      .done = sep_done,
                      .ud = &s};
    tb_err e;
    int rc = tb_pool_run(&o, &e);
    if (s.json) {
        char *txt = json_dumps(s.json, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
        puts(txt);
        free(txt);
        json_decref(s.json);
    }
    int nfailed = 0, first = -1;
    for (int i = 0; i < a->nstrat; i++) {
        free(a->strat[i].file); /* realpath's */
        free(s.out[i]);
        if (s.status[i] && !nfailed++) first = i;
    }
    if (rc != 0) {
        fprintf(stderr, "tradebot backtest: %s\n", e.msg);
        return 1;
    }
    if (!nfailed) return 0;
    fprintf(stderr, "tradebot backtest: %d of %d runs failed, the first %s (exit %d)\n", nfailed,
            a->nstrat, s.names[first], s.status[first]);
    return s.status[first];
}

int cmd_backtest(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    bt_args a = {.days = 20, .seed = 42, .ml = -1};
    if (parse(argc, argv, &a) != 0) {
        fprintf(stderr, "tradebot backtest: needs --strategy FILE (one or more) or --config\n%s",
                usage);
        return 2;
    }
    tb_err e;
    if (tb_home_init(&e) != 0) {
        fprintf(stderr, "tradebot backtest: %s\n", e.msg);
        return 1;
    }
    if (resolve_strategies(&a) != 0) return 2;
    return a.separate ? run_separate(&a) : run_one(&a);
}
