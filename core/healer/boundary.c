/*
 * boundary.c - the Healer's boundary on content (boundary.h): a changed strategy file keeps its
 * tunable declaration and has its tunable defaults in bounds; the configuration differs from
 * the base only in strategies' params / symbol_params, each changed param tunable and in
 * bounds. Also the readers of a version of the home and the record of a refusal.
 */
#include "healer/boundary.h"
#include "healer/healer_priv.h"
#include "healer/proc.h"
#include "healer/store.h"
#include "home/home.h"
#include "log/jsonl.h"
#include "log/log.h"
#include "strategy/decl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *hl_read_dir(void *dir, const char *path, size_t *len)
{
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", (const char *)dir, path);
    FILE *f = fopen(full, "rb");
    if (!f) return NULL;
    size_t cap = 8192, n = 0, got;
    char *s = malloc(cap);
    while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            char *t = n < (8u << 20) ? realloc(s, cap *= 2) : NULL;
            if (!t) break;
            s = t;
        }
    }
    fclose(f);
    if (s) s[n] = 0;
    if (len) *len = n;
    return s;
}

char *hl_read_rev(void *ud, const char *path, size_t *len)
{
    const hl_rev *r = ud;
    char spec[1024];
    snprintf(spec, sizeof spec, "%s:%s", r->rev, path);
    const char *argv[] = {"git", "show", spec, NULL};
    char *out = NULL;
    if (hl_run(argv, r->dir, -1, &out) != 0) {
        free(out);
        return NULL;
    }
    if (len) *len = out ? strlen(out) : 0;
    return out;
}

static json_t *read_decl(const hl_tree *t, const char *path, char *why, size_t len)
{
    size_t n = 0;
    char *code = t->read(t->ud, path, &n);
    if (!code) return NULL;
    tb_err e;
    json_t *d = tb_strategy_decl(code, n, path, &e);
    free(code);
    if (!d) snprintf(why, len, "%s does not load: %s", path, e.msg);
    return d;
}

/* A changed strategy file: same tunable declaration as the base, defaults within it. */
static int check_strategy(const hl_tree *base, const hl_tree *cand, const char *path, char *why,
                          size_t len)
{
    json_t *c = read_decl(cand, path, why, len);
    if (!c) return why[0] ? -2 : (snprintf(why, len, "%s is missing", path), -1);
    char bwhy[256] = "";
    json_t *b = read_decl(base, path, bwhy, sizeof bwhy);
    int rc = 0;
    json_t *tun = json_object_get(c, "tunable");
    if (b && !json_equal(json_object_get(b, "tunable"), tun)) {
        snprintf(why, len,
                 "%s: the change alters its tunable declaration (the bounds it is "
                 "checked against)",
                 path);
        rc = -1;
    }
    const char *k;
    json_t *t;
    json_object_foreach(tun, k, t)
    {
        json_t *v = json_object_get(json_object_get(c, "params"), k);
        if (rc == 0 && v && !tb_tunable_within(t, v)) {
            snprintf(why, len, "%s: params.%s = %g is outside its bounds [%g, %g]", path, k,
                     json_number_value(v), json_number_value(json_object_get(t, "min")),
                     json_number_value(json_object_get(t, "max")));
            rc = -1;
        }
    }
    json_decref(b), json_decref(c);
    return rc;
}

static json_t *read_json(const hl_tree *t, const char *path, char *why, size_t len)
{
    char *text = t->read(t->ud, path, NULL);
    json_error_t je;
    /* as the engine's loader reads it: a duplicate key is an error, not first or last wins */
    json_t *j = text ? json_loads(text, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (text && !j) snprintf(why, len, "%s:%d: %s", path, je.line, je.text);
    free(text);
    return j;
}

/* The configuration without the strategies' params and symbol_params. */
static json_t *stripped(json_t *cfg)
{
    json_t *s = json_deep_copy(cfg);
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(s, "strategies"), i, st)
    {
        json_object_del(st, "params");
        json_object_del(st, "symbol_params");
    }
    return s;
}

/* The first top-level key (or strategies[i].key) where a and b differ, for the message. */
static void first_difference(json_t *a, json_t *b, char *out, size_t len)
{
    const char *k;
    json_t *v;
    snprintf(out, len, "the configuration");
    json_t *both[2] = {a, b};
    for (int side = 0; side < 2; side++) json_object_foreach(both[side], k, v)
        {
            json_t *o = json_object_get(both[1 - side], k);
            if (json_equal(v, o)) continue;
            if (strcmp(k, "strategies") == 0 && json_is_array(v) && json_is_array(o) &&
                json_array_size(v) == json_array_size(o)) {
                for (size_t i = 0; i < json_array_size(v); i++) {
                    json_t *x = json_array_get(v, i), *y = json_array_get(o, i);
                    const char *sk;
                    json_t *sv;
                    json_object_foreach(x, sk, sv) if (!json_equal(sv, json_object_get(y, sk)))
                    {
                        snprintf(out, len, "strategies[%zu].%s", i, sk);
                        return;
                    }
                }
            }
            snprintf(out, len, "%s", k);
            return;
        }
}

/* Changed keys of two param objects (either may be NULL): each tunable, in bounds, whole when
 * its default (in defaults, the strategy's params) is. */
static int check_params(json_t *b, json_t *c, json_t *tunable, json_t *defaults, const char *where,
                        char *why, size_t len)
{
    if ((b && !json_is_object(b)) || (c && !json_is_object(c)))
        return snprintf(why, len, "%s must be an object", where), -1;
    json_t *both[2] = {b, c};
    for (int side = 0; side < 2; side++) {
        const char *k;
        json_t *v;
        json_object_foreach(both[side], k, v)
        {
            json_t *nv = json_object_get(c, k);
            if (json_equal(json_object_get(b, k), nv)) continue;
            json_t *t = json_object_get(tunable, k);
            if (!t)
                return snprintf(why, len, "%s.%s is not declared tunable by its strategy", where,
                                k),
                       -1;
            if (nv && !tb_tunable_within(t, nv)) {
                char val[64] = "(not a number)";
                if (json_is_number(nv)) snprintf(val, sizeof val, "%g", json_number_value(nv));
                snprintf(why, len, "%s.%s = %s is outside its bounds [%g, %g]", where, k, val,
                         json_number_value(json_object_get(t, "min")),
                         json_number_value(json_object_get(t, "max")));
                return -1;
            }
            json_t *def = json_object_get(defaults, k);
            if (nv && !tb_param_whole_ok(def, nv))
                return snprintf(why, len,
                                "%s.%s = %g must be a whole number, as its default %lld is", where,
                                k, json_number_value(nv), (long long)json_integer_value(def)),
                       -1;
        }
    }
    return 0;
}

/* The bounds come from the base version of the strategy file (main's), never from the change:
 * a change that creates the file, or repairs one that does not load, brings no bounds. */
static int check_strategy_entry(const hl_tree *base, json_t *bs, json_t *cs, size_t i, char *why,
                                size_t len)
{
    json_t *bp = json_object_get(bs, "params"), *cp = json_object_get(cs, "params");
    json_t *bsp = json_object_get(bs, "symbol_params"), *csp = json_object_get(cs, "symbol_params");
    if (json_equal(bp, cp) && json_equal(bsp, csp)) return 0;
    const char *file = json_string_value(json_object_get(cs, "file"));
    json_t *decl = file ? read_decl(base, file, why, len) : NULL;
    if (!decl) {
        char what[256];
        snprintf(what, sizeof what, "%s", why[0] ? why : "it is missing");
        snprintf(why, len,
                 "strategies[%zu]: no bounds for its params in the base version of %s (%s): "
                 "the bounds come from main, never from the change",
                 i, file ? file : "(no file)", what);
        return -1;
    }
    json_t *tun = json_object_get(decl, "tunable");
    char where[160];
    snprintf(where, sizeof where, "strategies[%zu].params", i);
    json_t *defs = json_object_get(decl, "params");
    int rc = check_params(bp, cp, tun, defs, where, why, len);
    if (rc == 0 && ((bsp && !json_is_object(bsp)) || (csp && !json_is_object(csp)))) {
        snprintf(why, len, "strategies[%zu].symbol_params must be an object", i);
        rc = -1;
    }
    json_t *both[2] = {bsp, csp};
    for (int side = 0; side < 2 && rc == 0; side++) {
        const char *sym;
        json_t *v;
        json_object_foreach(both[side], sym, v)
        {
            snprintf(where, sizeof where, "strategies[%zu].symbol_params.%s", i, sym);
            if ((rc = check_params(json_object_get(bsp, sym), json_object_get(csp, sym), tun, defs,
                                   where, why, len)) != 0)
                break;
        }
    }
    json_decref(decl);
    return rc;
}

static int check_config(const hl_tree *base, const hl_tree *cand, char *why, size_t len)
{
    const char *path = "config/trading_config.json";
    json_t *b = read_json(base, path, why, len), *c = read_json(cand, path, why, len);
    int rc = -1;
    if (!c) {
        if (!why[0]) snprintf(why, len, "%s is missing", path);
    } else if (!b) {
        if (!why[0]) snprintf(why, len, "the change creates %s", path);
    } else {
        hl_default_strategies(b);
        hl_default_strategies(c);
        json_t *sb = stripped(b), *sc = stripped(c);
        if (!json_equal(sb, sc)) {
            char where[160];
            first_difference(sb, sc, where, sizeof where);
            snprintf(why, len,
                     "the change alters %s in %s: a Healer change may set only the "
                     "params/symbol_params of strategies",
                     where, path);
        } else {
            rc = 0;
            json_t *bl = json_object_get(b, "strategies"), *cl = json_object_get(c, "strategies");
            for (size_t i = 0; rc == 0 && i < json_array_size(cl); i++)
                rc = check_strategy_entry(base, json_array_get(bl, i), json_array_get(cl, i), i,
                                          why, len);
        }
        json_decref(sb), json_decref(sc);
    }
    json_decref(b), json_decref(c);
    return rc;
}

int hl_boundary_content(const hl_tree *base, const hl_tree *cand, json_t *changed, char *why,
                        size_t len)
{
    size_t i;
    json_t *f;
    why[0] = 0;
    json_array_foreach(changed, i, f)
    {
        const char *p = json_string_value(f);
        if (!hl_path_allowed(p)) return hl_refuse_path(p ? p : "?", why, len);
        int rc = strcmp(p, "config/trading_config.json") == 0
                     ? check_config(base, cand, why, len)
                     : check_strategy(base, cand, p, why, len);
        if (rc != 0) return rc;
    }
    return 0;
}

/* Every path that differs between revisions from and to of the repository at dir, and its
 * content judged against from (boundary.h). Returns 0, or -1 with why. */
static int check_range(const char *dir, const char *from, const char *to, char *why, size_t len)
{
    const char *diff[] = {"git", "diff", "--raw", "-z", "--no-renames", from, to, NULL};
    char *raw = NULL;
    if (hl_run(diff, dir, -1, &raw) != 0 || !raw) {
        free(raw);
        return snprintf(why, len, "cannot list what %s changes", to), -1;
    }
    json_t *changed = json_array();
    int rc = 0;
    /* ":<old mode> <new mode> <old sha> <new sha> <status>\0<path>\0" per file */
    for (char *p = raw; rc == 0 && *p == ':';) {
        char newmode[8] = "", status = 0;
        if (sscanf(p, ":%*s %7s %*s %*s %c", newmode, &status) != 2) break;
        char *path = p + strlen(p) + 1;
        p = path + strlen(path) + 1;
        if (!hl_path_allowed(path)) {
            rc = hl_refuse_path(path, why, len);
        } else if (status != 'A' && status != 'M') {
            snprintf(why, len, "%s: status %c (only additions and modifications)", path, status);
            rc = -1;
        } else if (strcmp(newmode, "100644") != 0) {
            snprintf(why, len, "%s: mode %s (only regular files)", path, newmode);
            rc = -1;
        } else {
            json_array_append_new(changed, json_string(path));
        }
    }
    if (rc == 0) {
        hl_rev rb = {dir, from}, rt = {dir, to};
        hl_tree tb = {hl_read_rev, &rb}, tt = {hl_read_rev, &rt};
        rc = hl_boundary_content(&tb, &tt, changed, why, len);
    }
    json_decref(changed);
    free(raw);
    return rc;
}

/* The first line git prints for argv (an object id), or NULL when it fails. */
static char *git_line(const char *const *argv, const char *dir)
{
    char *out = NULL;
    if (hl_run(argv, dir, -1, &out) != 0 || !out || !*out) {
        free(out);
        return NULL;
    }
    out[strcspn(out, "\n")] = 0;
    return out;
}

int hl_boundary_branch(const char *dir, const char *branch, char *why, size_t len)
{
    /* Only the Healer's own branches: a name from an edited directives file is never an
     * option or another ref handed to git merge. */
    if (strncmp(branch, "healer/auto-fix-", 16) != 0 || strstr(branch, ".."))
        return snprintf(why, len, "%s is not a healer/auto-fix-* branch", branch), -1;
    const char *mb[] = {"git", "merge-base", "HEAD", branch, NULL};
    const char *head[] = {"git", "rev-parse", "--verify", "HEAD", NULL};
    const char *mt[] = {"git", "merge-tree", "--write-tree", "HEAD", branch, NULL};
    char *base = git_line(mb, dir), *head_oid = NULL, *merged = NULL;
    int rc = -1;
    if (!base) {
        snprintf(why, len, "%s has no merge base with the home's checkout", branch);
    } else if (check_range(dir, base, branch, why, len) != 0) {
        /* the branch's own change, against the version it was proven on */
    } else if (!(head_oid = git_line(head, dir)) || !(merged = git_line(mt, dir))) {
        snprintf(why, len,
                 "%s does not merge cleanly into the home's checkout (git merge-tree "
                 "--write-tree, git 2.38 or later)",
                 branch);
    } else {
        /* What main becomes, against main as it is now: main may have narrowed the bounds
         * or changed the strategy since the branch was made. */
        rc = check_range(dir, head_oid, merged, why, len);
    }
    free(base), free(head_oid), free(merged);
    return rc;
}

void hl_boundary_refused(json_t *d, const char *why)
{
    char path[4096], ts[40];
    const char *id = d ? json_string_value(json_object_get(d, "id")) : NULL;
    const char *proposer = d ? json_string_value(json_object_get(d, "proposer")) : NULL;
    TB_WARN("healer", "healer change refused: id=%s proposer=%s: %s", id ? id : "-",
            proposer ? proposer : "-", why);
    tb_err e;
    tb_jsonl *j =
        tb_jsonl_open(tb_home_path(path, sizeof path, "logs/sentinel_activity.jsonl"), 0, &e);
    if (!j) return;
    char msg[1024];
    snprintf(msg, sizeof msg, "Healer change %s refused: %s", id ? id : "(branch)", why);
    hl_now(ts);
    json_t *line =
        json_pack("{s:s, s:s, s:s, s:s, s:O?, s:s, s:{s:s?, s:s?, s:O?, s:O?}, s:s%}", "t", ts,
                  "kind", "finding", "rule", "healer_boundary", "severity", "ERROR", "symbol",
                  d ? json_object_get(d, "symbol") : NULL, "message", msg, "evidence", "directive",
                  id, "proposer", proposer, "kind", d ? json_object_get(d, "kind") : NULL, "target",
                  d ? json_object_get(d, "target") : NULL, "date", ts, (size_t)10);
    tb_jsonl_write(j, line, &e);
    json_decref(line);
    tb_jsonl_close(j);
}
