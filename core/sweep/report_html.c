/*
 * report_html.c - `tradebot sweep report`'s HTML page (report_html.h): one self-contained file
 * (inline CSS and SVG, no script, nothing fetched), the backtest report's style sheet.
 */
#include "sweep/report_html.h"
#include "trade/report_html.h"
#include "util/atomic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W        960
#define CHART_H  260
#define MAX_ROWS 500 /* ranking rows on the page; the terminal ranking has them all */

static void esc(tb_sbuf *o, const char *s)
{
    tb_report_html_esc(o, s);
}

/* "from .. to": dates read from the results file, which may come from anywhere (a shard). */
static void span(tb_sbuf *o, const char *from, const char *to)
{
    esc(o, from);
    tb_sbuf_puts(o, " .. ");
    esc(o, to);
}

static void numcell(tb_sbuf *o, double x)
{
    if (isnan(x))
        tb_sbuf_puts(o, "<td>-</td>");
    else
        tb_sbuf_printf(o, "<td class=\"%s\">%.4f</td>", x < 0 ? "neg" : x > 0 ? "pos" : "", x);
}

static void headline(tb_sbuf *o, const tb_sweep_view *v)
{
    const char *m = v->metric->name;
    tb_sbuf_puts(o, "<h1>tradebot sweep: ");
    esc(o, v->strategy);
    tb_sbuf_puts(o, "</h1>\n<p id=\"period\">Sessions <b>");
    span(o, v->first, v->last);
    tb_sbuf_printf(o, "</b> (%d); %zu sets x %d segments = %zu tasks; ranked by <b>%s</b> (",
                   v->sessions, v->nsets, v->nseg, v->ntasks, m);
    esc(o, v->metric->what);
    tb_sbuf_puts(o, ").</p>\n");
    if (v->missing)
        tb_sbuf_printf(o,
                       "<p class=\"neg\" id=\"incomplete\">Incomplete: %zu of %zu tasks have no "
                       "result.</p>\n",
                       v->missing, v->ntasks);
    if (v->wf_train <= 0) {
        tb_sbuf_puts(o, "<p class=\"note\" id=\"in-sample-only\">No walk-forward split: every "
                        "figure here is in sample (the sets are ranked on the data they are "
                        "scored on), so the best one is flattered.</p>\n");
        return;
    }
    tb_sbuf_printf(o,
                   "<h2 id=\"oos\">Out of sample (walk-forward)</h2><p id=\"oos-figure\">Mean "
                   "%s on the test windows, with the set chosen on each train window: "
                   "<b>%.4f</b>; P&amp;L over the test windows <b>%.2f</b>.</p>\n"
                   "<p id=\"is-figure\">In sample, the same choices on their train windows: "
                   "mean %s %.4f.</p>\n<table id=\"windows\"><tr><th>window</th><th>train</th>"
                   "<th>chosen set</th><th>in sample</th><th>test</th><th>out of sample</th>"
                   "<th>test P&amp;L</th></tr>",
                   m, v->wf_oos, v->wf_oos_pnl, m, v->wf_is);
    for (int k = 0; k < v->nwin; k++) {
        const tb_sweep_window *w = &v->win[k];
        char buf[512] = "-";
        if (w->chosen >= 0) tb_sweep_set_text(v, (size_t)w->chosen, buf, sizeof buf);
        tb_sbuf_printf(o, "<tr><td>%d</td><td>", k);
        span(o, v->seg[w->train_seg].from, v->seg[w->train_seg].to);
        tb_sbuf_printf(o, "</td><td>%ld: ", w->chosen);
        esc(o, buf);
        tb_sbuf_puts(o, "</td>");
        numcell(o, w->is);
        tb_sbuf_puts(o, "<td>");
        span(o, v->seg[w->test_seg].from, v->seg[w->test_seg].to);
        tb_sbuf_puts(o, "</td>");
        numcell(o, w->oos);
        numcell(o, w->oos_pnl);
        tb_sbuf_puts(o, "</tr>");
    }
    tb_sbuf_puts(o, "</table>\n");
}

/* Red (worst) through yellow to green (best). */
static void colour(tb_sbuf *o, double t)
{
    static const int c[3][3] = {{215, 48, 39}, {254, 224, 139}, {26, 152, 80}};
    int k = t < 0.5 ? 0 : 1;
    double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
    tb_sbuf_printf(o, "rgb(%d,%d,%d)", (int)(c[k][0] + u * (c[k + 1][0] - c[k][0])),
                   (int)(c[k][1] + u * (c[k + 1][1] - c[k][1])),
                   (int)(c[k][2] + u * (c[k + 1][2] - c[k][2])));
}

static int cmp_json(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    if (json_is_number(x) && json_is_number(y))
        return (json_number_value(x) > json_number_value(y)) -
               (json_number_value(x) < json_number_value(y));
    char *p = json_dumps(x, JSON_ENCODE_ANY), *q = json_dumps(y, JSON_ENCODE_ANY);
    int r = strcmp(p ? p : "", q ? q : "");
    free(p), free(q);
    return r;
}

/* The distinct values of param across sets, sorted (borrowed references). */
static size_t axis(const tb_sweep_view *v, const char *param, json_t **out, size_t cap)
{
    size_t n = 0;
    for (size_t s = 0; s < v->nsets; s++) {
        json_t *x = json_object_get(v->sets[s], param);
        size_t i = 0;
        while (i < n && !json_equal(out[i], x)) i++;
        if (i == n && n < cap && x) out[n++] = x;
    }
    qsort(out, n, sizeof *out, cmp_json);
    return n;
}

static size_t index_of(json_t **ax, size_t n, json_t *x)
{
    for (size_t i = 0; i < n; i++)
        if (json_equal(ax[i], x)) return i;
    return n;
}

static void label(tb_sbuf *o, json_t *x)
{
    char *t = json_dumps(x, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
    esc(o, t ? t : "?");
    free(t);
}

/* One heatmap: each cell the best value of fig among the sets with that pair of values. */
static void heatmap(tb_sbuf *o, const tb_sweep_view *v, const double *fig, const char *id,
                    const char *title)
{
    json_t *xs[64], *ys[64];
    size_t nx = axis(v, v->heat_x, xs, 64), ny = axis(v, v->heat_y, ys, 64);
    double *cell = malloc(nx * ny * sizeof *cell + 1), lo = INFINITY, hi = -INFINITY;
    if (!cell || !nx || !ny) return free(cell);
    for (size_t i = 0; i < nx * ny; i++) cell[i] = NAN;
    for (size_t s = 0; s < v->nsets; s++) {
        size_t x = index_of(xs, nx, json_object_get(v->sets[s], v->heat_x));
        size_t y = index_of(ys, ny, json_object_get(v->sets[s], v->heat_y));
        if (x < nx && y < ny && tb_sweep_better(v, fig[s], cell[y * nx + x]))
            cell[y * nx + x] = fig[s];
    }
    for (size_t i = 0; i < nx * ny; i++)
        if (!isnan(cell[i])) lo = fmin(lo, cell[i]), hi = fmax(hi, cell[i]);
    int cw = (int)fmin(90, (W - 140) / (double)nx), ch = 26;
    tb_sbuf_printf(o, "<h2 id=\"%s\">", id);
    esc(o, title);
    tb_sbuf_printf(o, "</h2>\n<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">",
                   (int)fmax(620, 140 + cw * (double)nx), 40 + ch * ((int)ny + 1), id);
    for (size_t y = 0; y < ny; y++) {
        tb_sbuf_printf(o, "<text x=\"4\" y=\"%zu\" font-size=\"11\">", 40 + ch * y + 17);
        esc(o, v->heat_y);
        tb_sbuf_puts(o, "=");
        label(o, ys[y]);
        tb_sbuf_puts(o, "</text>");
        for (size_t x = 0; x < nx; x++) {
            double c = cell[y * nx + x];
            double t = isnan(c) || !(hi > lo) ? 0.5 : (c - lo) / (hi - lo);
            if (v->metric->lower_is_better) t = 1 - t;
            tb_sbuf_printf(o,
                           "<rect class=\"cell\" x=\"%zu\" y=\"%zu\" width=\"%d\" height=\"%d\" "
                           "fill=\"",
                           140 + cw * x, 40 + ch * y, cw - 1, ch - 1);
            if (isnan(c))
                tb_sbuf_puts(o, "#eee");
            else
                colour(o, t);
            tb_sbuf_printf(o, "\"/><text x=\"%zu\" y=\"%zu\" font-size=\"10\">", 140 + cw * x + 3,
                           40 + ch * y + 17);
            if (isnan(c))
                tb_sbuf_puts(o, "-");
            else
                tb_sbuf_printf(o, "%.3f", c);
            tb_sbuf_puts(o, "</text>");
        }
    }
    for (size_t x = 0; x < nx; x++) {
        tb_sbuf_printf(o, "<text x=\"%zu\" y=\"%zu\" font-size=\"11\">", 140 + cw * x + 3,
                       40 + ch * ny + 16);
        label(o, xs[x]);
        tb_sbuf_puts(o, "</text>");
    }
    tb_sbuf_puts(o, "<text x=\"140\" y=\"24\" font-size=\"12\">columns: ");
    esc(o, v->heat_x);
    tb_sbuf_puts(o, " (best of the other params in each cell)</text></svg>\n");
    free(cell);
}

int tb_sweep_write_html(const tb_sweep_view *v, const char *path, tb_err *e)
{
    tb_sbuf o = {0};
    tb_sbuf_printf(&o,
                   "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
                   "tradebot sweep</title><style>%s.cell{stroke:#fff}</style></head><body>\n",
                   tb_report_html_style);
    headline(&o, v);
    int wf = v->wf_train > 0;
    if (v->heat_x[0] && v->heat_y[0]) {
        if (wf) heatmap(&o, v, v->oos, "heatmap-oos", "Heatmap, out of sample (test windows)");
        heatmap(&o, v, v->is, "heatmap",
                wf ? "Heatmap, in sample (train windows)" : "Heatmap, in sample (whole period)");
    }
    if (wf) tb_sweep_html_scatter(&o, v);
    tb_sweep_html_curves(&o, v);
    tb_sweep_html_table(&o, v, MAX_ROWS);
    tb_sbuf_puts(&o, "</body></html>\n");
    int rc = o.oom ? tb_errf(e, "%s: out of memory building the report", path)
                   : tb_atomic_write(path, o.s, o.len, 0644, e);
    tb_sbuf_free(&o);
    return rc;
}
