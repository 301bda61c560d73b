/*
 * cmd_data.c - `tradebot data`: sample data, CSV import into the store, vendor history (fetch,
 * in data_fetch.c), the session calendar.
 */
#include "cli/commands.h"
#include "cli/data_fetch.h"
#include "data/bar_store.h"
#include "data/calendar.h"
#include "data/csv.h"
#include "data/sample_gen.h"
#include "home/home.h"
#include "util/clock.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot [--home DIR] data COMMAND [OPTIONS]\n"
    "\n"
    "  data generate [--seed N] [--days N] [--symbols N] [--start YYYY-MM-DD] [--out DIR|--db]\n"
    "      Writes seeded sample minute bars (regular session, SPY + N made-up tickers) and a\n"
    "      daily VIX series. Default: CSV files in data/sample/ and the bars table of\n"
    "      ml_db/ml_data.db; --out DIR writes only CSV into DIR, --db only the database.\n"
    "      Defaults: --seed 42 --days 20 --symbols 20 --start 2026-01-02.\n"
    "  data import FILE... [--policy skip|reject] [--tf SECONDS] [--symbol SYM]\n"
    "      Imports CSV bars (Alpaca/Polygon columns or a plain header) into ml_db/ml_data.db and\n"
    "      reports rows read, bars stored and rows skipped with reasons. skip (default) drops\n"
    "      bad rows; reject refuses a file with any. Without a symbol column the file name\n"
    "      gives the symbol; the timeframe is inferred unless --tf is given.\n"
    "  data fetch [--vendor polygon|massive|alpaca] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "             [--symbols A,B|--universe] [--tf 1m|1d] [--grouped] [--json]\n"
    "      Fetches history from the vendor (default: the configured feed, else polygon) into\n"
    "      ml_db/ml_data.db: Polygon aggregates (every next_url page) or Alpaca minute bars\n"
    "      (every page_token page); --grouped: Polygon's grouped daily, the whole market's daily\n"
    "      bars in one request a day. Days already fetched completely (the fetch ledger) are not\n"
    "      asked for again; today is fetched but not marked complete until 20:00 ET. Minute bars\n"
    "      are kept for the regular session. Defaults: --to today, --from 30 days earlier,\n"
    "      --tf 1m, the symbols the live feed subscribes (--universe). Keys as for the feed.\n"
    "  data calendar [--date YYYY-MM-DD]\n"
    "      Prints the session of the date (default: today in New York): open and close in ET\n"
    "      and UTC, early close, or the holiday that closes it.\n"
    "\n"
    "Exit status: 0 on success, 1 on a failure (one line on stderr), 2 on bad usage.\n";

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "tradebot data: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (try tradebot data --help)\n");
    return 2;
}

static int fail(const tb_err *e)
{
    fprintf(stderr, "tradebot data: %s\n", e->msg);
    return 1;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int open_store(tb_db **db, tb_bar_store **bs, tb_err *e)
{
    char path[PATH_MAX];
    tb_home_path(path, sizeof path, "ml_db/ml_data.db");
    if (!(*db = tb_db_open(path, NULL, e))) return -1;
    if (!(*bs = tb_bar_store_open(*db, e))) {
        tb_db_close(*db);
        return -1;
    }
    return 0;
}

static int cmd_generate(int argc, char **argv)
{
    tb_sample_cfg cfg;
    tb_sample_defaults(&cfg);
    const char *out_dir = NULL;
    int db_only = 0;
    tb_err e;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(a, "--seed") == 0) {
            char *end;
            if (!v || (cfg.seed = strtoull(v, &end, 0), *end))
                return bad_usage("bad --seed %s", v ? v : "");
            i++;
        } else if (strcmp(a, "--days") == 0) {
            if (parse_long(v, 1, 10000, &n))
                return bad_usage("--days wants 1..10000, not %s", v ? v : "");
            cfg.days = (int)n;
            i++;
        } else if (strcmp(a, "--symbols") == 0) {
            if (parse_long(v, 0, 200, &n))
                return bad_usage("--symbols wants 0..200, not %s", v ? v : "");
            cfg.nsymbols = (int)n;
            i++;
        } else if (strcmp(a, "--start") == 0) {
            if (tb_date_parse(v, &cfg.start, &e)) return bad_usage("%s", e.msg);
            i++;
        } else if (strcmp(a, "--out") == 0) {
            if (!v) return bad_usage("--out wants a directory%s", "");
            out_dir = v;
            i++;
        } else if (strcmp(a, "--db") == 0) {
            db_only = 1;
        } else {
            return bad_usage("unknown option %s", a);
        }
    }
    if (out_dir && db_only) return bad_usage("--out and --db exclude each other%s", "");
    if (tb_home_init(&e) != 0) return fail(&e);
    int tty = isatty(STDERR_FILENO);
    if (tty) fprintf(stderr, "generating %d days of %d symbols...\r", cfg.days, cfg.nsymbols + 1);
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_bar_vec m = {0}, vix = {0};
    int rc = 1;
    tb_db *db = NULL;
    tb_bar_store *bs = NULL;
    char dir[PATH_MAX];
    if (tb_sample_generate(&cfg, &syms, &m, &vix, &e) != 0) goto out;
    if (!db_only) {
        if (out_dir)
            snprintf(dir, sizeof dir, "%s", out_dir);
        else
            tb_home_path(dir, sizeof dir, "data/sample");
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            tb_errf(&e, "cannot create %s: %s", dir, strerror(errno));
            goto out;
        }
        if (tty) fprintf(stderr, "writing CSV to %s...          \r", dir);
        if (tb_csv_write_per_symbol(dir, &syms, m.v, m.n, &e) != 0 ||
            tb_csv_write_per_symbol(dir, &syms, vix.v, vix.n, &e) != 0)
            goto out;
    }
    if (!out_dir) {
        if (tty) fprintf(stderr, "storing %zu bars...                  \r", m.n + vix.n);
        if (open_store(&db, &bs, &e) != 0 || tb_bar_store_put(bs, &syms, m.v, m.n, &e) != 0 ||
            tb_bar_store_put(bs, &syms, vix.v, vix.n, &e) != 0)
            goto out;
    }
    if (tty) fprintf(stderr, "%60s\r", "");
    char d0[16], d1[16];
    printf("generated %zu minute bars and %zu VIX days for %u symbols, %s to %s, seed %llu\n", m.n,
           vix.n, tb_symtab_count(&syms) - (vix.n ? 1 : 0),
           tb_date_fmt(tb_cal_session_day(m.v[0].start_ns), d0, sizeof d0),
           tb_date_fmt(tb_cal_session_day(m.v[m.n - 1].start_ns), d1, sizeof d1),
           (unsigned long long)cfg.seed);
    if (!db_only) printf("csv: %s/<SYMBOL>.csv\n", dir);
    if (!out_dir) printf("db: %s (table bars)\n", db->path);
    rc = 0;
out:
    if (rc) fail(&e);
    tb_bar_store_close(bs);
    tb_db_close(db);
    tb_bar_vec_free(&m);
    tb_bar_vec_free(&vix);
    tb_symtab_free(&syms);
    return rc;
}

static int cmd_import(int argc, char **argv)
{
    tb_csv_opts opts = {TB_CSV_SKIP, 0, NULL};
    const char *files[256];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(a, "--policy") == 0) {
            if (v && strcmp(v, "skip") == 0)
                opts.policy = TB_CSV_SKIP;
            else if (v && strcmp(v, "reject") == 0)
                opts.policy = TB_CSV_REJECT;
            else
                return bad_usage("--policy wants skip or reject, not %s", v ? v : "");
            i++;
        } else if (strcmp(a, "--tf") == 0) {
            if (parse_long(v, 1, 86400, &n))
                return bad_usage("--tf wants seconds, not %s", v ? v : "");
            opts.tf_sec = (int)n;
            i++;
        } else if (strcmp(a, "--symbol") == 0) {
            if (!v) return bad_usage("--symbol wants a ticker%s", "");
            opts.symbol = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option %s", a);
        } else if (nfiles < 256) {
            files[nfiles++] = a;
        } else {
            return bad_usage("more than 256 files at once%s", "");
        }
    }
    if (!nfiles) return bad_usage("import wants at least one FILE%s", "");
    tb_err e;
    tb_db *db;
    tb_bar_store *bs;
    if (tb_home_init(&e) != 0 || open_store(&db, &bs, &e) != 0) return fail(&e);
    int failed = 0;
    size_t total = 0;
    for (int f = 0; f < nfiles; f++) {
        tb_symtab syms;
        tb_symtab_init(&syms);
        tb_bar_vec v = {0};
        tb_csv_report rep;
        int rc = tb_csv_read_file(files[f], &opts, &syms, &v, &rep, &e);
        if (rc == 0) rc = tb_bar_store_put(bs, &syms, v.v, v.n, &e);
        if (rc == 0) {
            char sum[192];
            tb_csv_summary(&rep, sum, sizeof sum);
            printf("%s: %s\n", files[f], sum);
            for (int k = 0; k < rep.nmsgs; k++) printf("  %s\n", rep.msgs[k]);
            size_t nskip = tb_csv_skipped(&rep);
            if (nskip > (size_t)rep.nmsgs) printf("  ... %zu more\n", nskip - (size_t)rep.nmsgs);
            total += v.n;
        } else {
            fprintf(stderr, "tradebot data: %s\n", e.msg);
            failed++;
        }
        tb_bar_vec_free(&v);
        tb_symtab_free(&syms);
    }
    printf("%zu bars stored in %s from %d of %d files\n", total, db->path, nfiles - failed, nfiles);
    tb_bar_store_close(bs);
    tb_db_close(db);
    return failed ? 1 : 0;
}

static const char *hhmm(int64_t ns, int local, char *buf, size_t len)
{
    int sod;
    if (local) {
        tb_cal_local_time(ns, NULL, &sod);
    } else {
        int64_t s = ns / TB_NS_PER_SEC;
        sod = (int)(((s % 86400) + 86400) % 86400);
    }
    snprintf(buf, len, "%02d:%02d", sod / 3600, sod / 60 % 60);
    return buf;
}

static int cmd_calendar(int argc, char **argv)
{
    tb_err e;
    tb_date d = tb_cal_session_day(tb_clock_now_ns());
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--date") == 0) {
            if (tb_date_parse(i + 1 < argc ? argv[i + 1] : NULL, &d, &e))
                return bad_usage("%s", e.msg);
            i++;
        } else {
            return bad_usage("unknown option %s", argv[i]);
        }
    }
    tb_session s;
    char ds[16], a[8], b[8], c[8], f[8];
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    tb_date_fmt(d, ds, sizeof ds);
    if (!tb_cal_session(NULL, d, &s)) {
        tb_date next = tb_cal_next_trading_day(NULL, d);
        char ns[16];
        printf("%s %s: closed (%s); next trading day %s\n", ds, wd[tb_date_weekday(d)], s.holiday,
               tb_date_fmt(next, ns, sizeof ns));
        return 0;
    }
    printf("%s %s: open %s-%s ET (%s-%s UTC)%s; extended %s-%s ET; UTC offset %+d h\n", ds,
           wd[tb_date_weekday(d)], hhmm(s.open_ns, 1, a, sizeof a),
           hhmm(s.close_ns, 1, b, sizeof b), hhmm(s.open_ns, 0, c, sizeof c),
           hhmm(s.close_ns, 0, f, sizeof f), s.early_close ? ", early close" : "",
           hhmm(s.pre_open_ns, 1, (char[8]){0}, 8), hhmm(s.post_close_ns, 1, (char[8]){0}, 8),
           tb_cal_utc_offset(s.open_ns) / 3600);
    return 0;
}

int cmd_data(int argc, char **argv)
{
    tb_home_take_arg(&argc, argv);
    if (tb_wants_help(argc, argv) || argc < 2) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "generate") == 0) return cmd_generate(argc - 1, argv + 1);
    if (strcmp(sub, "import") == 0) return cmd_import(argc - 1, argv + 1);
    if (strcmp(sub, "calendar") == 0) return cmd_calendar(argc - 1, argv + 1);
    if (strcmp(sub, "fetch") == 0) return tb_data_fetch_cmd(argc - 1, argv + 1);
    return bad_usage("unknown command '%s'", sub);
}
