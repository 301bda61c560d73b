#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"
#include "risk/gates.h"
#include "util/atomic.h"
#include "util/clock.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot pdt [--home DIR] [--set N] [--json]\n\n"
    "Shows data/pdt_state.json: the day-trade count in the rolling window, the policy and the\n"
    "dated list behind it. --set N writes day_trade_count = N (a whole number from 0 to 1000),\n"
    "as the runbook's \"PDT Violations\" step says, when the count is out of step with the\n"
    "broker: a running engine picks the edit up within a second, validates it and logs\n"
    "\"pdt_state.json edited: day_trade_count A -> B (operator)\". The file is replaced\n"
    "atomically, so the engine never reads half of it; the window written with it is today's,\n"
    "so an engine started later today applies it too. Before the engine has written the file\n"
    "(a new home) the policy, the budget and the window come from config/trading_config.json.\n";

static void fmt_ymd(tb_date d, char *buf, size_t n)
{
    int y, m, dd;
    tb_date_to_ymd(d, &y, &m, &dd);
    snprintf(buf, n, "%04d-%02d-%02d", y, m, dd);
}

/* Fills what the file lacks from the configuration (a new home has no file; --set may create
 * it): the policy, the budget and, when missing or new_window, today's window. */
static int fill_from_config(json_t *j, int new_window)
{
    tb_config cfg;
    tb_config_errors errs;
    char path[PATH_MAX];
    if (tb_config_load(tb_home_path(path, sizeof path, TB_CONFIG_PATH), 1, &cfg, &errs) != 0) {
        fprintf(stderr, "tradebot pdt: %s\n", errs.msg[0]);
        return -1;
    }
    const char *policy = cfg.risk.day_trades.policy ? cfg.risk.day_trades.policy : "pdt_legacy";
    if (!json_is_string(json_object_get(j, "policy")))
        json_object_set_new(j, "policy", json_string(policy));
    if (!json_is_integer(json_object_get(j, "max_day_trades")))
        json_object_set_new(j, "max_day_trades", json_integer(cfg.risk.day_trades.max_day_trades));
    if (!json_is_integer(json_object_get(j, "day_trade_count")))
        json_object_set_new(j, "day_trade_count", json_integer(0));
    if (new_window || !json_is_object(json_object_get(j, "window"))) {
        tb_cal cal;
        tb_cal_init(&cal);
        tb_date today = tb_cal_session_day(tb_clock_now_ns());
        tb_session ss;
        if (!tb_cal_session(&cal, today, &ss)) /* a weekend: the window of the next session */
            today = tb_cal_next_trading_day(&cal, today);
        int days = (int)cfg.risk.day_trades.window_days;
        int32_t first = tb_risk_dt_window_first(&cal, days, tb_date_yyyymmdd(today));
        char f[16], l[16];
        fmt_ymd(tb_date_from_ymd(first / 10000, first / 100 % 100, first % 100), f, sizeof f);
        fmt_ymd(today, l, sizeof l);
        json_object_set_new(
            j, "window",
            json_pack("{s:s, s:s, s:i}", "first", f, "last", l, "business_days", days));
    }
    tb_config_free(&cfg);
    return 0;
}

static int write_atomic(const char *path, json_t *j)
{
    tb_err e;
    if (tb_atomic_write_json(path, j, JSON_INDENT(2), TB_STATE_FILE_MODE, &e) != 0) {
        fprintf(stderr, "tradebot pdt: cannot write: %s\n", e.msg);
        return 1;
    }
    return 0;
}

/* N must be a whole number in range: "3" yes, "3.5", "-1", "three", "" no. */
static int parse_count(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 0 || v > 1000) return -1;
    *out = v;
    return 0;
}

int cmd_pdt(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    const char *set = NULL;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc)
            set = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else {
            fprintf(stderr, "tradebot pdt: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    tb_err e;
    /* --set may be the first thing done in a new home: its data/ folder is made then. */
    if ((set ? tb_home_init(&e) : tb_home_resolve(&e)) != 0) {
        fprintf(stderr, "tradebot pdt: %s\n", e.msg);
        return 1;
    }
    char path[PATH_MAX];
    tb_home_path(path, sizeof path, "data/pdt_state.json");
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    int fresh = !j && access(path, F_OK) != 0;
    if (!j && !fresh) {
        fprintf(stderr, "tradebot pdt: %s: %s\n", path, je.text);
        return 1;
    }
    if (!j) j = json_object();
    if (!json_is_object(j)) {
        fprintf(stderr, "tradebot pdt: %s: not a JSON object\n", path);
        json_decref(j);
        return 1;
    }
    if (fill_from_config(j, set != NULL) != 0) {
        json_decref(j);
        return 1;
    }
    int rc = 0;
    if (set) {
        long n;
        if (parse_count(set, &n) != 0) {
            fprintf(stderr, "tradebot pdt: --set %s: expected a whole number from 0 to 1000\n",
                    set);
            json_decref(j);
            return 2;
        }
        json_int_t was = json_integer_value(json_object_get(j, "day_trade_count"));
        json_object_set_new(j, "day_trade_count", json_integer(n));
        rc = write_atomic(path, j);
        if (rc == 0) printf("day_trade_count %lld -> %ld in %s\n", (long long)was, n, path);
    } else if (as_json) {
        char *s = json_dumps(j, JSON_INDENT(2));
        puts(s);
        free(s);
    } else {
        printf("day_trade_count %lld of %lld (policy %s, window %s to %s)\n",
               (long long)json_integer_value(json_object_get(j, "day_trade_count")),
               (long long)json_integer_value(json_object_get(j, "max_day_trades")),
               json_string_value(json_object_get(j, "policy")) ?: "?",
               json_string_value(json_object_get(json_object_get(j, "window"), "first")) ?: "?",
               json_string_value(json_object_get(json_object_get(j, "window"), "last")) ?: "?");
        if (fresh) printf("  no day trade recorded: the engine writes %s when it runs\n", path);
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(j, "day_trades"), i, d)
        {
            char *s = json_dumps(d, JSON_COMPACT);
            printf("  %s\n", s);
            free(s);
        }
    }
    json_decref(j);
    return rc;
}
