/*
 * facts_logs.c - the Sentinel's facts from files: sessions played and incidents from
 * logs/trading_bot.log, decisions and gate blocks from logs/enhanced_decision_log.jsonl, the
 * controller's changes from logs/control_audit_log.jsonl, the candidates file, the ML schema,
 * log sizes and free disk.
 */
#include "home/home.h"
#include "ml/features.h"
#include "log/tail.h"
#include "sentinel/facts.h"
#include "log/log.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define LOG_WINDOW (64u << 20)

static void inc(json_t *obj, const char *key, json_int_t by)
{
    json_t *v = json_object_get(obj, key);
    json_object_set_new(obj, key, json_integer((v ? json_integer_value(v) : 0) + by));
}

static json_t *obj_at(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);
    if (!o) json_object_set_new(parent, key, o = json_object());
    return o;
}

/* "session 2026-01-05 ended: bars=.. orders=.. fills=.. blocked=.. equity=.." */
static void on_session_line(const char *line, size_t len, void *ud)
{
    const char *p = tb_log_line_from(line, len, "replay", "session ");
    char day[11];
    unsigned long long bars, orders, fills, blocked;
    if (!p || sscanf(p, "session %10s ended: bars=%llu orders=%llu fills=%llu blocked=%llu", day,
                     &bars, &orders, &fills, &blocked) != 5)
        return;
    json_t *all = ud, *s = json_pack("{s:s, s:I, s:I, s:I, s:I}", "date", day, "bars",
                                     (json_int_t)bars, "orders", (json_int_t)orders, "fills",
                                     (json_int_t)fills, "blocked", (json_int_t)blocked);
    json_object_set_new(all, day, s); /* a replayed day seen again replaces the older line */
}

/* Position differences that persist (broker/posdiff.h's lines): a "persists" line adds its
 * symbol, a "resolved" line or an engine start (the adapter's table starts empty) removes it. */
static void on_posdiff_line(const char *line, size_t len, void *ud)
{
    json_t *open = ud;
    const char *p = NULL;
    char sym[32], who[16] = "";
    long long local, broker;
    /* the broker adapters that reconcile (broker/reconcile.c), by their component */
    static const char *const brokers[] = {"alpaca", "ibkr", NULL};
    for (int i = 0; brokers[i] && !p; i++)
        if ((p = tb_log_line_from(line, len, brokers[i], "reconcile: position difference ")))
            snprintf(who, sizeof who, "%s", brokers[i]);
    if (tb_log_line_from(line, len, "engine", "engine started:")) {
        json_object_clear(open);
    } else if (p && strncmp(p, "reconcile: position difference persists: ", 41) == 0 &&
               sscanf(p + 41, "%31s local=%lld broker=%lld", sym, &local, &broker) == 3) {
        json_object_set_new(open, sym,
                            json_pack("{s:s, s:I, s:I, s:o, s:s}", "symbol", sym, "engine_qty",
                                      (json_int_t)local, "broker_qty", (json_int_t)broker, "since",
                                      json_stringn(line, len > 24 ? 24 : len), "broker", who));
    } else if (p && strncmp(p, "reconcile: position difference resolved: ", 41) == 0 &&
               sscanf(p + 41, "%31s", sym) == 1) {
        json_object_del(open, sym);
    }
}

typedef struct incident_ctx {
    json_t *stale, *connectivity;
    json_int_t errors, warnings;
} incident_ctx;

static int has_word(const char *line, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcasestr(line, words[i])) return 1;
    return 0;
}

/* Warnings and errors written since the previous audit: stale data, broker and feed trouble. */
static void on_incident_line(const char *line, size_t len, void *ud)
{
    static const char *const stale[] = {"stale", NULL};
    static const char *const conn[] = {"disconnect", "reconnect", "connection", "broker error",
                                       "timed out",  "websocket", NULL};
    incident_ctx *c = ud;
    tb_log_line l;
    if (tb_log_line_parse(line, len, &l) != 0) return;
    int err = l.level == TB_LOG_ERROR, warn = l.level == TB_LOG_WARN;
    c->errors += err;
    c->warnings += warn;
    /* a strategy's own words about staleness or connections are not the feed's or the broker's */
    if (strncmp(l.component, "strategy:", 9) == 0) return;
    if (has_word(l.message, stale) && (err || warn) && json_array_size(c->stale) < 200)
        json_array_append_new(c->stale, json_string(line));
    if (has_word(l.message, conn) && (err || warn) && json_array_size(c->connectivity) < 200)
        json_array_append_new(c->connectivity, json_string(line));
}

static int64_t state_int(json_t *state, const char *key)
{
    return state ? json_integer_value(json_object_get(state, key)) : 0;
}

static void scan_engine_log(json_t *facts, json_t *state)
{
    char path[4096];
    tb_home_path(path, sizeof path, "logs/trading_bot.log");
    json_t *sessions = json_object();
    tb_tail_lines(path, LOG_WINDOW, on_session_line, sessions);
    json_object_set_new(facts, "sessions_played", sessions);
    json_t *open = json_object(), *diffs = json_array(), *d;
    tb_tail_lines(path, LOG_WINDOW, on_posdiff_line, open);
    const char *sym;
    json_object_foreach(open, sym, d) json_array_append(diffs, d);
    json_decref(open);
    json_object_set_new(facts, "position_differences", diffs); /* unresolved at the log's end */
    incident_ctx c = {.stale = json_array(), .connectivity = json_array()};
    int64_t end =
        tb_tail_from(path, state_int(state, "engine_log_offset"), LOG_WINDOW, on_incident_line, &c);
    if (state && end >= 0) json_object_set_new(state, "engine_log_offset", json_integer(end));
    json_object_set_new(facts, "stale_events", c.stale);
    json_object_set_new(facts, "connectivity", c.connectivity);
    json_object_set_new(facts, "log_errors", json_integer(c.errors));
    json_object_set_new(facts, "log_warnings", json_integer(c.warnings));
}

/* Decisions of the window's sessions, per strategy and day; blocked ones of the audited day are
 * kept whole for the missed-opportunity check. */
typedef struct dec_ctx {
    json_t *window, *strategies, *day, *signals;
    const char *date;
} dec_ctx;

static void on_decision(const char *line, size_t len, void *ud)
{
    dec_ctx *c = ud;
    json_t *d = json_loadb(line, len, 0, NULL);
    const char *t = json_string_value(json_object_get(d, "t"));
    const char *strat = json_string_value(json_object_get(d, "strategy"));
    const char *verdict = json_string_value(json_object_get(d, "verdict"));
    char day[11];
    if (!t || !strat || !verdict || strlen(t) < 10) goto out;
    snprintf(day, sizeof day, "%.10s", t);
    if (!json_object_get(c->window, day)) goto out;
    json_t *s = obj_at(c->strategies, strat);
    inc(obj_at(s, "intents_by_session"), day, 1);
    inc(s, "intents", 1);
    if (strcmp(day, c->date) != 0) goto out;
    inc(obj_at(c->day, "by_verdict"), verdict, 1);
    inc(c->day, "total", 1);
    const char *gate = json_string_value(json_object_get(d, "gate"));
    if (gate) inc(obj_at(c->day, "blocked_by_gate"), gate, 1);
    if (strcmp(verdict, "submitted") != 0 && json_array_size(c->signals) < 5000)
        json_array_append(c->signals, d);
out:
    json_decref(d);
}

static void scan_decisions(json_t *facts, const char *date)
{
    char path[4096];
    dec_ctx c = {.window = json_object_get(facts, "window_set"),
                 .strategies = obj_at(facts, "strategy_activity"),
                 .day = json_object(),
                 .signals = json_array(),
                 .date = date};
    tb_tail_lines(tb_home_path(path, sizeof path, "logs/enhanced_decision_log.jsonl"), LOG_WINDOW,
                  on_decision, &c);
    json_object_set_new(facts, "decisions", c.day);
    json_object_set_new(facts, "untaken_signals", c.signals);
}

/* The controller's parameter changes (logs/control_audit_log.jsonl), per strategy. */
static void on_control(const char *line, size_t len, void *ud)
{
    json_t *d = json_loadb(line, len, 0, NULL);
    const char *strat = json_string_value(json_object_get(d, "strategy"));
    if (strat && json_object_get(d, "param")) {
        json_t *s = obj_at(ud, strat);
        inc(s, "control_changes", 1);
        json_object_set(s, "last_control", d);
    }
    json_decref(d);
}

/* Field col of a CSV line (no quoting: the candidates file has none), copied into out. */
static void csv_field(const char *line, int col, char *out, size_t len)
{
    for (int i = 0; i < col && line; i++) {
        line = strchr(line, ',');
        if (line) line++;
    }
    size_t n = line ? strcspn(line, ",\r\n") : 0;
    snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), line ? line : "");
}

/* The symbols of data/top_20_day_trading_candidates.csv, by the header's `symbol` column (the
 * file starts with generated_at and date); a file without that header: the first column. */
static void scan_candidates(json_t *facts)
{
    char path[4096], line[1024], sym[64];
    json_t *syms = json_array();
    int col = 0;
    FILE *f = fopen(tb_home_path(path, sizeof path, "data/top_20_day_trading_candidates.csv"), "r");
    for (int row = 0; f && fgets(line, sizeof line, f); row++) {
        if (row == 0) {
            for (int i = 0; i < 64; i++) {
                csv_field(line, i, sym, sizeof sym);
                if (strcmp(sym, "symbol") == 0) col = i;
                if (!strchr(line, ',') || !sym[0]) break;
            }
            continue;
        }
        csv_field(line, col, sym, sizeof sym);
        if (sym[0]) json_array_append_new(syms, json_string(sym));
    }
    json_object_set_new(facts, "candidates",
                        json_pack("{s:b, s:o}", "file_present", f != NULL, "symbols", syms));
    if (f) fclose(f);
}

/* Log sizes now and at the previous audit; free disk of the home's file system. */
static void scan_sizes(json_t *facts, json_t *state)
{
    char dir[4096], path[4400];
    json_t *logs = json_array(), *prev = state ? obj_at(state, "log_bytes") : NULL;
    DIR *d = opendir(tb_home_path(dir, sizeof dir, "logs"));
    for (struct dirent *de; d && (de = readdir(d));) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (de->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        json_int_t before = prev ? json_integer_value(json_object_get(prev, de->d_name)) : 0;
        int known = prev && json_object_get(prev, de->d_name);
        json_array_append_new(logs, json_pack("{s:s, s:I, s:I, s:b}", "file", de->d_name, "bytes",
                                              (json_int_t)st.st_size, "previous_bytes", before,
                                              "seen_before", known));
        if (prev) json_object_set_new(prev, de->d_name, json_integer(st.st_size));
    }
    if (d) closedir(d);
    json_object_set_new(facts, "logs", logs);
    struct statvfs vfs;
    if (statvfs(tb_home_dir(), &vfs) == 0)
        json_object_set_new(facts, "disk_free_mb",
                            json_real((double)vfs.f_bavail * (double)vfs.f_frsize / 1048576.0));
}

/* The schema of the model in service and the features this engine computes (core/ml/features.h),
 * for the schema-drift rule. */
static void scan_ml_schema(json_t *facts)
{
    static const char *const rels[] = {"ml_db/models/current/feature_schema.json",
                                       "ml_db/models/feature_schema.json", NULL};
    char path[4096];
    json_t *live = json_array();
    for (int k = 0; k < TB_FEATURES_N; k++)
        json_array_append_new(live, json_string(tb_feature_name(k)));
    for (int i = 0; rels[i]; i++) {
        json_t *s = json_load_file(tb_home_path(path, sizeof path, rels[i]), 0, NULL);
        if (!s) continue;
        json_object_set_new(
            facts, "ml_schema",
            json_pack("{s:s, s:o, s:o}", "file", rels[i], "schema", s, "live", live));
        return;
    }
    json_decref(live);
}

void tb_facts_logs(json_t *facts, const tb_config *cfg, json_t *state)
{
    (void)cfg;
    scan_engine_log(facts, state);
    char path[4096];
    tb_tail_lines(tb_home_path(path, sizeof path, "logs/control_audit_log.jsonl"), LOG_WINDOW,
                  on_control, obj_at(facts, "strategy_activity"));
    scan_candidates(facts);
    scan_sizes(facts, state);
    scan_ml_schema(facts);
}

void tb_facts_decisions(json_t *facts, const char *date)
{
    scan_decisions(facts, date);
}
