#include "ml/schema.h"
#include "util/atomic.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void build_map(tb_ml_schema *s)
{
    for (int i = 0; i < s->n; i++) s->map[i] = tb_feature_find(s->names[i]);
}

void tb_ml_schema_live(tb_ml_schema *s)
{
    memset(s, 0, sizeof *s);
    s->n = TB_FEATURES_N;
    for (int i = 0; i < TB_FEATURES_N; i++) {
        snprintf(s->names[i], sizeof s->names[i], "%s", tb_feature_name(i));
        snprintf(s->types[i], sizeof s->types[i], "%s", tb_feature_type(i));
    }
    s->hash = tb_features_schema_hash();
    build_map(s);
}

static int parse_features(tb_ml_schema *s, json_t *feats, const char *path, tb_err *e)
{
    if (!json_is_array(feats) || json_array_size(feats) == 0 ||
        json_array_size(feats) > TB_ML_SCHEMA_MAX)
        return tb_errf(e, "%s: \"features\" must be a list of 1 to %d entries", path,
                       TB_ML_SCHEMA_MAX);
    s->n = (int)json_array_size(feats);
    for (int i = 0; i < s->n; i++) {
        json_t *f = json_array_get(feats, (size_t)i);
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *type = json_string_value(json_object_get(f, "type"));
        json_t *idx = json_object_get(f, "index");
        if (!name || !*name || strlen(name) >= sizeof s->names[i] || !type ||
            strlen(type) >= sizeof s->types[i])
            return tb_errf(e, "%s: feature %d needs a name and a type", path, i);
        if (idx && json_integer_value(idx) != i)
            return tb_errf(e, "%s: feature %s has index %lld at position %d", path, name,
                           (long long)json_integer_value(idx), i);
        for (int j = 0; j < i; j++)
            if (strcmp(s->names[j], name) == 0)
                return tb_errf(e, "%s: feature %s listed twice", path, name);
        snprintf(s->names[i], sizeof s->names[i], "%s", name);
        snprintf(s->types[i], sizeof s->types[i], "%s", type);
    }
    return 0;
}

int tb_ml_schema_load(tb_ml_schema *s, const char *path, tb_err *e)
{
    memset(s, 0, sizeof *s);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) return tb_errf(e, "%s: line %d: %s", path, je.line, je.text);
    int rc = 0;
    json_int_t ver = json_integer_value(json_object_get(root, "version"));
    const char *hash = json_string_value(json_object_get(root, "hash"));
    if (ver != TB_ML_SCHEMA_VERSION)
        rc = tb_errf(e, "%s: schema version %lld, this engine reads version %d", path,
                     (long long)ver, TB_ML_SCHEMA_VERSION);
    else if (!hash)
        rc = tb_errf(e, "%s: no \"hash\"", path);
    else
        rc = parse_features(s, json_object_get(root, "features"), path, e);
    if (rc == 0) {
        const char *nm[TB_ML_SCHEMA_MAX], *ty[TB_ML_SCHEMA_MAX];
        for (int i = 0; i < s->n; i++) nm[i] = s->names[i], ty[i] = s->types[i];
        s->hash = tb_features_hash_of(nm, ty, s->n);
        char want[24];
        snprintf(want, sizeof want, "%016" PRIx64, s->hash);
        if (strcmp(want, hash) != 0)
            rc = tb_errf(e,
                         "%s: hash %s does not match its features (%s): the file was edited "
                         "or damaged",
                         path, hash, want);
    }
    json_decref(root);
    build_map(s);
    return rc;
}

int tb_ml_schema_write_live(const char *path, tb_err *e)
{
    char hash[24];
    snprintf(hash, sizeof hash, "%016" PRIx64, tb_features_schema_hash());
    json_t *feats = json_array();
    for (int i = 0; i < TB_FEATURES_N; i++)
        json_array_append_new(feats, json_pack("{s:s, s:s, s:i}", "name", tb_feature_name(i),
                                               "type", tb_feature_type(i), "index", i));
    json_t *root = json_pack("{s:i, s:s, s:i, s:o}", "version", TB_ML_SCHEMA_VERSION, "hash", hash,
                             "count", TB_FEATURES_N, "features", feats);
    int rc = tb_atomic_write_json(path, root, JSON_INDENT(2), TB_STATE_FILE_MODE, e);
    json_decref(root);
    return rc;
}

int tb_ml_schema_column_live(const tb_ml_schema *s, int i)
{
    int id = i >= 0 && i < s->n ? s->map[i] : -1;
    return id >= 0 && id == i && strcmp(s->types[i], tb_feature_type(id)) == 0;
}

int tb_ml_schema_first_problem(const tb_ml_schema *s, const float *live)
{
    for (int i = 0; i < s->n; i++) {
        if (!tb_ml_schema_column_live(s, i)) return i;
        if (live && isnan(live[s->map[i]])) return i;
    }
    return -1;
}

void tb_ml_schema_row(const tb_ml_schema *s, const float *live, float *row)
{
    for (int i = 0; i < s->n; i++) row[i] = s->map[i] >= 0 ? live[s->map[i]] : NAN;
}

static void line(char *out, size_t len, size_t *at, const char *fmt, ...)
{
    if (*at >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *at, len - *at, fmt, ap);
    va_end(ap);
    if (n > 0) *at += (size_t)n;
}

int tb_ml_schema_diff(const tb_ml_schema *s, char *out, size_t len)
{
    size_t at = 0;
    int ndiff = 0;
    if (len) out[0] = '\0';
    for (int i = 0; i < s->n; i++) {
        int id = s->map[i];
        if (id < 0)
            line(out, len, &at, "missing feature %s (schema column %d): the live set lacks it\n",
                 s->names[i], i),
                ndiff++;
        else if (id != i)
            line(out, len, &at, "feature %s is column %d in the schema, %d in the live set\n",
                 s->names[i], i, id),
                ndiff++;
        else if (strcmp(s->types[i], tb_feature_type(id)) != 0)
            line(out, len, &at, "feature %s is %s in the schema, %s live\n", s->names[i],
                 s->types[i], tb_feature_type(id)),
                ndiff++;
    }
    for (int id = 0; id < TB_FEATURES_N; id++) {
        int found = 0;
        for (int i = 0; i < s->n && !found; i++) found = s->map[i] == id;
        if (!found)
            line(out, len, &at, "extra live feature %s (not in the schema)\n", tb_feature_name(id)),
                ndiff++;
    }
    if (s->hash != tb_features_schema_hash() && ndiff == 0)
        line(out, len, &at, "schema hash %016" PRIx64 " differs from live %016" PRIx64 "\n",
             s->hash, tb_features_schema_hash()),
            ndiff++;
    return ndiff;
}
