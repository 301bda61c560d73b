#include "cand/select.h"
#include "cli/commands.h"
#include "home/home.h"
#include "log/log.h"
#include "orch/defaults.h"
#include "util/clock.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot candidates [--home DIR] [--date YYYY-MM-DD] [--no-write]\n\n"
    "Screens the universe for day trading candidates (data only: gap, relative volume, ATR%,\n"
    "price and liquidity bounds) from the bars in ml_db/ml_data.db, else the replay's sample\n"
    "data; scores them with scripts/candidates.lua; prints the table and writes\n"
    "data/top_20_day_trading_candidates.csv (a running engine loads it without restart).\n"
    "--date defaults to today (New York); when the data ends earlier, its last day is used.\n"
    "With candidates.source \"polygon\" today's prices come from Polygon's (Massive's) snapshot\n"
    "(day.o once open, else min.c, else the last trade, against prevDay.c) and the day's\n"
    "gainers and losers join the universe (column \"mover\"); history still from the store.\n"
    "When the snapshot cannot be had (403, 401, network) the store is used and the reason said.\n";

static void print_table(const tb_cand_set *set, const tb_scorer *s, const tb_select_info *info)
{
    char d[16], a[16];
    printf("candidates for %s (asked %s) from the %s: %d screened, %d passed, top %d\n",
           tb_date_fmt(set->date, d, sizeof d), tb_date_fmt(info->asked, a, sizeof a), info->source,
           info->screened, info->passed, set->n);
    if (info->note[0]) printf("note: %s\n", info->note);
    if (info->snap_priced || info->snap_missing)
        printf("snapshot: %d priced, %d without a snapshot price (store's kept), %d movers added "
               "without history here\n",
               info->snap_priced, info->snap_missing, info->movers_added);
    if (info->snap_skipped)
        printf("snapshot: %zu entries refused, first: %s\n", info->snap_skipped, info->snap_why);
    int movers = strncmp(info->source, "polygon", 7) == 0;
    printf("%4s %-8s %8s %9s %8s %7s %7s %14s", "rank", "symbol", "score", "price", "gap%",
           "relvol", "atr%", "$volume/day");
    for (int k = 0; k < s->ncomp; k++) printf(" %8s", s->comp[k]);
    if (movers) printf(" %-7s", "mover");
    putchar('\n');
    for (int i = 0; i < set->n; i++) {
        const tb_cand *c = &set->c[i];
        printf("%4d %-8s %8.3f %9.2f %8.2f %7.2f %7.2f %14.0f", i + 1, c->symbol, c->score,
               c->price, c->gap_pct, c->rel_volume, c->atr_pct, c->dollar_volume);
        for (int k = 0; k < s->ncomp; k++) printf(" %8.3f", c->comp[k]);
        if (movers) printf(" %-7s", c->mover == 'G' ? "gainers" : c->mover == 'L' ? "losers" : "-");
        putchar('\n');
    }
}

static int run(const char *date, int write, tb_err *e)
{
    tb_date want = 0;
    if (date && tb_date_parse(date, &want, e) != 0) return tb_err_prefix(e, "--date: ");
    char cfgpath[PATH_MAX], script[PATH_MAX], out[PATH_MAX];
    tb_config cfg;
    tb_config_errors errs;
    if (tb_config_load(tb_home_path(cfgpath, sizeof cfgpath, TB_CONFIG_PATH), 1, &cfg, &errs) != 0)
        return tb_errf(e, "%s", errs.n ? errs.msg[0] : "configuration error");
    tb_orch_write_default_scripts();
    tb_scorer s = {0};
    tb_cand_set *set = calloc(1, sizeof *set);
    tb_select_info info;
    int rc = set ? 0 : tb_errf(e, "out of memory");
    if (rc == 0)
        rc = tb_scorer_open(&s, tb_home_path(script, sizeof script, "scripts/candidates.lua"),
                            "scripts/candidates.lua", e);
    if (rc == 0) rc = tb_cand_select(&cfg, want, &s, set, &info, e);
    if (rc == 0) print_table(set, &s, &info);
    if (rc == 0 && write) {
        rc = tb_cand_write(tb_home_path(out, sizeof out, TB_CAND_FILE), set, &s, e);
        if (rc == 0)
            printf("wrote %s: count=%d generated_at=%s\n", TB_CAND_FILE, set->n, set->generated_at);
    }
    tb_scorer_close(&s);
    free(set);
    tb_config_free(&cfg);
    return rc;
}

/* Tests run the screen inside a chosen market minute, as they run the engine. */
static void log_clock_shift(void)
{
    if (tb_clock_from_env())
        TB_WARN("candidates", "TRADEBOT_CLOCK_START: the wall clock is shifted (testing only)");
}

int cmd_candidates(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    const char *date = NULL;
    int write = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--date") && i + 1 < argc) {
            date = argv[++i];
        } else if (!strcmp(argv[i], "--no-write")) {
            write = 0;
        } else {
            fprintf(stderr, "tradebot candidates: unexpected argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    tb_err e;
    char logpath[PATH_MAX];
    tb_log_opts lo = {.level = TB_LOG_INFO, .also_stderr = isatty(2)};
    if (tb_home_init(&e) != 0 ||
        tb_log_open(tb_home_path(logpath, sizeof logpath, "logs/trading_bot.log"), &lo, &e) != 0 ||
        (log_clock_shift(), run(date, write, &e)) != 0) {
        fprintf(stderr, "tradebot candidates: %s\n", e.msg);
        tb_log_close();
        return 1;
    }
    tb_log_close();
    return 0;
}
