/*
 * propose.c - directives from findings: each Lua file of scripts/healer/ returns
 * function(findings, ctx) -> list of {finding, severity, symbol, kind, target, change, rationale,
 * can_auto_apply, since}; ctx.home is the home directory (findings name files relative to it),
 * ctx.strategies the configured strategies by name ({file, enabled, params}). Files
 * are read afresh at every run (hot reload).
 */
#include "healer/boundary.h"
#include "healer/healer.h"
#include "healer/healer_priv.h"
#include "healer/store.h"
#include "home/home.h"
#include "log/tail.h"
#include "lua/convert.h"
#include "lua/sandbox.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct last_audit {
    json_t *lines;
} last_audit;

/* Keeps the findings of the most recent audit: an "audit" line closes each run. */
static void on_activity(const char *line, size_t len, void *ud)
{
    last_audit *a = ud;
    json_t *o = json_loadb(line, len, 0, NULL);
    const char *kind = json_string_value(json_object_get(o, "kind"));
    if (kind && strcmp(kind, "finding") == 0) {
        json_array_append(json_object_get(a->lines, "pending"), o);
    } else if (kind && strcmp(kind, "audit") == 0) {
        json_object_set(a->lines, "last", json_object_get(a->lines, "pending"));
        json_object_set_new(a->lines, "pending", json_array());
    }
    json_decref(o);
}

json_t *hl_last_findings(void)
{
    char path[4096];
    last_audit a = {json_pack("{s:[], s:[]}", "pending", "last")};
    tb_tail_lines(tb_home_path(path, sizeof path, "logs/sentinel_activity.jsonl"), 8 << 20,
                  on_activity, &a);
    json_t *out = json_incref(json_object_get(a.lines, "last"));
    json_decref(a.lines);
    return out;
}

static int valid_kind(const char *k)
{
    return k && (strcmp(k, "param_change") == 0 || strcmp(k, "config_change") == 0 ||
                 strcmp(k, "script_patch") == 0);
}

/* Adds d (stolen) to root as Queued unless it is invalid or already answered (answered.c;
 * by_finding for proposals made from the Sentinel's findings). Returns 1 if added. */
static int add_directive(json_t *root, json_t *d, const char *proposer, int by_finding)
{
    static int seq;
    char id[64], ts[40];
    const char *kind = json_string_value(json_object_get(d, "kind"));
    if (!json_is_object(d) || !valid_kind(kind) || !json_is_string(json_object_get(d, "target")) ||
        !json_object_get(d, "change") || hl_already_answered(root, d, by_finding)) {
        json_decref(d);
        return 0;
    }
    hl_now(ts);
    do /* the sequence is per process: two runs within one second must not share an id */
        snprintf(id, sizeof id, "H%.4s%.2s%.2s-%.2s%.2s%.2s-%d", ts, ts + 5, ts + 8, ts + 11,
                 ts + 14, ts + 17, ++seq);
    while (hl_store_find(root, id));
    json_object_set_new(d, "id", json_string(id));
    if (!json_is_boolean(json_object_get(d, "can_auto_apply")))
        json_object_set_new(d, "can_auto_apply", json_false());
    if (!json_object_get(d, "symbol")) json_object_set_new(d, "symbol", json_null());
    json_object_set_new(d, "proposer", json_string(proposer));
    json_object_set_new(d, "created_at", json_string(ts));
    json_array_append_new(json_object_get(root, "directives"), d);
    char why[512];
    if (hl_boundary_directive(d, why, sizeof why) != 0) { /* kept, with why, for the operator */
        json_object_set_new(d, "error", json_string(why));
        hl_boundary_refused(d, why);
        hl_set_status(d, "Refused", why, NULL);
        return 0;
    }
    hl_set_status(d, "Queued", "proposed", NULL);
    return 1;
}

/* The message of the finding a proposal answers: same rule, and the same strategy or symbol
 * when the proposal names one. */
static json_t *finding_message(json_t *findings, json_t *d)
{
    const char *rule = json_string_value(json_object_get(d, "finding"));
    json_t *strategy = json_object_get(json_object_get(d, "change"), "strategy");
    json_t *symbol = json_object_get(d, "symbol");
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        const char *r = json_string_value(json_object_get(f, "rule"));
        if (!rule || !r || strcmp(rule, r) != 0) continue;
        if (strategy &&
            !json_equal(strategy, json_object_get(json_object_get(f, "evidence"), "strategy")))
            continue;
        if (json_is_string(symbol) && !json_equal(symbol, json_object_get(f, "symbol"))) continue;
        return json_object_get(f, "message");
    }
    return NULL;
}

/* ctx.strategies: name -> {file, enabled, params (the configuration's overrides)}. */
static void push_strategies(lua_State *L, const tb_config *cfg)
{
    json_t *m = json_object();
    for (int i = 0; cfg && i < cfg->nstrategies; i++) {
        const tb_strategy_cfg *s = &cfg->strategies[i];
        if (s->name)
            json_object_set_new(m, s->name,
                                json_pack("{s:s?, s:b, s:O?}", "file", s->file, "enabled",
                                          s->enabled, "params", s->params));
    }
    tb_lua_push_json(L, m);
    json_decref(m);
}

static int run_rule(lua_State *L, const tb_config *cfg, const char *dir, const char *name,
                    json_t *findings, json_t *root)
{
    char path[4096], rel[300];
    tb_err e;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(rel, sizeof rel, "scripts/healer/%s", name);
    int top = lua_gettop(L), added = 0;
    snprintf(e.msg, sizeof e.msg, "%s: must return function(findings)", rel);
    int ok = tb_lua_loadfile(L, path, rel, &e) == 0 && tb_lua_call(L, 0, 1, rel, &e) == 0 &&
             lua_isfunction(L, -1);
    if (ok) {
        tb_lua_push_json(L, findings);
        lua_createtable(L, 0, 2); /* ctx: what a proposer may need besides the findings */
        lua_pushstring(L, tb_home_dir());
        lua_setfield(L, -2, "home");
        push_strategies(L, cfg);
        lua_setfield(L, -2, "strategies");
    }
    if (!ok || tb_lua_call(L, 2, 1, rel, &e) != 0) {
        json_t *ev =
            json_pack("{s:s, s:s, s:s}", "status", "proposer_error", "file", rel, "message", e.msg);
        hl_history(ev);
        json_decref(ev);
        lua_settop(L, top);
        return 0;
    }
    json_t *list = tb_lua_to_json(L, -1);
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d)
    {
        json_object_set_new(d, "rule_file", json_string(rel));
        if (!json_object_get(d, "finding_message"))
            json_object_set(d, "finding_message", finding_message(findings, d));
        added += add_directive(root, json_incref(d), "lua", 1);
    }
    json_decref(list);
    lua_settop(L, top);
    return added;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hl_propose(const tb_config *cfg, json_t **unanswered, tb_err *e)
{
    json_t *root = hl_store_load(e);
    if (!root) return -1;
    json_t *findings = hl_last_findings();
    char dir[4096], *names[128];
    int n = 0, added = 0;
    DIR *d = opendir(tb_home_path(dir, sizeof dir, "scripts/healer"));
    for (struct dirent *de; d && (de = readdir(d)) && n < 128;) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] != '.' && len > 4 && strcmp(de->d_name + len - 4, ".lua") == 0)
            names[n++] = strdup(de->d_name);
    }
    if (d) closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, NULL, e);
    for (int i = 0; i < n; i++) {
        if (L) added += run_rule(L, cfg, dir, names[i], findings, root);
        free(names[i]);
    }
    if (L) tb_lua_close(L);
    tb_err le;
    int llm = hl_propose_llm(cfg, root, findings, &le);
    if (llm > 0) added += llm;
    if (unanswered) *unanswered = hl_unanswered(findings, root);
    json_decref(findings);
    /* The proposals were made on a snapshot (the LLM may take a while); the new ones are added
     * to the file as it is now. */
    int fd = hl_store_lock(), rc = -1;
    json_t *fresh = hl_store_load(e);
    if (fresh) {
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(root, "directives"), i, p)
        {
            const char *id = json_string_value(json_object_get(p, "id"));
            if (id && !hl_store_find(fresh, id))
                json_array_append(json_object_get(fresh, "directives"), p);
        }
        rc = hl_store_save(fresh, e);
        json_decref(fresh);
    }
    hl_store_unlock(fd);
    json_decref(root);
    return rc == 0 ? added : -1;
}

int hl_add_proposal(json_t *root, json_t *d, const char *proposer)
{
    return add_directive(root, d, proposer, 1);
}

int hl_propose_one(json_t *d, const char *proposer, char *id, size_t idlen, tb_err *e)
{
    json_t *keep = json_incref(d);
    int fd = hl_store_lock(), rc = -1;
    json_t *root = hl_store_load(e);
    const char *why;
    if (!root) {
        /* e says why */
    } else if (add_directive(root, d, proposer, 0) == 1) {
        rc = hl_store_save(root, e);
        if (rc == 0) snprintf(id, idlen, "%s", json_string_value(json_object_get(keep, "id")));
    } else if ((why = json_string_value(json_object_get(keep, "error")))) {
        hl_store_save(root, NULL); /* the refusal is kept for the operator */
        rc = tb_errf(e, "refused by the Healer's boundary: %s", why);
    } else {
        rc = tb_errf(e,
                     "not proposed: the same change is already open in %s (or the directive is "
                     "not valid)",
                     HL_DIRECTIVES);
    }
    hl_store_unlock(fd);
    json_decref(root);
    json_decref(keep);
    return rc;
}
