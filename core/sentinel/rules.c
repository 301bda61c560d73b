/*
 * rules.c - the Sentinel's rules: Lua files in scripts/sentinel/, one per concern, each
 * returning a function from the facts to a list of findings. Each file is read afresh at every
 * audit, so an edited rule is used by the next run (hot reload); the engine's watch compiles
 * it on change to report a syntax error early.
 */
#include "lua/convert.h"
#include "lua/sandbox.h"
#include "sentinel/sentinel.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const severities[] = {"INFO", "WARNING", "ERROR", "CRITICAL", NULL};

static int valid_severity(const char *s)
{
    for (int i = 0; s && severities[i]; i++)
        if (strcmp(s, severities[i]) == 0) return 1;
    return 0;
}

static json_t *rule_error(const char *rel, const char *msg)
{
    return json_pack("{s:s, s:s, s:n, s:s, s:{s:s}}", "rule", "sentinel", "severity", "ERROR",
                     "symbol", "message", msg, "evidence", "file", rel);
}

/* Checks one finding and fills the fields a rule may leave out. */
static json_t *normalize(json_t *f, const char *rule, const char *rel)
{
    if (!json_is_object(f)) return rule_error(rel, "a finding is not a table");
    if (!json_is_string(json_object_get(f, "rule")))
        json_object_set_new(f, "rule", json_string(rule));
    const char *sev = json_string_value(json_object_get(f, "severity"));
    if (!valid_severity(sev)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s: severity must be INFO, WARNING, ERROR or CRITICAL", rel);
        return rule_error(rel, msg);
    }
    if (!json_is_string(json_object_get(f, "message")))
        return rule_error(rel, "a finding has no message");
    if (!json_object_get(f, "symbol")) json_object_set_new(f, "symbol", json_null());
    if (!json_object_get(f, "evidence")) json_object_set_new(f, "evidence", json_object());
    json_object_set_new(f, "rule_file", json_string(rel));
    return json_incref(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_one(lua_State *L, const char *dir, const char *name, json_t *facts, json_t *out)
{
    char path[4096], rel[300], rule[128];
    tb_err e;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(rel, sizeof rel, "%s/%s", TB_SENTINEL_RULES_DIR, name);
    snprintf(rule, sizeof rule, "%.*s", (int)(strlen(name) - 4), name);
    int top = lua_gettop(L);
    if (tb_lua_loadfile(L, path, rel, &e) != 0 || tb_lua_call(L, 0, 1, rel, &e) != 0) {
        json_array_append_new(out, rule_error(rel, e.msg));
        goto done;
    }
    if (!lua_isfunction(L, -1)) {
        json_array_append_new(out, rule_error(rel, "the file must return function(facts)"));
        goto done;
    }
    tb_lua_push_json(L, facts);
    if (tb_lua_call(L, 1, 1, rel, &e) != 0) {
        json_array_append_new(out, rule_error(rel, e.msg));
        goto done;
    }
    json_t *list = tb_lua_to_json(L, -1);
    size_t i;
    json_t *f;
    if (list && !json_is_array(list) && json_is_object(list) && json_object_size(list)) {
        json_t *one = json_array(); /* a single finding returned bare */
        json_array_append(one, list);
        json_decref(list);
        list = one;
    }
    json_array_foreach(list, i, f) json_array_append_new(out, normalize(f, rule, rel));
    json_decref(list);
done:
    lua_settop(L, top);
}

json_t *tb_sentinel_rules_run(lua_State *L, const char *dir, json_t *facts)
{
    json_t *out = json_array();
    char *names[256];
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d)) && n < 256;) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] != '.' && len > 4 && strcmp(de->d_name + len - 4, ".lua") == 0)
            names[n++] = strdup(de->d_name);
    }
    if (d) closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        run_one(L, dir, names[i], facts, out);
        free(names[i]);
    }
    return out;
}
