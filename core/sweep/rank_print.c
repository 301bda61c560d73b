/*
 * rank_print.c - `tradebot sweep report`'s ranking on stdout (rank.h). The out-of-sample
 * result, when the sweep has one, is the first figure printed: an in-sample ranking alone
 * flatters every optimiser.
 */
#include "sweep/rank.h"

#include <math.h>
#include <stdio.h>

static void num(FILE *f, double x, int width)
{
    if (isnan(x))
        fprintf(f, " %*s", width, "-");
    else
        fprintf(f, " %*.4f", width, x);
}

static void header(const tb_sweep_view *v, FILE *f)
{
    fprintf(f, "sweep of %s: %zu sets x %d segments = %zu tasks, sessions %s .. %s (%d)\n",
            v->strategy, v->nsets, v->nseg, v->ntasks, v->first, v->last, v->sessions);
    if (v->missing)
        fprintf(f, "INCOMPLETE: %zu of %zu tasks have no result (merge every shard)\n", v->missing,
                v->ntasks);
}

static void windows(const tb_sweep_view *v, FILE *f)
{
    const char *m = v->metric->name;
    fprintf(f,
            "walk-forward OUT-OF-SAMPLE (%d windows, train %d / test %d sessions): mean %s %.4f, "
            "P&L %.2f\n",
            v->nwin, v->wf_train, v->wf_test, m, v->wf_oos, v->wf_oos_pnl);
    fprintf(f, "in sample (the same choices on their train segments): mean %s %.4f\n", m, v->wf_is);
    for (int k = 0; k < v->nwin; k++) {
        const tb_sweep_window *w = &v->win[k];
        const tb_sweep_seg *tr = &v->seg[w->train_seg], *te = &v->seg[w->test_seg];
        char buf[512] = "-";
        if (w->chosen >= 0) tb_sweep_set_text(v, (size_t)w->chosen, buf, sizeof buf);
        fprintf(f,
                "  window %d: train %s..%s chose set %ld (%s %.4f) -> test %s..%s %s %.4f P&L "
                "%.2f  [%s]\n",
                k, tr->from, tr->to, w->chosen, m, w->is, te->from, te->to, m, w->oos, w->oos_pnl,
                buf);
    }
}

void tb_sweep_print(const tb_sweep_view *v, FILE *f)
{
    int wf = v->wf_train > 0;
    header(v, f);
    if (wf)
        windows(v, f);
    else
        fprintf(f, "no walk-forward: every figure below is in sample (the sets are ranked on the "
                   "data they are scored on)\n");
    fprintf(f, "ranked by %s%s (%s); the other columns: %s\n", wf ? "mean in-sample " : "",
            v->metric->name, v->metric->what,
            wf ? "means over the test segments" : "the whole period");
    fprintf(f, "%4s %5s", "rank", "set");
    if (wf) fprintf(f, " %12s", "oos");
    fprintf(f, " %12s", wf ? "is" : v->metric->name);
    for (int c = 0; c < TB_SWEEP_NCOLS; c++)
        if (c != v->col) fprintf(f, " %12.12s", tb_sweep_cols[c]);
    fprintf(f, "  params\n");
    for (size_t i = 0; i < v->nsets; i++) {
        size_t s = v->order[i];
        char buf[512];
        fprintf(f, "%4zu %5zu", i + 1, s);
        if (wf) num(f, v->oos[s], 12);
        num(f, v->is[s], 12);
        for (int c = 0; c < TB_SWEEP_NCOLS; c++) /* the whole period, or the test segments */
            if (c != v->col) {
                double sum = 0;
                int n = 0;
                for (int g = 0; g < v->nseg; g++)
                    if (v->seg[g].kind != TB_SEG_TRAIN) sum += tb_sweep_value(v, s, g, c), n++;
                num(f, n ? sum / n : NAN, 12);
            }
        fprintf(f, "  %s\n", tb_sweep_set_text(v, s, buf, sizeof buf));
    }
    if (v->best >= 0) {
        char buf[512];
        fprintf(f, "proposed: set %ld (%s) %s\n", v->best,
                wf ? "chosen on the last train window" : "rank 1",
                tb_sweep_set_text(v, (size_t)v->best, buf, sizeof buf));
    }
}
