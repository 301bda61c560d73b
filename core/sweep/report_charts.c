/*
 * report_charts.c - the sweep page's scatter, equity curves and ranking table (report_html.h).
 */
#include "sweep/report_html.h"
#include "sweep/task.h"
#include "trade/report_html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W       960
#define H       280
#define NCURVES 21

static const char *const palette[] = {"#2563eb", "#16a34a", "#dc2626", "#9333ea",
                                      "#ea580c", "#0891b2", "#4b5563", "#ca8a04"};

/* In sample (x) against out of sample (y) for every set: points far below the diagonal are
 * sets whose in-sample figure did not carry over. */
void tb_sweep_html_scatter(tb_sbuf *o, const tb_sweep_view *v)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < v->nsets; s++)
        if (!isnan(v->is[s]) && !isnan(v->oos[s]))
            lo = fmin(lo, fmin(v->is[s], v->oos[s])), hi = fmax(hi, fmax(v->is[s], v->oos[s]));
    if (!(hi >= lo)) return;
    if (!(hi > lo)) hi = lo + 1;
    double k = (H - 40) / (hi - lo);
    tb_sbuf_printf(o,
                   "<h2 id=\"is-vs-oos\">In sample against out of sample (mean %s per set)</h2>"
                   "<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"is-vs-oos\">"
                   "<line x1=\"50\" y1=\"%d\" x2=\"%.1f\" y2=\"20\" stroke=\"#bbb\" "
                   "stroke-dasharray=\"4\"/><text x=\"4\" y=\"14\" font-size=\"11\">oos %.3f"
                   "</text><text x=\"4\" y=\"%d\" font-size=\"11\">%.3f</text><text x=\"%d\" "
                   "y=\"%d\" font-size=\"11\">is %.3f</text>",
                   v->metric->name, H + 20, H, H - 20, 50 + (hi - lo) * k, hi, H - 20, lo, H - 40,
                   H - 4, hi);
    for (size_t s = 0; s < v->nsets; s++) {
        if (isnan(v->is[s]) || isnan(v->oos[s])) continue;
        tb_sbuf_printf(o, "<circle class=\"set\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
                       50 + (v->is[s] - lo) * k, H - 20 - (v->oos[s] - lo) * k,
                       (long)s == v->best ? "#dc2626" : "#2563eb");
    }
    tb_sbuf_puts(o, "</svg>\n");
}

typedef struct curve {
    double y[4096];
    const char *day[4096];
    size_t n;
    char name[160];
} curve;

/* Appends a segment's closing equities as P&L carried on from the segments before it, so
 * test windows (each starting from the initial cash) read as one account. */
static void extend(curve *c, const tb_sweep_row *r, double *carry)
{
    double cash = (double)TB_SWEEP_INITIAL_CASH / 1e6, last = cash;
    size_t i;
    json_t *p;
    if (!r->have || !r->ok) return;
    json_array_foreach(r->equity, i, p)
    {
        if (c->n == 4096) break;
        last = json_number_value(json_array_get(p, 1));
        c->day[c->n] = json_string_value(json_array_get(p, 0));
        c->y[c->n++] = cash + *carry + (last - cash);
    }
    *carry += last - cash;
}

static void set_curve(const tb_sweep_view *v, curve *c, long set, int chosen)
{
    double carry = 0;
    c->n = 0;
    for (int g = 0; g < v->nseg; g++) {
        if (v->seg[g].kind == TB_SEG_TRAIN) continue;
        long s = set;
        if (chosen)
            for (int k = 0; k < v->nwin; k++)
                if (v->win[k].test_seg == g) s = v->win[k].chosen;
        if (s >= 0) extend(c, &v->rows[(size_t)s * (size_t)v->nseg + (size_t)g], &carry);
    }
}

static void plot(tb_sbuf *o, curve *cs, int n)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        len = cs[i].n > len ? cs[i].n : len;
        for (size_t k = 0; k < cs[i].n; k++) lo = fmin(lo, cs[i].y[k]), hi = fmax(hi, cs[i].y[k]);
    }
    if (!len) return;
    if (!(hi > lo)) hi = lo + 1;
    double sx = len > 1 ? (W - 80.0) / (double)(len - 1) : 0, sy = (H - 40.0) / (hi - lo);
    tb_sbuf_printf(o,
                   "<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"equity\"><text "
                   "x=\"4\" y=\"14\" font-size=\"11\">%.0f</text><text x=\"4\" y=\"%d\" "
                   "font-size=\"11\">%.0f</text>",
                   W, H, hi, H - 24, lo);
    const curve *ref = &cs[0];
    size_t every = ref->n > 12 ? (ref->n + 11) / 12 : 1;
    for (size_t k = 0; k < ref->n; k += every) {
        /* MM-DD of a YYYY-MM-DD read from the results file: escaped, and never past its end */
        const char *day = ref->day[k] ? ref->day[k] : "";
        tb_sbuf_printf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">", 60 + sx * (double)k,
                       H - 6);
        tb_report_html_esc(o, strlen(day) > 5 ? day + 5 : day);
        tb_sbuf_puts(o, "</text>");
    }
    for (int i = 0; i < n; i++) {
        tb_sbuf_printf(o,
                       "<polyline class=\"curve\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
                       "points=\"",
                       palette[i % 8], i == 0 ? "2" : "1.2");
        for (size_t k = 0; k < cs[i].n; k++)
            tb_sbuf_printf(o, "%.1f,%.1f ", 60 + sx * (double)k, 8 + (hi - cs[i].y[k]) * sy);
        tb_sbuf_puts(o, "\"/>");
    }
    tb_sbuf_puts(o, "</svg>\n<ul>");
    for (int i = 0; i < n; i++) {
        tb_sbuf_printf(o, "<li><span style=\"color:%s\">&#9632;</span> ", palette[i % 8]);
        tb_report_html_esc(o, cs[i].name);
        tb_sbuf_puts(o, "</li>");
    }
    tb_sbuf_puts(o, "</ul>\n");
}

void tb_sweep_html_curves(tb_sbuf *o, const tb_sweep_view *v)
{
    curve *cs = calloc(NCURVES, sizeof *cs);
    int n = 0, wf = v->wf_train > 0;
    if (!cs) return;
    if (wf) {
        set_curve(v, &cs[n], -1, 1);
        snprintf(cs[n++].name, sizeof cs[0].name,
                 "walk-forward: the set chosen on each train "
                 "window");
    }
    for (size_t i = 0; i < v->nsets && i < (size_t)v->top && n < NCURVES; i++) {
        char buf[128];
        set_curve(v, &cs[n], (long)v->order[i], 0);
        snprintf(cs[n++].name, sizeof cs[0].name, "rank %zu, set %zu: %s", i + 1, v->order[i],
                 tb_sweep_set_text(v, v->order[i], buf, sizeof buf));
    }
    tb_sbuf_printf(o, "<h2 id=\"curves\">Equity of the best sets (%s)</h2>\n",
                   wf ? "test windows only, one after another" : "whole period");
    plot(o, cs, n);
    free(cs);
}

void tb_sweep_html_table(tb_sbuf *o, const tb_sweep_view *v, size_t max_rows)
{
    int wf = v->wf_train > 0;
    tb_sbuf_printf(o,
                   "<h2 id=\"ranking\">Ranking (by %s%s)</h2><table id=\"rank-table\"><tr>"
                   "<th>rank</th><th>set</th>%s<th>%s</th><th>params</th></tr>\n",
                   wf ? "mean in-sample " : "", v->metric->name, wf ? "<th>out of sample</th>" : "",
                   wf ? "in sample" : v->metric->name);
    for (size_t i = 0; i < v->nsets && i < max_rows; i++) {
        size_t s = v->order[i];
        char buf[512];
        tb_sbuf_printf(o, "<tr class=\"set\"><td>%zu</td><td>%zu</td>", i + 1, s);
        if (wf) {
            if (isnan(v->oos[s]))
                tb_sbuf_puts(o, "<td>-</td>");
            else
                tb_sbuf_printf(o, "<td>%.4f</td>", v->oos[s]);
        }
        if (isnan(v->is[s]))
            tb_sbuf_puts(o, "<td>-</td>");
        else
            tb_sbuf_printf(o, "<td>%.4f</td>", v->is[s]);
        tb_sbuf_puts(o, "<td>");
        tb_report_html_esc(o, tb_sweep_set_text(v, s, buf, sizeof buf));
        tb_sbuf_puts(o, "</td></tr>\n");
    }
    tb_sbuf_puts(o, "</table>\n");
    if (v->nsets > max_rows)
        tb_sbuf_printf(o, "<p class=\"note\">%zu more sets: see `tradebot sweep report`.</p>\n",
                       v->nsets - max_rows);
}
