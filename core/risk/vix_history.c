#include "risk/vix_history.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int push(tb_vix_history *h, tb_date d, double open, double close, tb_err *e)
{
    if (h->n == h->cap) {
        int cap = h->cap ? h->cap * 2 : 256;
        tb_vix_day *v = realloc(h->v, (size_t)cap * sizeof *v);
        if (!v) return tb_errf(e, "vix history: out of memory");
        h->v = v, h->cap = cap;
    }
    h->v[h->n++] = (tb_vix_day){d, open, close};
    return 0;
}

static int by_date(const void *a, const void *b)
{
    tb_date x = ((const tb_vix_day *)a)->date, y = ((const tb_vix_day *)b)->date;
    return (x > y) - (x < y);
}

int tb_vix_history_sample(const tb_sample_cfg *sc, tb_vix_history *h, tb_err *e)
{
    tb_sample_cfg c = *sc;
    c.with_vix = 1;
    tb_symtab syms;
    tb_bar_vec min = {0}, vd = {0};
    tb_symtab_init(&syms);
    int rc = tb_sample_generate(&c, &syms, &min, &vd, e);
    for (size_t i = 0; rc == 0 && i < vd.n; i++)
        rc = push(h, tb_cal_session_day(vd.v[i].start_ns), vd.v[i].open, vd.v[i].close, e);
    tb_bar_vec_free(&min);
    tb_bar_vec_free(&vd);
    tb_symtab_free(&syms);
    return rc;
}

static int number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    while (*end == ' ' || *end == '\r' || *end == '\n') end++;
    return end != s && !*end && errno == 0 && isfinite(*out) && *out >= 0 && *out <= 1000 ? 0 : -1;
}

/* "MM/DD/YYYY,OPEN,HIGH,LOW,CLOSE" or "YYYY-MM-DD,CLOSE". */
static int parse_row(char *line, tb_date *d, double *open, double *close)
{
    char *f[8];
    int n = 0;
    for (char *tok = strtok(line, ","); tok && n < 8; tok = strtok(NULL, ",")) f[n++] = tok;
    int y, m, dd;
    tb_err e;
    if (n < 2) return -1;
    if (sscanf(f[0], "%d/%d/%d", &m, &dd, &y) == 3) {
        if (m < 1 || m > 12 || dd < 1 || dd > 31) return -1;
        *d = tb_date_from_ymd(y, m, dd);
    } else if (tb_date_parse(f[0], d, &e) != 0) {
        return -1;
    }
    if (number(f[n - 1], close) != 0) return -1;
    if (n < 5)
        *open = *close;
    else if (number(f[1], open) != 0)
        return -1;
    return 0;
}

int tb_vix_history_csv(const char *path, tb_vix_history *h, tb_err *e)
{
    FILE *f = fopen(path, "r");
    if (!f) return tb_errf(e, "%s: %s", path, strerror(errno));
    char line[512];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] < '0' || line[0] > '9') continue; /* the header, blank lines */
        tb_date d;
        double o, c;
        if (parse_row(line, &d, &o, &c) != 0)
            rc = tb_errf(e, "%s:%d: not a VIX row (date,close or DATE,OPEN,HIGH,LOW,CLOSE)", path,
                         lineno);
        else
            rc = push(h, d, o, c, e);
    }
    fclose(f);
    if (rc == 0 && h->n == 0) rc = tb_errf(e, "%s: no data rows", path);
    if (rc == 0) qsort(h->v, (size_t)h->n, sizeof *h->v, by_date);
    return rc;
}

int tb_vix_history_at(const tb_vix_history *h, tb_date d, double *vix, tb_date *asof)
{
    int lo = 0, hi = h->n; /* first day >= d */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (h->v[mid].date < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0) {
        *vix = h->v[lo - 1].close, *asof = h->v[lo - 1].date;
        return 0;
    }
    if (lo < h->n && h->v[lo].date == d) {
        *vix = h->v[lo].open, *asof = d;
        return 0;
    }
    return -1;
}

void tb_vix_history_free(tb_vix_history *h)
{
    free(h->v);
    *h = (tb_vix_history){0};
}
