/*
 * sentinel.c - one audit: facts, rules, and what the audit leaves behind (the activity trail,
 * the feedback file for the running engine, the state for the next audit).
 */
#include "sentinel/sentinel.h"
#include "util/atomic.h"
#include "home/home.h"
#include "log/jsonl.h"
#include "lua/sandbox.h"
#include "sentinel/facts.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>

static int write_atomic(const char *rel, json_t *j, tb_err *e)
{
    char path[4096];
    tb_home_path(path, sizeof path, rel);
    return tb_atomic_write_json(path, j, JSON_INDENT(2) | JSON_SORT_KEYS, TB_STATE_FILE_MODE, e);
}

/* What makes two audits' directives the same: type, target and the finding's rule. */
static void directive_key(json_t *d, json_t *f, char *out, size_t len)
{
    const char *strategy = json_string_value(json_object_get(d, "strategy"));
    const char *symbol = json_string_value(json_object_get(d, "symbol"));
    if (!symbol) symbol = json_string_value(json_object_get(f, "symbol"));
    snprintf(out, len, "%s|%s|%s|%s", json_string_value(json_object_get(d, "type")),
             strategy ? strategy : "", symbol ? symbol : "",
             json_string_value(json_object_get(f, "rule")));
}

/*
 * Directives are what findings ask of the bot: {type, strategy|symbol, ...}. A directive keeps
 * the id it got at the first audit that made it for as long as its finding persists from audit
 * to audit (state.issued), and the engine applies an id once: a Strategic Reset or a size
 * reduction applies once per finding, not once per audit (which had compounded reduce_size and
 * undone the controller every night). Once the finding clears, a later one is new.
 */
static json_t *collect_directives(json_t *findings, const char *date, const char *now,
                                  json_t *state)
{
    json_t *out = json_array(), *prev = json_object_get(state, "issued"), *next = json_object();
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        json_t *d = json_object_get(f, "directive");
        if (!json_is_object(d) || !json_is_string(json_object_get(d, "type"))) continue;
        json_t *copy = json_deep_copy(d);
        char id[64], key[512];
        directive_key(d, f, key, sizeof key);
        const char *known = json_string_value(json_object_get(prev, key));
        if (known) {
            snprintf(id, sizeof id, "%s", known);
            json_object_set_new(copy, "repeat", json_true()); /* already issued: not again */
        } else {
            snprintf(id, sizeof id, "S-%s-%zu-%.19s", date, json_array_size(out) + 1, now);
        }
        json_object_set_new(next, key, json_string(id));
        json_object_set_new(copy, "id", json_string(id));
        json_object_set(copy, "finding", json_object_get(f, "rule"));
        json_object_set(copy, "severity", json_object_get(f, "severity"));
        if (!json_object_get(copy, "symbol"))
            json_object_set(copy, "symbol", json_object_get(f, "symbol"));
        if (!json_object_get(copy, "reason"))
            json_object_set(copy, "reason", json_object_get(f, "message"));
        json_array_append_new(out, copy);
    }
    json_object_set_new(state, "issued", next);
    return out;
}

static void log_activity(json_t *findings, json_t *directives, const char *date, const char *now)
{
    char path[4096];
    tb_err e;
    tb_jsonl *j = tb_jsonl_open(tb_home_path(path, sizeof path, TB_SENTINEL_ACTIVITY), 0, &e);
    if (!j) return;
    size_t i;
    json_t *f, *counts = json_object();
    json_array_foreach(findings, i, f)
    {
        json_t *line = json_deep_copy(f);
        json_object_del(line, "directive");
        json_object_set_new(line, "t", json_string(now));
        json_object_set_new(line, "kind", json_string("finding"));
        json_object_set_new(line, "date", json_string(date));
        tb_jsonl_write(j, line, &e);
        json_decref(line);
        const char *sev = json_string_value(json_object_get(f, "severity"));
        json_t *c = json_object_get(counts, sev);
        json_object_set_new(counts, sev, json_integer((c ? json_integer_value(c) : 0) + 1));
    }
    json_array_foreach(directives, i, f)
    {
        json_t *line = json_pack(
            "{s:s, s:s, s:s, s:O, s:s, s:O, s:O}", "t", now, "kind", "action", "action",
            json_is_true(json_object_get(f, "repeat")) ? "directive_in_force" : "directive_issued",
            "directive", f, "date", date, "severity", json_object_get(f, "severity"), "message",
            json_object_get(f, "type"));
        tb_jsonl_write(j, line, &e);
        json_decref(line);
    }
    json_t *sum = json_pack("{s:s, s:s, s:s, s:I, s:o, s:s}", "t", now, "kind", "audit", "date",
                            date, "findings", (json_int_t)json_array_size(findings), "by_severity",
                            counts, "message", "Sentinel audit complete");
    tb_jsonl_write(j, sum, &e);
    json_decref(sum);
    tb_jsonl_close(j);
}

json_t *tb_sentinel_run(const tb_config *cfg, const char *date, tb_err *e)
{
    char path[4096], now[40];
    tb_clock_fmt_utc(tb_clock_now_ns(), now, sizeof now);
    json_t *state = json_load_file(tb_home_path(path, sizeof path, TB_SENTINEL_STATE), 0, NULL);
    if (!json_is_object(state)) {
        json_decref(state);
        state = json_object();
    }
    json_t *facts = tb_facts_gather(cfg, date, state, e);
    if (!facts) {
        json_decref(state);
        return NULL;
    }
    /* A rule that loops forever is stopped by the budget and becomes an ERROR finding. */
    tb_lua_limits lim = {.mem_limit = 512u << 20, .instr_budget = 500000000};
    lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, &lim, e);
    if (!L) {
        json_decref(facts), json_decref(state);
        return NULL;
    }
    json_t *findings =
        tb_sentinel_rules_run(L, tb_home_path(path, sizeof path, TB_SENTINEL_RULES_DIR), facts);
    tb_lua_close(L);
    const char *day = json_string_value(json_object_get(facts, "date"));
    json_t *directives = collect_directives(findings, day, now, state);
    log_activity(findings, directives, day, now);
    json_t *feedback =
        json_pack("{s:s, s:s, s:O}", "generated_at", now, "date", day, "directives", directives);
    int rc = write_atomic(TB_SENTINEL_FEEDBACK, feedback, e);
    json_decref(feedback);
    if (rc == 0) rc = write_atomic(TB_SENTINEL_STATE, state, e);
    json_decref(state);
    json_t *out = json_pack("{s:s, s:o, s:o, s:o}", "date", day, "facts", facts, "findings",
                            findings, "directives", directives);
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}
