/*
 * report_html.h - `tradebot sweep report`'s HTML page: the out-of-sample result first (with
 * walk-forward), the heatmap of the metric over two params (out of sample and in sample), in
 * sample against out of sample per set, the best sets' equity curves and the ranking. One
 * self-contained file; nothing in it is fetched from the network.
 */
#ifndef TB_SWEEP_REPORT_HTML_H
#define TB_SWEEP_REPORT_HTML_H

#include "sweep/rank.h"
#include "util/sbuf.h"

/* Writes the page for the ranked view v to path, atomically. */
int tb_sweep_write_html(const tb_sweep_view *v, const char *path, tb_err *e);

/* Parts of the page (report_charts.c). */
void tb_sweep_html_scatter(tb_sbuf *o, const tb_sweep_view *v);
void tb_sweep_html_curves(tb_sbuf *o, const tb_sweep_view *v);
void tb_sweep_html_table(tb_sbuf *o, const tb_sweep_view *v, size_t max_rows);

#endif
