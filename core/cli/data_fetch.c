#include "cli/data_fetch.h"
#include "cli/commands.h"
#include "broker/alpaca.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/feeds.h"
#include "feed/fetch.h"
#include "feed/polygon.h"
#include "home/home.h"
#include "util/clock.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SYMBOLS 500

typedef struct fetch_args {
    const char *vendor, *from, *to, *symbols;
    int tf_sec, grouped, universe, json;
} fetch_args;

typedef struct fetch_keys {
    char key[256], secret[256];
} fetch_keys;

static int usage_err(const char *fmt, const char *arg)
{
    fprintf(stderr, "tradebot data fetch: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (try tradebot data --help)\n");
    return 2;
}

static int parse_args(int argc, char **argv, fetch_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = !strcmp(o, "--vendor") || !strcmp(o, "--from") || !strcmp(o, "--to") ||
                    !strcmp(o, "--symbols") || !strcmp(o, "--tf");
        if (takes && !v) return usage_err("%s wants a value", o);
        if (!strcmp(o, "--vendor"))
            a->vendor = v;
        else if (!strcmp(o, "--from"))
            a->from = v;
        else if (!strcmp(o, "--to"))
            a->to = v;
        else if (!strcmp(o, "--symbols"))
            a->symbols = v;
        else if (!strcmp(o, "--tf") && (!strcmp(v, "1m") || !strcmp(v, "1d")))
            a->tf_sec = v[1] == 'm' ? 60 : 86400;
        else if (!strcmp(o, "--tf"))
            return usage_err("--tf wants 1m or 1d, not %s", v);
        else if (!strcmp(o, "--grouped"))
            a->grouped = 1;
        else if (!strcmp(o, "--universe"))
            a->universe = 1;
        else if (!strcmp(o, "--json"))
            a->json = 1;
        else
            return usage_err("unknown option %s", o);
        i += takes;
    }
    if (a->symbols && a->universe)
        return usage_err("--symbols and --universe exclude each other%s", "");
    if (a->grouped && (a->symbols || a->universe))
        return usage_err("--grouped fetches every ticker: no --symbols or --universe%s", "");
    if (a->grouped && a->tf_sec == 60) return usage_err("--grouped is daily bars (--tf 1d)%s", "");
    if (a->vendor && strcmp(a->vendor, "polygon") && strcmp(a->vendor, "massive") &&
        strcmp(a->vendor, "alpaca"))
        return usage_err("--vendor wants polygon, massive or alpaca, not %s", a->vendor);
    if (!a->tf_sec) a->tf_sec = a->grouped ? 86400 : 60;
    return 0;
}

static int split_symbols(char *list, const char **out, tb_err *e)
{
    int n = 0;
    for (char *s = strtok(list, ", "); s; s = strtok(NULL, ", ")) {
        if (n == MAX_SYMBOLS) return tb_errf(e, "--symbols: at most %d", MAX_SYMBOLS);
        out[n++] = s;
    }
    if (!n) return tb_errf(e, "--symbols: empty list");
    return n;
}

/* The live feed's list: config "symbols", else the candidates file's, else the strategies'. */
static int universe(const tb_config *cfg, tb_engine_feed_buf *buf, const char **out)
{
    tb_engine *en = calloc(1, sizeof *en);
    if (!en) return 0;
    en->cfg = *cfg;
    int n = tb_engine_feed_symbols(en, buf);
    free(en);
    for (int i = 0; i < n; i++) out[i] = buf->symv[i];
    return n;
}

static int load_keys(const tb_config *c, tb_fetch_opts *o, fetch_keys *k, tb_err *e)
{
    char file[PATH_MAX] = "";
    if (o->vendor == TB_FETCH_POLYGON) {
        if (c->polygon.key_file && *c->polygon.key_file)
            tb_home_path(file, sizeof file, c->polygon.key_file);
        if (tb_polygon_load_key(file, k->key, sizeof k->key, e) != 0) return -1;
        o->base_url = c->polygon.base_url;
        o->rate_per_minute = strcmp(c->polygon.plan, "free") == 0 ? 5 : 0;
    } else {
        if (c->alpaca.keys_file && *c->alpaca.keys_file)
            tb_home_path(file, sizeof file, c->alpaca.keys_file);
        if (alpaca_load_keys(file, k->key, sizeof k->key, k->secret, sizeof k->secret, e) != 0)
            return -1;
        o->base_url = c->alpaca_data.data_url;
        o->feed = c->alpaca_data.feed;
        o->rate_per_minute = c->alpaca_data.rate_per_minute;
    }
    o->key = k->key, o->secret = k->secret;
    return 0;
}

static void on_progress(void *ud, const tb_fetch_report *r)
{
    fprintf(stderr, "\rfetching %-40s %lld requests, %lld bars stored ", r->current,
            (long long)r->requests, (long long)r->bars);
}

static void print_summary(const tb_fetch_opts *o, const fetch_args *a, const tb_fetch_report *r)
{
    char f[16], t[16];
    tb_date_fmt(o->from, f, sizeof f);
    tb_date_fmt(o->to, t, sizeof t);
    const char *v = tb_fetch_vendor_name(o->vendor), *tf = o->tf_sec == 60 ? "1m" : "1d";
    if (a->json) {
        tb_cli_print_json(json_pack(
            "{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "vendor", v,
            "tf", tf, "from", f, "to", t, "grouped", o->grouped, "wanted", (json_int_t)r->wanted,
            "already", (json_int_t)r->already, "requests", (json_int_t)r->requests, "pages",
            (json_int_t)r->pages, "bars", (json_int_t)r->bars, "outside", (json_int_t)r->outside,
            "complete_days", (json_int_t)r->marked, "gap_minutes", (json_int_t)r->gap_minutes,
            "failures", (json_int_t)r->failures));
        return;
    }
    printf("fetch %s %s%s %s..%s: %lld %s, %lld already stored, %lld requests, %lld pages, "
           "%lld bars stored, %lld skipped outside the session, %lld days complete, %lld gap "
           "minutes%s\n",
           v, tf, o->grouped ? " grouped" : "", f, t, (long long)r->wanted,
           o->grouped ? "days" : "symbol-days", (long long)r->already, (long long)r->requests,
           (long long)r->pages, (long long)r->bars, (long long)r->outside, (long long)r->marked,
           (long long)r->gap_minutes, r->failures ? ", FAILED" : "");
}

/* Vendor, range and symbols from the arguments and the configuration. */
static int make_opts(const tb_config *c, fetch_args *a, tb_fetch_opts *o, const char **syms,
                     tb_engine_feed_buf *buf, tb_err *e)
{
    const char *v = a->vendor;
    if (!v) v = !strcmp(c->feed, "alpaca") ? "alpaca" : "polygon";
    o->vendor = !strcmp(v, "alpaca") ? TB_FETCH_ALPACA : TB_FETCH_POLYGON;
    o->tf_sec = a->tf_sec, o->grouped = a->grouped;
    o->now_ns = tb_clock_now_ns();
    o->to = tb_cal_session_day(o->now_ns);
    if (a->to && tb_date_parse(a->to, &o->to, e) != 0) return tb_err_prefix(e, "--to: ");
    o->from = o->to - 30;
    if (a->from && tb_date_parse(a->from, &o->from, e) != 0) return tb_err_prefix(e, "--from: ");
    o->ca_file = getenv("TRADEBOT_CA_FILE");
    if (a->grouped) return 0;
    static char list[8192];
    int n = 0;
    if (a->symbols) {
        snprintf(list, sizeof list, "%s", a->symbols);
        if ((n = split_symbols(list, syms, e)) < 0) return -1;
    } else if (!(n = universe(c, buf, syms))) {
        return tb_errf(e, "no symbols: give --symbols, set \"symbols\", or run `tradebot "
                          "candidates`");
    }
    o->symbols = syms, o->nsymbols = n;
    return 0;
}

static int fetch(fetch_args *a, tb_err *e)
{
    char path[PATH_MAX];
    tb_config cfg;
    tb_config_errors errs;
    if (tb_home_init(e) != 0) return -1;
    if (tb_config_load(tb_home_path(path, sizeof path, TB_CONFIG_PATH), 1, &cfg, &errs) != 0)
        return tb_errf(e, "%s", errs.n ? errs.msg[0] : "configuration error");
    static const char *syms[MAX_SYMBOLS];
    static tb_engine_feed_buf buf;
    fetch_keys keys;
    tb_fetch_opts o = {0};
    tb_fetch_report r;
    tb_db *db = NULL;
    int rc = make_opts(&cfg, a, &o, syms, &buf, e);
    if (rc == 0) rc = load_keys(&cfg, &o, &keys, e);
    if (rc == 0 && !(db = tb_db_open(tb_home_path(path, sizeof path, "ml_db/ml_data.db"), NULL, e)))
        rc = -1;
    if (rc == 0) {
        o.db = db;
        if (isatty(STDERR_FILENO)) o.progress = on_progress;
        rc = tb_fetch_run(&o, &r, e);
        if (o.progress) fprintf(stderr, "\r%100s\r", "");
        if (r.wanted || r.failures) print_summary(&o, a, &r);
        if (!r.wanted && rc == 0) printf("fetch: nothing to fetch (no trading day in range)\n");
    }
    memset(&keys, 0, sizeof keys);
    tb_db_close(db);
    tb_config_free(&cfg);
    return rc;
}

int tb_data_fetch_cmd(int argc, char **argv)
{
    fetch_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) return rc;
    tb_clock_from_env(); /* tests pick "now" (which days are finished) */
    tb_err e;
    if (fetch(&a, &e) != 0) {
        fprintf(stderr, "tradebot data: %s\n", e.msg);
        return 1;
    }
    return 0;
}
