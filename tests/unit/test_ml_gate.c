/*
 * test_ml_gate.c - the ML runtime and gate: STRICT_SCHEMA blocks an entry with the runbook's
 * exact log line when the model names a feature the live set lacks, and as "warming up" (not
 * drift) while a live feature has too few bars, the confidence threshold blocks weak entries,
 * decision points are written and labelled with the forward return, and gates chain.
 */
#include "tbtest.h"
#include "db_testutil.h"
#include "ml_testutil.h"
#include "log/log.h"
#include "ml/ml.h"
#include "ml/ml_gate.h"
#include "trade/gate_chain.h"

#include <sqlite3.h>
#include <unistd.h>

static char dir[64];

static const char *path_in(const char *name)
{
    static char buf[4][256];
    static int k;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/tb-mlgate-XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* n minute bars of one symbol through the runtime; the session closes at 16:00. */
static void feed_bars(tb_ml *ml, feed *f, int from, int n, double *closes)
{
    int64_t close_ns = tb_cal_local_to_ns(tb_date_from_ymd(2026, 1, 5), 16 * 3600);
    for (int i = from; i < from + n; i++) {
        tb_bar b = mlt_bar(i, closes[i], 1000 + (i % 7) * 100);
        feed_push(f, &b, 20260105);
        tb_ml_bar mb = {.sym = 0,
                        .symbol = "AAPL",
                        .bar = &b,
                        .ind = f->ind,
                        .bars = &f->ring,
                        .session_close_ns = close_ns};
        tb_ml_on_bar(ml, &mb);
    }
}

static double *walk(int n)
{
    double *c = malloc((size_t)n * sizeof *c);
    unsigned long long s = 5;
    c[0] = 100;
    for (int i = 1; i < n; i++) c[i] = c[i - 1] * (1 + (mlt_rand(&s) - 0.5) * 0.004);
    return c;
}

static tb_ml_loaded *load(const char *name, const char *rename_feature)
{
    const char *d = path_in(name);
    if (mlt_model_dir(d, 5, 11) != 0) return NULL;
    if (rename_feature) {
        const char *names[TB_FEATURES_N];
        for (int i = 0; i < TB_FEATURES_N; i++) names[i] = tb_feature_name(i);
        names[tb_feature_find(rename_feature)] = "rsi_9";
        char p[300];
        snprintf(p, sizeof p, "%s/feature_schema.json", d);
        mlt_write_schema(p, names, TB_FEATURES_N);
    }
    tb_ml_loaded *l = calloc(1, sizeof *l);
    tb_err e;
    if (tb_ml_load_dir(l, d, &e) != 0) {
        TBT_FAIL("%s", e.msg);
        free(l);
        return NULL;
    }
    return l;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int count(sqlite3 *db, const char *sql)
{
    return (int)tbt_db_scalar(db, sql);
}

static const oms_intent buy = {.strategy = "s",
                               .symbol = "AAPL",
                               .side = OMS_BUY,
                               .qty = 10,
                               .type = OMS_MARKET,
                               .reason = "test"};

/* A runtime with STRICT_SCHEMA, its decisions in an in-memory DB, the log at logpath. */
typedef struct gate_env {
    sqlite3 *db;
    tb_ml_store *st;
    tb_ml *ml;
    tb_ml_opts o;
} gate_env;

static void env_open(gate_env *v, const char *logpath, tb_ml_loaded *model)
{
    tb_log_opts lo = {.level = TB_LOG_INFO};
    tb_err e;
    CHECK_INT(tb_log_open(logpath, &lo, &e), 0);
    v->db = tbt_db_open(":memory:");
    v->st = tb_ml_store_open(v->db, 0, &e);
    v->o = (tb_ml_opts){.strict_schema = 1,
                        .min_confidence = 0,
                        .sample_every_min = 5,
                        .horizon_min = 30,
                        .store = v->st};
    v->ml = tb_ml_new(&v->o, &e);
    tb_ml_loaded_free(tb_ml_swap(v->ml, model));
}

static void env_close(gate_env *v)
{
    tb_ml_free(v->ml);
    tb_ml_store_close(v->st);
    sqlite3_close(v->db);
}

/* f set up and fed n bars of a random walk through ml; the walk's closes (the caller frees them).
 */
static double *fed_walk(tb_ml *ml, feed *f, int n)
{
    feed_init(f);
    double *c = walk(n);
    feed_bars(ml, f, 0, n, c);
    return c;
}

TEST(strict_schema_says_warming_up_not_missing_feature_while_a_live_feature_has_too_few_bars)
{
    const char *logpath = path_in("warmup.log");
    gate_env env;
    env_open(&env, logpath, load("live", NULL)); /* the live schema: no drift */
    tb_ml *ml = env.ml;
    sqlite3 *db = env.db;
    tb_ml_gate g = {.ml = ml};
    char gate[64], why[256];
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 1);
    CHECK_STR(gate, "ml_warming_up"); /* no bar yet */
    feed f;
    feed_init(&f);
    double *c = walk(100);
    feed_bars(ml, &f, 0, 20, c); /* 20 bars: ret_60 cannot be computed yet */
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 1);
    CHECK_STR(gate, "ml_warming_up");
    CHECK_CONTAINS(why, "warming up");
    CHECK_CONTAINS(why, "not computed yet for AAPL");
    feed_bars(ml, &f, 20, 80, c); /* warm: scored, and the gate lets it through */
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 0);
    tb_log_close();
    char *log = slurp(logpath);
    CHECK(log && !strstr(log, "Missing feature"));
    free(log);
    CHECK_INT(count(db, "SELECT COUNT(*) FROM ml_decisions WHERE verdict = 'blocked_warming_up'"),
              2);
    CHECK_INT(count(db, "SELECT COUNT(*) FROM ml_decisions WHERE verdict = 'blocked_schema'"), 0);
    free(c);
    feed_free(&f);
    env_close(&env);
}

TEST(strict_schema_blocks_a_missing_feature_with_the_exact_log_line)
{
    const char *logpath = path_in("trading_bot.log");
    gate_env env;
    env_open(&env, logpath, load("renamed", "rsi_14"));
    tb_ml *ml = env.ml;
    sqlite3 *db = env.db;
    feed f;
    double *c = fed_walk(ml, &f, 100);
    tb_ml_gate g = {.ml = ml};
    char gate[64], why[256];
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 1);
    CHECK_STR(gate, "ml_strict_schema");
    CHECK_STR(why, "MLIntegration: STRICT_SCHEMA active. Missing feature rsi_9. Blocking trade.");
    CHECK(isnan(tb_ml_confidence(ml, "AAPL")));
    tb_log_close();
    char *log = slurp(logpath);
    CHECK_CONTAINS(log,
                   "MLIntegration: STRICT_SCHEMA active. Missing feature rsi_9. Blocking trade.");
    free(log);
    CHECK_INT(count(db, "SELECT COUNT(*) FROM ml_decisions WHERE verdict = 'blocked_schema'"), 1);
    /* the same model with STRICT_SCHEMA off scores with the column missing (NaN) */
    env.o.strict_schema = 0;
    tb_ml_set_opts(ml, &env.o);
    feed_bars(ml, &f, 100, 0, c);
    tb_bar b = mlt_bar(99, c[99], 1000);
    tb_ml_bar mb = {.sym = 0, .symbol = "AAPL", .bar = &b, .ind = f.ind, .bars = &f.ring};
    tb_ml_on_bar(ml, &mb);
    CHECK(isfinite(tb_ml_confidence(ml, "AAPL")));
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 0);
    free(c);
    feed_free(&f);
    env_close(&env);
}

TEST(confidence_below_the_threshold_blocks_an_entry_and_short_sales_use_its_complement)
{
    tb_err e;
    tb_ml_opts o = {
        .strict_schema = 1, .min_confidence = 0.999, .sample_every_min = 5, .horizon_min = 30};
    tb_ml *ml = tb_ml_new(&o, &e);
    feed f;
    double *c = fed_walk(ml, &f, 100);
    tb_ml_gate g = {.ml = ml};
    char gate[64], why[256];
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 0); /* no model */
    tb_ml_loaded_free(tb_ml_swap(ml, load("conf", NULL)));
    double p = tb_ml_confidence(ml, "AAPL"); /* scored at the swap, not at the next bar */
    CHECK(p > 0 && p < 1);
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 1);
    CHECK_STR(gate, "ml_confidence");
    CHECK_CONTAINS(why, "below 0.999");
    o.min_confidence = p - 1e-9; /* the buy passes; a short sale is judged on 1 - p */
    tb_ml_set_opts(ml, &o);
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 0);
    oms_intent sell = buy;
    sell.side = OMS_SELL;
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &sell, gate, sizeof gate, why, sizeof why), p - 1e-9 > 1 - p);
    free(c);
    feed_free(&f);
    tb_ml_free(ml);
}

TEST(decision_points_are_written_and_labelled_with_the_forward_return)
{
    sqlite3 *db;
    db = tbt_db_open(":memory:");
    tb_err e;
    tb_ml_store *st = tb_ml_store_open(db, 0, &e);
    tb_ml_opts o = {.sample_every_min = 5, .horizon_min = 30, .store = st};
    tb_ml *ml = tb_ml_new(&o, &e);
    feed f;
    feed_init(&f);
    double *c = walk(120);
    feed_bars(ml, &f, 0, 120, c);
    CHECK_INT(count(db, "SELECT COUNT(*) FROM ml_samples"), 24);
    CHECK_INT(count(db, "SELECT COUNT(*) FROM ml_samples WHERE label IS NOT NULL"), 18);
    /* the first point is the first bar (ends 09:31); its label is the close 30 bars later */
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT fwd_ret, label, close FROM ml_samples ORDER BY id LIMIT 1", -1,
                       &q, NULL);
    CHECK_INT(sqlite3_step(q), SQLITE_ROW);
    CHECK_NEAR(sqlite3_column_double(q, 0), c[30] / c[0] - 1, 1e-12);
    CHECK_INT(sqlite3_column_int(q, 1), c[30] > c[0]);
    sqlite3_finalize(q);
    int64_t *t;
    float *x, *y;
    size_t n;
    CHECK_INT(tb_ml_store_training_set(db, &t, &x, &y, &n, &e), 0);
    CHECK_INT(n, 18);
    CHECK(n && t[0] <= t[n - 1]);
    free(t), free(x), free(y);
    /* a closing fill gives the latest open decision its outcome (the calibration view) */
    tb_ml_loaded_free(tb_ml_swap(ml, load("out", NULL)));
    feed_bars(ml, &f, 119, 1, c);
    tb_ml_gate g = {.ml = ml};
    char gate[64], why[256];
    CHECK_INT(tb_ml_gate_fn(&g, NULL, &buy, gate, sizeof gate, why, sizeof why), 0);
    tb_ml_on_trade(ml, "AAPL", "s", 12.5, 1);
    CHECK_INT(count(db, "SELECT COUNT(*) FROM ml_decisions WHERE outcome = 1"), 1);
    CHECK_INT(count(db, "SELECT COUNT(*) FROM ml_decisions WHERE features LIKE '[%]'"), 1);
    CHECK_INT(count(db, "SELECT SUM(n) FROM ml_calibration"), 1);
    free(c);
    feed_free(&f);
    tb_ml_free(ml);
    tb_ml_store_close(st);
    sqlite3_close(db);
}

static int calls;

static int block_all(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate, size_t gl,
                     char *why, size_t wl)
{
    calls++;
    snprintf(gate, gl, "%s", (const char *)ud);
    snprintf(why, wl, "no");
    return 1;
}

static int pass_all(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate, size_t gl,
                    char *why, size_t wl)
{
    calls++;
    return 0;
}

TEST(gate_chain_runs_in_order_and_the_first_block_decides)
{
    tb_gate_chain ch = {0};
    CHECK_INT(tb_gate_chain_add(&ch, pass_all, NULL, NULL), 0);
    CHECK_INT(tb_gate_chain_add(&ch, NULL, NULL, NULL), 0); /* ignored */
    CHECK_INT(tb_gate_chain_add(&ch, block_all, NULL, "kill_switch"), 0);
    CHECK_INT(tb_gate_chain_add(&ch, block_all, NULL, "later"), 0);
    char gate[64] = "", why[64];
    CHECK_INT(tb_gate_chain_fn(&ch, NULL, &buy, gate, sizeof gate, why, sizeof why), 1);
    CHECK_STR(gate, "kill_switch");
    CHECK_INT(calls, 2);
}

__attribute__((destructor)) static void cleanup(void)
{
    mlt_rmtree(dir);
}
