#include "ml/model.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* XGBoost writes numbers in its JSON model as strings ("5E-1") in the parameter objects. */
static int num_of(json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    if (!json_is_string(v)) return -1;
    char *end;
    *out = strtod(json_string_value(v), &end);
    return end == json_string_value(v) ? -1 : 0;
}

static json_t *path_get(json_t *root, const char *const *keys)
{
    for (; *keys && root; keys++) root = json_object_get(root, *keys);
    return root;
}

static int check_header(json_t *root, const char *name, double *base_score, int *nfeat, tb_err *e)
{
    json_t *ver = json_object_get(root, "version");
    if (!json_is_array(ver) || json_integer_value(json_array_get(ver, 0)) < 1)
        return tb_errf(e, "%s: not an XGBoost JSON model of version 1.0 or later", name);
    static const char *const obj[] = {"learner", "objective", "name", NULL};
    const char *objective = json_string_value(path_get(root, obj));
    if (!objective ||
        (strcmp(objective, "binary:logistic") != 0 && strcmp(objective, "reg:logistic") != 0))
        return tb_errf(e, "%s: objective %s is not supported (binary:logistic only)", name,
                       objective ? objective : "(none)");
    static const char *const bst[] = {"learner", "gradient_booster", "name", NULL};
    const char *booster = json_string_value(path_get(root, bst));
    if (!booster || strcmp(booster, "gbtree") != 0)
        return tb_errf(e, "%s: booster %s is not supported (gbtree only)", name,
                       booster ? booster : "(none)");
    static const char *const bs[] = {"learner", "learner_model_param", "base_score", NULL};
    static const char *const nf[] = {"learner", "learner_model_param", "num_feature", NULL};
    static const char *const nc[] = {"learner", "learner_model_param", "num_class", NULL};
    double f, ncls = 0;
    if (num_of(path_get(root, bs), base_score) != 0 || num_of(path_get(root, nf), &f) != 0)
        return tb_errf(e, "%s: learner_model_param lacks base_score or num_feature", name);
    if (num_of(path_get(root, nc), &ncls) == 0 && ncls > 1)
        return tb_errf(e, "%s: multi-class models are not supported", name);
    if (!(*base_score > 0 && *base_score < 1) || f < 1 || f > 4096)
        return tb_errf(e, "%s: base_score %g or num_feature %g out of range", name, *base_score, f);
    *nfeat = (int)f;
    return 0;
}

/* Appends one tree's nodes; checks every index so a damaged file cannot send us astray. */
static int add_tree(tb_ml_model *m, json_t *tree, int t, const char *name, tb_err *e)
{
    json_t *si = json_object_get(tree, "split_indices");
    json_t *sc = json_object_get(tree, "split_conditions");
    json_t *lc = json_object_get(tree, "left_children");
    json_t *rc = json_object_get(tree, "right_children");
    json_t *dl = json_object_get(tree, "default_left");
    json_t *st = json_object_get(tree, "split_type");
    size_t n = json_array_size(si);
    if (!n || json_array_size(sc) != n || json_array_size(lc) != n || json_array_size(rc) != n ||
        json_array_size(dl) != n)
        return tb_errf(e, "%s: tree %d: node arrays missing or of different lengths", name, t);
    tb_ml_node *nodes = realloc(m->nodes, (size_t)(m->nnodes + (int32_t)n) * sizeof *nodes);
    if (!nodes) return tb_errf(e, "%s: out of memory", name);
    m->nodes = nodes;
    int32_t base = m->nnodes;
    for (size_t i = 0; i < n; i++) {
        tb_ml_node *nd = &nodes[base + (int32_t)i];
        json_int_t l = json_integer_value(json_array_get(lc, i));
        json_int_t r = json_integer_value(json_array_get(rc, i));
        json_int_t f = json_integer_value(json_array_get(si, i));
        double v;
        if (num_of(json_array_get(sc, i), &v) != 0)
            return tb_errf(e, "%s: tree %d node %zu: bad split condition", name, t, i);
        if (st && json_integer_value(json_array_get(st, i)) != 0)
            return tb_errf(e, "%s: tree %d: categorical splits are not supported", name, t);
        nd->value = (float)v;
        nd->default_left =
            json_is_true(json_array_get(dl, i)) || json_integer_value(json_array_get(dl, i)) != 0;
        if (l == -1) {
            nd->feat = -1, nd->left = nd->right = -1;
            continue;
        }
        if (l <= (json_int_t)i || r <= (json_int_t)i || l >= (json_int_t)n || r >= (json_int_t)n ||
            f < 0 || f >= m->nfeat)
            return tb_errf(e, "%s: tree %d node %zu: child or feature index out of range", name, t,
                           i);
        nd->feat = (int32_t)f, nd->left = base + (int32_t)l, nd->right = base + (int32_t)r;
    }
    m->roots[t] = base;
    m->nnodes += (int32_t)n;
    return 0;
}

static int depth_of(const tb_ml_model *m, int32_t i)
{
    if (m->nodes[i].feat < 0) return 0;
    int a = depth_of(m, m->nodes[i].left), b = depth_of(m, m->nodes[i].right);
    return 1 + (a > b ? a : b);
}

int tb_ml_model_parse(tb_ml_model *m, const char *text, size_t len, const char *name, tb_err *e)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root) return tb_errf(e, "%s: line %d: %s", name, je.line, je.text);
    double base_score;
    static const char *const tr[] = {"learner", "gradient_booster", "model", "trees", NULL};
    json_t *trees = path_get(root, tr);
    int rc = check_header(root, name, &base_score, &m->nfeat, e);
    if (rc == 0 && (!json_is_array(trees) || json_array_size(trees) == 0))
        rc = tb_errf(e, "%s: no trees", name);
    if (rc == 0) {
        m->ntrees = (int)json_array_size(trees);
        m->roots = calloc((size_t)m->ntrees, sizeof *m->roots);
        if (!m->roots) rc = tb_errf(e, "%s: out of memory", name);
        for (int t = 0; rc == 0 && t < m->ntrees; t++)
            rc = add_tree(m, json_array_get(trees, (size_t)t), t, name, e);
    }
    json_decref(root);
    if (rc != 0) {
        tb_ml_model_free(m);
        return -1;
    }
    m->base_margin = -log(1.0 / base_score - 1.0);
    for (int t = 0; t < m->ntrees; t++) {
        int d = depth_of(m, m->roots[t]);
        if (d > m->max_depth) m->max_depth = d;
    }
    return 0;
}

int tb_ml_model_load(tb_ml_model *m, const char *path, tb_err *e)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "rb");
    if (!f) return tb_errf(e, "%s: cannot open: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *text = len > 0 && len < (1L << 30) ? malloc((size_t)len) : NULL;
    size_t got = text ? fread(text, 1, (size_t)len, f) : 0;
    fclose(f);
    if (!text || got != (size_t)len) {
        free(text);
        return tb_errf(e, "%s: empty or unreadable", path);
    }
    int rc = tb_ml_model_parse(m, text, got, path, e);
    free(text);
    return rc;
}

void tb_ml_model_free(tb_ml_model *m)
{
    free(m->roots);
    free(m->nodes);
    memset(m, 0, sizeof *m);
}

double tb_ml_model_predict(const tb_ml_model *m, const float *row)
{
    const tb_ml_node *nodes = m->nodes;
    float sum = 0;
    for (int t = 0; t < m->ntrees; t++) {
        const tb_ml_node *n = &nodes[m->roots[t]];
        while (n->feat >= 0) {
            float x = row[n->feat];
            int32_t next = isnan(x) ? (n->default_left ? n->left : n->right)
                                    : (x < n->value ? n->left : n->right);
            n = &nodes[next];
        }
        sum += n->value;
    }
    return 1.0 / (1.0 + exp(-((double)sum + m->base_margin)));
}
