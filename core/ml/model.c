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

/* XGBoost's node arrays of one tree, checked so a damaged file cannot send us astray. */
typedef struct raw_tree {
    json_t *si, *sc, *lc, *rc, *dl, *st;
    size_t n;
} raw_tree;

static int raw_of(json_t *tree, raw_tree *r, int nfeat, int t, const char *name, tb_err *e)
{
    r->si = json_object_get(tree, "split_indices");
    r->sc = json_object_get(tree, "split_conditions");
    r->lc = json_object_get(tree, "left_children");
    r->rc = json_object_get(tree, "right_children");
    r->dl = json_object_get(tree, "default_left");
    r->st = json_object_get(tree, "split_type");
    r->n = json_array_size(r->si);
    if (!r->n || r->n > 1u << 20 || json_array_size(r->sc) != r->n ||
        json_array_size(r->lc) != r->n || json_array_size(r->rc) != r->n ||
        json_array_size(r->dl) != r->n)
        return tb_errf(e, "%s: tree %d: node arrays missing or of different lengths", name, t);
    for (size_t i = 0; i < r->n; i++) {
        json_int_t l = json_integer_value(json_array_get(r->lc, i));
        json_int_t rr = json_integer_value(json_array_get(r->rc, i));
        json_int_t f = json_integer_value(json_array_get(r->si, i));
        if (r->st && json_integer_value(json_array_get(r->st, i)) != 0)
            return tb_errf(e, "%s: tree %d: categorical splits are not supported", name, t);
        if (!json_is_number(json_array_get(r->sc, i)))
            return tb_errf(e, "%s: tree %d node %zu: bad split condition", name, t, i);
        if (l == -1) continue;
        /* children come after their parent, so a walk always ends */
        if (l <= (json_int_t)i || rr <= (json_int_t)i || l >= (json_int_t)r->n ||
            rr >= (json_int_t)r->n || f < 0 || f >= nfeat)
            return tb_errf(e, "%s: tree %d node %zu: child or feature index out of range", name, t,
                           i);
    }
    return 0;
}

/* Appends one tree in breadth-first order with each pair of children side by side. */
static int add_tree(tb_ml_model *m, json_t *tree, int t, const char *name, tb_err *e)
{
    raw_tree r;
    if (raw_of(tree, &r, m->nfeat, t, name, e) != 0) return -1;
    tb_ml_node *nodes = realloc(m->nodes, (size_t)(m->nnodes + (int32_t)r.n) * sizeof *nodes);
    if (nodes) m->nodes = nodes;
    int32_t *queue = malloc(r.n * sizeof *queue), *level = malloc(r.n * sizeof *level);
    if (!nodes || !queue || !level) {
        free(queue), free(level);
        return tb_errf(e, "%s: out of memory", name);
    }
    int32_t base = m->nnodes, placed = 1, depth = 0;
    queue[0] = 0, level[0] = 0; /* queue[k]: XGBoost id of the node placed at base + k */
    for (int32_t k = 0; k < placed; k++) {
        size_t id = (size_t)queue[k];
        tb_ml_node *nd = &nodes[base + k];
        json_int_t l = json_integer_value(json_array_get(r.lc, id));
        nd->thr = (float)json_number_value(json_array_get(r.sc, id));
        nd->default_left = json_is_true(json_array_get(r.dl, id)) ||
                           json_integer_value(json_array_get(r.dl, id)) != 0;
        if (level[k] > depth) depth = level[k];
        if (l != -1 && placed + 2 > (int32_t)r.n) { /* a node with two parents */
            free(queue), free(level);
            return tb_errf(e, "%s: tree %d: not a tree (a node is reached twice)", name, t);
        }
        if (l == -1) {
            nd->is_leaf = 1, nd->leaf = nd->thr, nd->feat = 0, nd->left = base + k;
            continue;
        }
        nd->is_leaf = 0, nd->leaf = 0;
        nd->feat = (uint16_t)json_integer_value(json_array_get(r.si, id));
        nd->left = base + placed;
        queue[placed] = (int32_t)l, level[placed++] = level[k] + 1;
        queue[placed] = (int32_t)json_integer_value(json_array_get(r.rc, id));
        level[placed++] = level[k] + 1;
    }
    free(queue), free(level);
    m->roots[t] = base;
    m->depth[t] = (uint8_t)(depth > 255 ? 255 : depth);
    if (depth > m->max_depth) m->max_depth = depth;
    m->nnodes += placed;
    return 0;
}

int tb_ml_model_parse(tb_ml_model *m, const char *text, size_t len, const char *name, tb_err *e)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root) return tb_errf(e, "%s: line %d: %s", name, je.line, je.text);
    double base_score = 0.5;
    static const char *const tr[] = {"learner", "gradient_booster", "model", "trees", NULL};
    json_t *trees = path_get(root, tr);
    int rc = check_header(root, name, &base_score, &m->nfeat, e);
    if (rc == 0 && (!json_is_array(trees) || json_array_size(trees) == 0))
        rc = tb_errf(e, "%s: no trees", name);
    if (rc == 0) {
        m->ntrees = (int)json_array_size(trees);
        m->roots = calloc((size_t)m->ntrees, sizeof *m->roots);
        m->depth = calloc((size_t)m->ntrees, sizeof *m->depth);
        if (!m->roots || !m->depth) rc = tb_errf(e, "%s: out of memory", name);
        for (int t = 0; rc == 0 && t < m->ntrees; t++)
            rc = add_tree(m, json_array_get(trees, (size_t)t), t, name, e);
    }
    json_decref(root);
    if (rc != 0) {
        tb_ml_model_free(m);
        return -1;
    }
    m->base_margin = -log(1.0 / base_score - 1.0);
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
    free(m->depth);
    free(m->nodes);
    memset(m, 0, sizeof *m);
}

static inline int32_t step(const tb_ml_node *nodes, int32_t i, const float *row)
{
    const tb_ml_node *n = &nodes[i];
    float x = row[n->feat];
    int right = (isnan(x) ? !n->default_left : !(x < n->thr)) & !n->is_leaf;
    return n->left + right;
}

/*
 * Four trees walk together so their loads overlap (the walks are independent), each for the
 * deepest of the four depths: a leaf stays put. Leaves are summed in tree order in float, as
 * XGBoost does, so the sums agree.
 */
double tb_ml_model_predict(const tb_ml_model *m, const float *row)
{
    const tb_ml_node *nodes = m->nodes;
    float sum = 0;
    int t = 0;
    for (; t + 4 <= m->ntrees; t += 4) {
        int32_t a = m->roots[t], b = m->roots[t + 1], c = m->roots[t + 2], d = m->roots[t + 3];
        int depth = m->depth[t];
        for (int k = 1; k < 4; k++)
            if (m->depth[t + k] > depth) depth = m->depth[t + k];
        for (int s = 0; s < depth; s++) {
            a = step(nodes, a, row);
            b = step(nodes, b, row);
            c = step(nodes, c, row);
            d = step(nodes, d, row);
        }
        sum += nodes[a].leaf;
        sum += nodes[b].leaf;
        sum += nodes[c].leaf;
        sum += nodes[d].leaf;
    }
    for (; t < m->ntrees; t++) {
        int32_t a = m->roots[t];
        for (int s = 0; s < m->depth[t]; s++) a = step(nodes, a, row);
        sum += nodes[a].leaf;
    }
    return 1.0 / (1.0 + exp(-((double)sum + m->base_margin)));
}
