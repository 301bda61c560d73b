#include "config/config.h"
#include "config/config_schema.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char tb_config_default_json[] =
#include "default_config.inc"
    ;

static void add_err(tb_config_errors *errs, const char *file, const char *path, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static void add_err(tb_config_errors *errs, const char *file, const char *path, const char *fmt,
                    ...)
{
    if (errs->n >= TB_CONFIG_MAX_ERRS) return;
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(errs->msg[errs->n++], sizeof errs->msg[0], "%s: %s: %s", file, path, what);
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int enum_has(const char *enums, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = enums; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0) return 1;
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

void cf_free_strlist(char **l, int n)
{
    for (int i = 0; i < n; i++) free(l[i]);
    free(l);
}

static void apply_obj(const cf_field *schema, json_t *obj, char *base, const char *file,
                      const char *prefix, tb_config_errors *errs);

static void apply_list(const cf_field *f, json_t *v, char *base, const char *file, const char *path,
                       tb_config_errors *errs)
{
    size_t n = json_array_size(v);
    if (n > (size_t)f->max) {
        add_err(errs, file, path, "at most %.0f entries, got %zu", f->max, n);
        return;
    }
    char *elems = calloc(n ? n : 1, f->elem_size);
    for (size_t i = 0; i < n; i++) {
        char sub[200];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        json_t *el = json_array_get(v, i);
        if (!json_is_object(el)) {
            add_err(errs, file, sub, "expected an object, got %s", json_kind(el));
            continue;
        }
        char *eb = elems + i * f->elem_size;
        f->ops->init(eb);
        for (const cf_field *c = f->children; c->key; c++)
            if (c->required && !json_object_get(el, c->key))
                add_err(errs, file, sub, "missing required key \"%s\"", c->key);
        apply_obj(f->children, el, eb, file, sub, errs);
    }
    /* Replace the previous list (defaults) as a whole: lists do not merge. */
    char **slot = (char **)(base + f->off);
    int *count = (int *)(base + f->count_off);
    for (int i = 0; i < *count; i++) f->ops->free(*slot + (size_t)i * f->elem_size);
    free(*slot);
    *slot = elems;
    *count = (int)n;
}

static void apply_field(const cf_field *f, json_t *v, char *base, const char *file,
                        const char *path, tb_config_errors *errs)
{
    void *slot = base + f->off;
    switch (f->type) {
    case CF_OBJ:
        if (!json_is_object(v))
            add_err(errs, file, path, "expected an object, got %s", json_kind(v));
        else
            apply_obj(f->children, v, base, file, path, errs);
        return;
    case CF_BOOL:
        if (!json_is_boolean(v))
            add_err(errs, file, path, "expected true or false, got %s", json_kind(v));
        else
            *(int *)slot = json_is_true(v);
        return;
    case CF_INT:
        if (!json_is_integer(v)) {
            add_err(errs, file, path, "expected an integer from %.0f to %.0f, got %s", f->min,
                    f->max, json_kind(v));
        } else if ((double)json_integer_value(v) < f->min ||
                   (double)json_integer_value(v) > f->max) {
            add_err(errs, file, path, "expected an integer from %.0f to %.0f, got %lld", f->min,
                    f->max, (long long)json_integer_value(v));
        } else {
            *(int64_t *)slot = json_integer_value(v);
        }
        return;
    case CF_NUM: {
        double d = json_number_value(v);
        if (!json_is_number(v) || !isfinite(d) || d < f->min || d > f->max)
            add_err(errs, file, path, "expected a number from %g to %g, got %s", f->min, f->max,
                    json_is_number(v) ? "an out-of-range value" : json_kind(v));
        else
            *(double *)slot = d;
        return;
    }
    case CF_STR:
    case CF_ENUM: {
        const char *s = json_string_value(v);
        if (!s) {
            add_err(errs, file, path, "expected a string, got %s", json_kind(v));
        } else if (f->type == CF_ENUM && !enum_has(f->enums, s)) {
            add_err(errs, file, path, "expected one of %s, got \"%s\"", f->enums, s);
        } else if (f->type == CF_STR &&
                   (strlen(s) < (size_t)f->min || strlen(s) > (size_t)f->max)) {
            add_err(errs, file, path, "expected a string of %.0f to %.0f characters", f->min,
                    f->max);
        } else {
            free(*(char **)slot);
            *(char **)slot = strdup(s);
        }
        return;
    }
    case CF_STRLIST: {
        if (!json_is_array(v)) {
            add_err(errs, file, path, "expected an array of strings, got %s", json_kind(v));
            return;
        }
        size_t n = json_array_size(v);
        char **list = calloc(n + 1, sizeof *list);
        int ok = 1;
        for (size_t i = 0; i < n; i++) {
            const char *s = json_string_value(json_array_get(v, i));
            if (!s || !*s || strlen(s) > (size_t)f->max) {
                add_err(errs, file, path,
                        "entry %zu: expected a non-empty string of at most %.0f characters", i,
                        f->max);
                ok = 0;
                break;
            }
            list[i] = strdup(s);
        }
        if (!ok) {
            cf_free_strlist(list, (int)n);
            return;
        }
        int *count = (int *)(base + f->count_off);
        cf_free_strlist(*(char ***)slot, *count);
        *(char ***)slot = list;
        *count = (int)n;
        return;
    }
    case CF_JSONOBJ:
        if (!json_is_object(v)) {
            add_err(errs, file, path, "expected an object, got %s", json_kind(v));
        } else {
            json_decref(*(json_t **)slot);
            *(json_t **)slot = json_incref(v);
        }
        return;
    case CF_LIST:
        if (!json_is_array(v))
            add_err(errs, file, path, "expected an array, got %s", json_kind(v));
        else
            apply_list(f, v, base, file, path, errs);
        return;
    }
}

static void apply_obj(const cf_field *schema, json_t *obj, char *base, const char *file,
                      const char *prefix, tb_config_errors *errs)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        char path[200];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
        if (key[0] == '_') continue; /* "_comment" keys document the file */
        const cf_field *f = schema;
        while (f->key && strcmp(f->key, key) != 0) f++;
        if (!f->key) {
            add_err(errs, file, path, "unknown key");
            continue;
        }
        apply_field(f, v, base, file, path, errs);
    }
}

static void fill_names(tb_config *c)
{
    for (int i = 0; i < c->nstrategies; i++) {
        tb_strategy_cfg *s = &c->strategies[i];
        if (s->name || !s->file) continue;
        const char *b = strrchr(s->file, '/');
        b = b ? b + 1 : s->file;
        s->name = strndup(b, strcspn(b, "."));
    }
}

static int parse_into(const char *text, const char *name, tb_config *c, tb_config_errors *errs)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char where[64];
        snprintf(where, sizeof where, "line %d, column %d", je.line, je.column);
        add_err(errs, name, where, "invalid JSON: %s", je.text);
        return -1;
    }
    if (!json_is_object(root))
        add_err(errs, name, "(top level)", "expected an object");
    else
        apply_obj(cf_root_fields, root, (char *)c, name, "", errs);
    json_decref(root);
    return errs->n ? -1 : 0;
}

int tb_config_load_text(const char *text, const char *name, tb_config *out, tb_config_errors *errs)
{
    memset(out, 0, sizeof *out);
    errs->n = 0;
    if (parse_into(tb_config_default_json, "(embedded default)", out, errs) != 0 ||
        parse_into(text, name, out, errs) != 0) {
        tb_config_free(out);
        return -1;
    }
    fill_names(out);
    return 0;
}

static char *read_file(const char *path, tb_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tb_errf(e, "%s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                tb_errf(e, "out of memory");
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

int tb_config_load(const char *path, int missing_ok, tb_config *out, tb_config_errors *errs)
{
    errs->n = 0;
    if (missing_ok && access(path, F_OK) != 0) return tb_config_load_text("{}", path, out, errs);
    tb_err e;
    char *text = read_file(path, &e);
    if (!text) {
        memset(out, 0, sizeof *out);
        add_err(errs, path, "(file)", "cannot read: %s", e.msg);
        return -1;
    }
    int rc = tb_config_load_text(text, path, out, errs);
    free(text);
    return rc;
}

void tb_config_free(tb_config *c)
{
    free(c->broker), free(c->feed), free(c->logging.level), free(c->repl.socket);
    free(c->replay.start), free(c->replay.data_dir);
    free(c->risk.day_trades.policy), free(c->risk.margin.preset), free(c->risk.survival.stale);
    free(c->risk.survival.source), free(c->risk.survival.csv);
    free(c->orchestrator.script), free(c->orchestrator.archive_remote);
    free(c->dashboard.bind), free(c->dashboard.token_file), free(c->dashboard.web_dir);
    free(c->alpaca.trading_url), free(c->alpaca.stream_url), free(c->alpaca.keys_file);
    free(c->alpaca_data.data_url), free(c->alpaca_data.stream_url), free(c->alpaca_data.feed);
    free(c->polygon.base_url), free(c->polygon.plan), free(c->polygon.key_file);
    free(c->candidates.source);
    free(c->ibkr.host), free(c->ibkr.account), free(c->ibkr.restart_time);
    free(c->ibkr.restart_zone);
    cf_free_strlist(c->symbols, c->nsymbols);
    cf_free_strlist(c->healer.metrics, c->healer.nmetrics);
    free(c->healer.worktree_dir), free(c->healer.llm_url), free(c->healer.llm_model);
    free(c->healer.llm_key_env);
    for (int i = 0; i < c->nstrategies; i++) cf_strategy_free(&c->strategies[i]);
    free(c->strategies);
    memset(c, 0, sizeof *c);
}

int tb_config_write_default(const char *path, tb_err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        if (errno == EEXIST) return 0;
        return tb_errf(e, "%s: %s", path, strerror(errno));
    }
    size_t len = strlen(tb_config_default_json);
    ssize_t w = write(fd, tb_config_default_json, len);
    close(fd);
    if (w != (ssize_t)len) return tb_errf(e, "%s: short write", path);
    return 1;
}
