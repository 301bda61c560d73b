/*
 * apply.c - a directive's change applied inside a checkout (never the engine's own files):
 * param_change sets a strategy's params in config/trading_config.json, config_change sets any
 * key by its dotted path, script_patch applies a unified diff with `git apply` (or replaces
 * the target file's content).
 */
#include "config/config.h"
#include "healer/healer.h"
#include "healer/healer_priv.h"
#include "healer/proc.h"
#include "util/atomic.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int base_is(const char *file, const char *name)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", file);
    char *b = basename(buf);
    size_t n = strlen(b);
    if (n > 4 && strcmp(b + n - 4, ".lua") == 0) b[n - 4] = 0;
    return strcmp(b, name) == 0;
}

static json_t *find_strategy(json_t *cfg, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(cfg, "strategies"), i, s)
    {
        const char *n = json_string_value(json_object_get(s, "name"));
        const char *f = json_string_value(json_object_get(s, "file"));
        if ((n && strcmp(n, name) == 0) || (!n && f && base_is(f, name))) return s;
    }
    return NULL;
}

/* config_change: strategies.<name>.params.<param> or
 * strategies.<name>.symbol_params.<SYMBOL>.<param> (the boundary allows nothing else). */
static int set_strategy_path(json_t *cfg, const char *dotted, json_t *value, tb_err *e)
{
    char buf[256], *save = NULL, *parts[6];
    int n = 0;
    if (!dotted || !value || strlen(dotted) >= sizeof buf)
        return tb_errf(e, "config_change needs change.path and change.value");
    snprintf(buf, sizeof buf, "%s", dotted);
    for (char *t = strtok_r(buf, ".", &save); t && n < 6; t = strtok_r(NULL, ".", &save))
        parts[n++] = t;
    json_t *s = n >= 4 && strcmp(parts[0], "strategies") == 0 ? find_strategy(cfg, parts[1]) : NULL;
    if (!s) return tb_errf(e, "config_change %s: no such strategy in the configuration", dotted);
    json_t *at = json_object_get(s, parts[2]);
    if (!json_is_object(at)) json_object_set_new(s, parts[2], at = json_object());
    if (n == 5) {
        json_t *sym = json_object_get(at, parts[3]);
        if (!json_is_object(sym)) json_object_set_new(at, parts[3], sym = json_object());
        at = sym;
    }
    return json_object_set(at, parts[n - 1], value) == 0
               ? 0
               : tb_errf(e, "config_change %s: cannot set", dotted);
}

void hl_default_strategies(json_t *cfg)
{
    if (json_object_get(cfg, "strategies")) return;
    json_t *def = json_loads(tb_config_default_json, 0, NULL);
    json_t *list = json_object_get(def, "strategies");
    if (json_is_array(list)) json_object_set(cfg, "strategies", list);
    json_decref(def);
}

static int edit_config(json_t *d, const char *dir, tb_err *e)
{
    char path[4096];
    json_error_t je;
    snprintf(path, sizeof path, "%s/config/trading_config.json", dir);
    json_t *cfg = json_load_file(path, 0, &je);
    if (!cfg) return tb_errf(e, "config/trading_config.json:%d: %s", je.line, je.text);
    json_t *ch = json_object_get(d, "change");
    const char *kind = json_string_value(json_object_get(d, "kind"));
    int rc = 0;
    hl_default_strategies(cfg);
    if (strcmp(kind, "param_change") == 0) {
        const char *name = json_string_value(json_object_get(ch, "strategy"));
        json_t *s = name ? find_strategy(cfg, name) : NULL;
        json_t *params = json_object_get(ch, "params");
        if (!s) {
            rc = tb_errf(e, "no strategy %s in config/trading_config.json",
                         name ? name : "(unnamed)");
        } else {
            json_t *p = json_object_get(s, "params");
            if (!json_is_object(p)) json_object_set_new(s, "params", p = json_object());
            if (json_is_object(params))
                json_object_update(p, params);
            else if (json_is_string(json_object_get(ch, "param")))
                json_object_set(p, json_string_value(json_object_get(ch, "param")),
                                json_object_get(ch, "value"));
            else
                rc = tb_errf(e, "param_change needs change.params or change.param and value");
        }
    } else {
        rc = set_strategy_path(cfg, json_string_value(json_object_get(ch, "path")),
                               json_object_get(ch, "value"), e);
    }
    /* Atomic: the engine's inotify watch must never load half a configuration. */
    if (rc == 0) rc = tb_atomic_write_json(path, cfg, JSON_INDENT(2), 0644, e);
    json_decref(cfg);
    return rc;
}

static int write_text(const char *path, const char *text, tb_err *e)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0) {
        if (f) fclose(f);
        return tb_errf(e, "cannot write %s", path);
    }
    return fclose(f) == 0 ? 0 : tb_errf(e, "cannot write %s", path);
}

static int patch_script(json_t *d, const char *dir, int logfd, tb_err *e)
{
    json_t *ch = json_object_get(d, "change");
    const char *patch = json_string_value(json_object_get(ch, "patch"));
    const char *content = json_string_value(json_object_get(ch, "content"));
    const char *target = json_string_value(json_object_get(d, "target"));
    char path[4096];
    if (content) {
        if (!target || strstr(target, "..") || target[0] == '/')
            return tb_errf(e, "script_patch: target must be a path inside the home");
        snprintf(path, sizeof path, "%s/%s", dir, target);
        return write_text(path, content, e);
    }
    if (!patch) return tb_errf(e, "script_patch needs change.patch (a unified diff) or content");
    /* Beside the checkout, not in it: the change is judged by what it leaves in the tree. */
    snprintf(path, sizeof path, "%s.patch", dir);
    if (write_text(path, patch, e) != 0) return -1;
    const char *argv[] = {"git", "apply", "--whitespace=nowarn", path, NULL};
    int rc = hl_run(argv, dir, logfd, NULL);
    unlink(path);
    return rc == 0 ? 0 : tb_errf(e, "the patch does not apply (git apply failed)");
}

int hl_apply_change(json_t *d, const char *dir, int logfd, tb_err *e)
{
    const char *kind = json_string_value(json_object_get(d, "kind"));
    if (!kind) return tb_errf(e, "directive has no kind");
    if (strcmp(kind, "script_patch") == 0) return patch_script(d, dir, logfd, e);
    if (strcmp(kind, "param_change") == 0 || strcmp(kind, "config_change") == 0)
        return edit_config(d, dir, e);
    return tb_errf(e, "unknown kind %s", kind);
}
