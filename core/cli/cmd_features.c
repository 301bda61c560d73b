#include "cand/cand_file.h"
#include "util/atomic.h"
#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"
#include "log/log.h"
#include "ml/ml.h"
#include "ml/model_dir.h"
#include "trade/runner.h"

#include <event2/event.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: tradebot features [--home DIR] [--days N] [--json]\n\n"
    "The pre-market feature refresh for today's candidates "
    "(data/top_20_day_trading_candidates.csv):\n"
    "replays the N sessions (default 2) before the candidates' date through the engine's own\n"
    "feature code, prints each candidate's feature vector, checks it against the schema of the\n"
    "model in service (ml_db/models/current/feature_schema.json) and writes\n"
    "data/candidate_features.json. A candidate whose features fail the schema is a feature\n"
    "engineering error (one line each, as the runbook's ML schema drift step looks for) and the\n"
    "exit status is 1: under STRICT_SCHEMA the engine would block its trades.\n";

static tb_ml *open_ml(tb_err *e)
{
    tb_ml_opts o = {.strict_schema = 1, .sample_every_min = 5, .horizon_min = 30};
    tb_ml *ml = tb_ml_new(&o, e);
    char models[PATH_MAX], dir[PATH_MAX];
    tb_home_path(models, sizeof models, "ml_db/models");
    if (ml && tb_models_current(models, dir, sizeof dir) == 0) {
        tb_ml_loaded *l = calloc(1, sizeof *l);
        if (l && tb_ml_load_dir(l, dir, e) == 0)
            tb_ml_swap(ml, l);
        else {
            free(l);
            fprintf(stderr, "tradebot features: the model in service cannot be loaded: %s\n",
                    e->msg);
        }
    }
    return ml;
}

/* Replays the sessions before the candidates' date with the ML runtime attached. */
static int warm(tb_runner *r, struct event_base *base, tb_shost *host, tb_ml *ml,
                const tb_config *c, tb_date date, int days, tb_err *e)
{
    tb_cal cal;
    tb_cal_init(&cal);
    tb_date last = tb_cal_prev_trading_day(&cal, date), first = last;
    for (int i = 1; i < days; i++) first = tb_cal_prev_trading_day(&cal, first);
    char from[16], to[16];
    tb_date_fmt(first, from, sizeof from);
    tb_date_fmt(last, to, sizeof to);
    tb_runner_opts ro = {.base = base,
                         .shost = host,
                         .seed = (uint64_t)c->replay.seed,
                         .nsymbols = (int)c->replay.symbols,
                         .start = from,
                         .from = from,
                         .to = to,
                         .data_dir =
                             c->replay.data_dir && *c->replay.data_dir ? c->replay.data_dir : NULL,
                         .initial_cash = 100000LL * 1000000,
                         .ml = ml};
    if (tb_runner_open(r, &ro, e) != 0 || tb_runner_start(r, e) != 0) return -1;
    event_base_dispatch(base);
    return 0;
}

static json_t *report(tb_ml *ml, const tb_cand_set *set, int *problems)
{
    json_t *rows = json_array();
    for (int i = 0; i < set->n; i++) {
        const char *sym = set->c[i].symbol;
        const float *f = tb_ml_features(ml, sym);
        const char *bad = f ? tb_ml_schema_problem(ml, sym) : "no bars before the session";
        json_t *feat = json_object();
        for (int k = 0; f && k < TB_FEATURES_N; k++)
            json_object_set_new(feat, tb_feature_name(k),
                                isfinite(f[k]) ? json_real(f[k]) : json_null());
        json_array_append_new(
            rows, json_pack("{s:s, s:o, s:s?}", "symbol", sym, "features", feat, "problem", bad));
        if (bad) {
            (*problems)++;
            TB_ERROR("features", "feature engineering error: %s: %s", sym, bad);
        }
    }
    return rows;
}

int cmd_features(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    int days = 2, as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
            days = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else {
            fprintf(stderr, "tradebot features: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (days < 1 || days > 60) {
        fprintf(stderr, "tradebot features: --days must be from 1 to 60\n");
        return 2;
    }
    tb_err e;
    if (tb_home_init(&e) != 0) {
        fprintf(stderr, "tradebot features: %s\n", e.msg);
        return 1;
    }
    char path[PATH_MAX];
    static tb_cand_set set;
    if (tb_cand_read(tb_home_path(path, sizeof path, "data/top_20_day_trading_candidates.csv"),
                     &set, &e) != 0) {
        fprintf(stderr, "tradebot features: %s (run `tradebot candidates` first)\n", e.msg);
        return 1;
    }
    for (int i = 0; i < set.nbad && i < TB_CAND_BAD_MSGS; i++)
        fprintf(stderr, "tradebot features: candidate row refused: %s\n", set.bad[i]);
    tb_config cfg;
    tb_config_errors errs;
    if (tb_config_load(tb_home_path(path, sizeof path, TB_CONFIG_PATH), 1, &cfg, &errs) != 0) {
        fprintf(stderr, "tradebot features: %s\n", errs.msg[0]);
        return 1;
    }
    tb_log_opts lo = {.level = TB_LOG_ERROR, .also_stderr = 1};
    tb_log_configure(&lo);
    struct event_base *base = event_base_new();
    tb_shost host;
    tb_shost_init_config(&host, &cfg);
    tb_shost_offline(&host);
    tb_runner r;
    memset(&r, 0, sizeof r);
    tb_ml *ml = open_ml(&e);
    int rc = 1, problems = 0;
    if (ml && warm(&r, base, &host, ml, &cfg, set.date, days, &e) == 0) {
        json_t *rows = report(ml, &set, &problems);
        const tb_ml_loaded *cur = tb_ml_current(ml);
        char d[16];
        json_t *doc = json_pack(
            "{s:s, s:s, s:s, s:i, s:o}", "date", tb_date_fmt(set.date, d, sizeof d), "schema_of",
            cur ? cur->id : "(no model in service: live schema)", "candidates_generated_at",
            set.generated_at, "problems", problems, "candidates", rows);
        tb_err we;
        tb_home_path(path, sizeof path, "data/candidate_features.json");
        if (tb_atomic_write_json(path, doc, JSON_INDENT(2), TB_STATE_FILE_MODE, &we) == 0)
            rc = problems ? 1 : 0;
        else
            fprintf(stderr, "tradebot features: %s\n", we.msg);
        if (as_json) {
            char *s = json_dumps(doc, JSON_INDENT(2));
            puts(s);
            free(s);
        } else {
            printf("features for %d candidates of %s (%s): %d with problems; "
                   "data/candidate_features.json\n",
                   set.n, d, cur ? cur->id : "no model in service", problems);
        }
        json_decref(doc);
    } else if (!ml || e.msg[0]) {
        fprintf(stderr, "tradebot features: %s\n", e.msg);
    }
    tb_runner_close(&r);
    tb_shost_free(&host);
    tb_ml_free(ml);
    event_base_free(base);
    tb_config_free(&cfg);
    return rc;
}
