/*
 * boundary_diff.c - the Healer's boundary on paths: which paths a change may touch, every file
 * section of a unified diff, and the rules a directive's kind can be judged by before anything
 * is applied (boundary.h).
 */
#include "healer/boundary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char boundary_msg[] =
    "a Healer change may touch only strategies/*.lua and the params/symbol_params of "
    "config/trading_config.json";

int hl_path_allowed(const char *p)
{
    if (!p) return 0;
    if (strcmp(p, "config/trading_config.json") == 0) return 1;
    if (strncmp(p, "strategies/", 11) != 0) return 0;
    const char *name = p + 11;
    size_t n = strlen(name);
    if (n <= 4 || strcmp(name + n - 4, ".lua") != 0) return 0;
    for (size_t i = 0; i < n - 4; i++) { /* one plain file name: no '/', no "..", no quoting */
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int hl_refuse_path(const char *path, char *why, size_t len)
{
    snprintf(why, len, "touches %s: %s", path, boundary_msg);
    return -1;
}

/* A header path "a/<p>" or "b/<p>" (prefix given), up to a tab or the end of the line. */
static int header_path(const char *s, size_t n, char prefix, char *out, size_t cap)
{
    size_t k = strcspn(s, "\t");
    if (k > n) k = n;
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\r')) k--;
    if (k == 9 && strncmp(s, "/dev/null", 9) == 0) {
        snprintf(out, cap, "/dev/null");
        return 0;
    }
    if (k < 3 || s[0] != prefix || s[1] != '/' || k - 2 >= cap) return -1;
    memcpy(out, s + 2, k - 2);
    out[k - 2] = 0;
    return 0;
}

typedef struct diff_state {
    long old_left, new_left; /* lines left in the current hunk */
    char minus[512];         /* the last "--- " path of this section */
    char outside[1024];      /* every path outside the boundary, for one message */
    json_t *files;
} diff_state;

static int starts(const char *l, size_t n, const char *p)
{
    size_t m = strlen(p);
    return n >= m && strncmp(l, p, m) == 0;
}

/* Notes a path outside the boundary once (a section names it at diff --git and at +++). */
static void add_outside(diff_state *s, const char *path)
{
    size_t n0 = strlen(s->outside), m = strlen(path);
    for (const char *p = s->outside; (p = strstr(p, path)); p += m)
        if ((p == s->outside || p[-1] == ' ') && (p[m] == ',' || p[m] == 0)) return;
    snprintf(s->outside + n0, sizeof s->outside - n0, "%s%s", n0 ? ", " : "", path);
}

/* One line outside a hunk. Returns 0, or -1 with why. */
static int header_line(diff_state *s, const char *l, size_t n, char *why, size_t len)
{
    char path[512];
    /* "rename old"/"rename new": git apply's older spelling of "rename from"/"rename to". */
    static const char *const refused[] = {
        "rename from",       "rename to",        "rename old",          "rename new", "copy from",
        "copy to",           "similarity index", "dissimilarity index", "old mode",   "new mode",
        "deleted file mode", "GIT binary patch", "Binary files",        NULL};
    for (int i = 0; refused[i]; i++)
        if (starts(l, n, refused[i]))
            return snprintf(why, len,
                            "the diff has \"%s\": %s; renames, deletions, mode changes "
                            "and binary patches are refused",
                            refused[i], boundary_msg),
                   -1;
    if (starts(l, n, "new file mode ") && !starts(l, n, "new file mode 100644"))
        return snprintf(why, len, "the diff creates a file that is not a regular file (%.*s)",
                        (int)(n > 40 ? 40 : n), l),
               -1;
    if (starts(l, n, "--- ")) {
        if (header_path(l + 4, n - 4, 'a', s->minus, sizeof s->minus) != 0)
            return snprintf(why, len, "diff header \"%.*s\": paths must be a/<path> and b/<path>",
                            (int)(n > 80 ? 80 : n), l),
                   -1;
        return 0;
    }
    if (starts(l, n, "+++ ")) {
        if (header_path(l + 4, n - 4, 'b', path, sizeof path) != 0)
            return snprintf(why, len, "diff header \"%.*s\": paths must be a/<path> and b/<path>",
                            (int)(n > 80 ? 80 : n), l),
                   -1;
        if (strcmp(path, "/dev/null") == 0)
            return snprintf(why, len, "the diff deletes %s: deletions are refused", s->minus), -1;
        if (!s->minus[0] || (strcmp(s->minus, "/dev/null") != 0 && strcmp(s->minus, path) != 0))
            return snprintf(why, len, "the diff's --- and +++ name different files (%s, %s)",
                            s->minus[0] ? s->minus : "none", path),
                   -1;
        if (!hl_path_allowed(path)) add_outside(s, path);
        if (s->files) json_array_append_new(s->files, json_string(path));
        s->minus[0] = 0;
        return 0;
    }
    if (starts(l, n, "@@ ")) {
        const char *p = l + 3;
        char *e;
        if (*p != '-') return snprintf(why, len, "malformed hunk header \"%.*s\"", (int)n, l), -1;
        strtol(p + 1, &e, 10);
        s->old_left = *e == ',' ? strtol(e + 1, &e, 10) : 1; /* a count left out is 1 */
        if (e[0] != ' ' || e[1] != '+')
            return snprintf(why, len, "malformed hunk header \"%.*s\"", (int)n, l), -1;
        strtol(e + 2, &e, 10);
        s->new_left = *e == ',' ? strtol(e + 1, &e, 10) : 1;
        return 0;
    }
    if (starts(l, n, "diff --git ")) {
        char a[512], bpath[512];
        const char *sp = l + 11, *mid = strstr(sp, " b/");
        if (!mid || header_path(sp, (size_t)(mid - sp), 'a', a, sizeof a) != 0 ||
            header_path(mid + 1, n - (size_t)(mid + 1 - l), 'b', bpath, sizeof bpath) != 0 ||
            strcmp(a, bpath) != 0)
            return snprintf(why, len, "diff header \"%.*s\": one path, a/<path> and b/<path>",
                            (int)(n > 80 ? 80 : n), l),
                   -1;
        if (!hl_path_allowed(a)) add_outside(s, a); /* also when the section has no hunk */
    }
    return 0;
}

int hl_boundary_diff(const char *diff, json_t *files, char *why, size_t len)
{
    diff_state s = {0, 0, "", "", files};
    int sections = 0;
    if (!diff) return snprintf(why, len, "no diff"), -1;
    for (const char *l = diff; *l;) {
        size_t n = strcspn(l, "\n");
        if (s.old_left > 0 || s.new_left > 0) { /* inside a hunk: the content is not a header */
            char c = n ? l[0] : ' ';
            if (c == ' ' || c == '-') s.old_left--;
            if (c == ' ' || c == '+') s.new_left--;
            if (c != ' ' && c != '-' && c != '+' && c != '\\')
                return snprintf(why, len, "the diff has a malformed hunk line \"%.*s\"",
                                (int)(n > 80 ? 80 : n), l),
                       -1;
        } else {
            sections += starts(l, n, "+++ ");
            if (header_line(&s, l, n, why, len) != 0) return -1;
        }
        l += n + (l[n] == '\n');
    }
    if (s.old_left > 0 || s.new_left > 0)
        return snprintf(why, len, "the diff ends inside a hunk (fewer lines than announced)"), -1;
    if (!sections) return snprintf(why, len, "no file section (+++ b/<path>) in the diff"), -1;
    if (s.outside[0]) return hl_refuse_path(s.outside, why, len);
    return 0;
}

/* strategies.<name>.params.<p> or strategies.<name>.symbol_params.<SYM>.<p>. */
static int config_path_allowed(const char *path)
{
    char buf[256];
    if (!path || strlen(path) >= sizeof buf) return 0;
    snprintf(buf, sizeof buf, "%s", path);
    char *parts[8], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(buf, ".", &save); t && n < 8; t = strtok_r(NULL, ".", &save))
        parts[n++] = t;
    if (n < 4 || strcmp(parts[0], "strategies") != 0) return 0;
    if (strcmp(parts[2], "params") == 0) return n == 4;
    if (strcmp(parts[2], "symbol_params") == 0) return n == 5;
    return 0;
}

int hl_boundary_directive(json_t *d, char *why, size_t len)
{
    const char *kind = json_string_value(json_object_get(d, "kind"));
    json_t *ch = json_object_get(d, "change");
    const char *target = json_string_value(json_object_get(d, "target"));
    if (!kind) return snprintf(why, len, "directive has no kind"), -1;
    if (strcmp(kind, "config_change") == 0) {
        const char *path = json_string_value(json_object_get(ch, "path"));
        if (!config_path_allowed(path))
            return snprintf(why, len,
                            "config_change %s: %s (strategies.<name>.params.<param> or "
                            "strategies.<name>.symbol_params.<SYMBOL>.<param>)",
                            path ? path : "(no path)", boundary_msg),
                   -1;
        return 0;
    }
    if (strcmp(kind, "param_change") == 0) return 0; /* bounds: after it is applied */
    if (strcmp(kind, "script_patch") != 0) return snprintf(why, len, "unknown kind %s", kind), -1;
    const char *patch = json_string_value(json_object_get(ch, "patch"));
    if (patch) return hl_boundary_diff(patch, NULL, why, len);
    if (!hl_path_allowed(target)) return hl_refuse_path(target ? target : "(no target)", why, len);
    return 0;
}
