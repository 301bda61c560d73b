#include "cli/commands.h"
#include "util/atomic.h"
#include "home/home.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: tradebot pdt [--home DIR] [--set N] [--json]\n\n"
    "Shows data/pdt_state.json: the day-trade count in the rolling window, the policy and the\n"
    "dated list behind it. --set N writes day_trade_count = N (a whole number from 0 to 1000),\n"
    "as the runbook's \"PDT Violations\" step says, when the count is out of step with the\n"
    "broker: a running engine picks the edit up within a second, validates it and logs\n"
    "\"pdt_state.json edited: day_trade_count A -> B (operator)\". The file is replaced\n"
    "atomically, so the engine never reads half of it.\n";

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
    if (tb_home_resolve(&e) != 0) {
        fprintf(stderr, "tradebot pdt: %s\n", e.msg);
        return 1;
    }
    char path[PATH_MAX];
    tb_home_path(path, sizeof path, "data/pdt_state.json");
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j && !set) {
        fprintf(stderr, "tradebot pdt: %s: %s (the engine writes it once it trades)\n", path,
                je.text);
        return 1;
    }
    if (!j) j = json_object();
    if (!json_is_object(j)) {
        fprintf(stderr, "tradebot pdt: %s: not a JSON object\n", path);
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
