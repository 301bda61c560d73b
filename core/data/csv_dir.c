#include "data/csv_dir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
    const tb_csv_file *f;
    uint32_t *gsym;  /* local symbol -> id in the caller's table */
    uint32_t *order; /* bar order when the ids do not follow the local ones; NULL: as stored */
    int64_t start;   /* of the bar at pos */
    uint64_t key2;   /* of the bar at pos: symbol id << 32 | timeframe */
    size_t pos;
} run;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.csv names of dir, sorted; NULL with e set when none or unreadable. */
static char **list_csv(const char *dir, size_t *n, tb_err *e)
{
    DIR *d = opendir(dir);
    if (!d) return tb_errf(e, "--data %s: cannot open the folder", dir), NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *de;
    *n = 0;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".csv") != 0) continue;
        if (*n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        if (!(names[*n] = strdup(de->d_name))) break;
        ++*n;
    }
    closedir(d);
    if (de) { /* stopped early: out of memory */
        for (size_t i = 0; i < *n; i++) free(names[i]);
        free(names);
        return tb_errf(e, "--data %s: out of memory", dir), NULL;
    }
    if (!*n) return free(names), tb_errf(e, "--data %s: no .csv files", dir), NULL;
    qsort(names, *n, sizeof *names, cmp_name);
    return names;
}

static const uint32_t *order_gsym; /* qsort's context: single-threaded loading */
static const tb_csv_file *order_file;

static int cmp_order(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const tb_csv_file *f = order_file;
    if (f->start_ns[a] != f->start_ns[b]) return f->start_ns[a] < f->start_ns[b] ? -1 : 1;
    uint32_t ga = order_gsym[f->sym[a]], gb = order_gsym[f->sym[b]];
    return (ga > gb) - (ga < gb);
}

/* Interns the file's symbols; sorts its bars by id when the ids are not in local order. */
static int map_symbols(run *r, tb_symtab *syms, const char *path, tb_err *e)
{
    const tb_csv_file *f = r->f;
    int monotonic = 1;
    if (!(r->gsym = malloc((f->nsyms + 1) * sizeof *r->gsym)))
        return tb_errf(e, "%s: out of memory", path);
    for (uint32_t i = 0; i < f->nsyms; i++) {
        int64_t id = tb_symtab_intern(syms, f->syms[i], e);
        if (id < 0) return tb_err_prefix(e, "%s: ", path);
        r->gsym[i] = (uint32_t)id;
        if (i && r->gsym[i] <= r->gsym[i - 1]) monotonic = 0;
    }
    if (monotonic || f->n < 2) return 0;
    if (!(r->order = malloc(f->n * sizeof *r->order))) return tb_errf(e, "%s: out of memory", path);
    for (size_t i = 0; i < f->n; i++) r->order[i] = (uint32_t)i;
    order_gsym = r->gsym, order_file = f;
    qsort(r->order, f->n, sizeof *r->order, cmp_order); /* (start, id) is unique in a file */
    return 0;
}

static size_t at(const run *r)
{
    return r->order ? r->order[r->pos] : r->pos;
}

static void set_key(run *r)
{
    size_t i = at(r);
    r->start = r->f->start_ns[i];
    r->key2 = (uint64_t)r->gsym[r->f->sym[i]] << 32 | (uint32_t)r->f->tf_sec;
}

/* The run whose next bar comes first: start, symbol id, timeframe, then file order (the stable
 * sort's tie); -1 for an exhausted run. */
static int32_t winner(const run *runs, int32_t a, int32_t b)
{
    if (a < 0 || b < 0) return a < 0 ? b : a;
    const run *x = &runs[a], *y = &runs[b];
    if (x->start != y->start) return x->start < y->start ? a : b;
    if (x->key2 != y->key2) return x->key2 < y->key2 ? a : b;
    return a < b ? a : b;
}

/* The k-way merge into out (room already made) over a tournament tree: leaves are the runs,
 * each inner node the winner of its two children, so the next bar costs log2(k) comparisons. */
static void merge(run *runs, size_t nruns, int32_t *w, size_t leaves, tb_bar_vec *out)
{
    for (size_t i = 0; i < leaves; i++) {
        int live = i < nruns && runs[i].f->n;
        if (live) set_key(&runs[i]);
        w[leaves + i] = live ? (int32_t)i : -1;
    }
    for (size_t n = leaves - 1; n >= 1; n--) w[n] = winner(runs, w[2 * n], w[2 * n + 1]);
    while (w[1] >= 0) {
        int32_t k = w[1];
        run *r = &runs[k];
        size_t i = at(r);
        tb_csv_file_bar(r->f, i, r->gsym[r->f->sym[i]], &out->v[out->n++]);
        if (++r->pos == r->f->n)
            w[leaves + (size_t)k] = -1;
        else
            set_key(r);
        for (size_t n = (leaves + (size_t)k) / 2; n >= 1; n /= 2)
            w[n] = winner(runs, w[2 * n], w[2 * n + 1]);
    }
}

static int load_files(const char *dir, char **names, size_t n, const tb_csv_dir_opts *o,
                      tb_csv_file *files, run *runs, tb_symtab *syms, tb_err *e)
{
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (tb_csv_file_load(path, NULL, o->cache, &files[i], e) != 0) return -1;
        if (o->on_file) o->on_file(o->ud, path, &files[i]);
        runs[i].f = &files[i];
        if (map_symbols(&runs[i], syms, path, e) != 0) return -1;
    }
    return 0;
}

int tb_csv_dir_load(const char *dir, const tb_csv_dir_opts *o, tb_symtab *syms, tb_bar_vec *out,
                    tb_err *e)
{
    static const tb_csv_dir_opts none = {0};
    o = o ? o : &none;
    size_t n;
    char **names = list_csv(dir, &n, e);
    if (!names) return -1;
    size_t leaves = 1;
    while (leaves < n) leaves *= 2;
    tb_csv_file *files = calloc(n, sizeof *files);
    run *runs = calloc(n, sizeof *runs);
    int32_t *tree = calloc(2 * leaves, sizeof *tree);
    int rc = files && runs && tree ? 0 : tb_errf(e, "--data %s: out of memory", dir);
    if (rc == 0) rc = load_files(dir, names, n, o, files, runs, syms, e);
    size_t total = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) total += files[i].n;
    if (rc == 0) rc = tb_bar_vec_reserve(out, out->n + total + 1, e);
    if (rc == 0) merge(runs, n, tree, leaves, out);
    for (size_t i = 0; i < n; i++) {
        if (files) tb_csv_file_free(&files[i]);
        if (runs) free(runs[i].gsym), free(runs[i].order);
        free(names[i]);
    }
    free(names), free(files), free(runs), free(tree);
    return rc;
}
