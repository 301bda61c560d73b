/* ind_stale.c - flag symbols whose bars or indicator values stop changing. */
#include "ind/ind_stale.h"

#include <math.h>
#include <string.h>

void ind_stale_init(ind_stale *s, int cycles)
{
    memset(s, 0, sizeof *s);
    s->cycles = cycles < 1 ? 1 : cycles;
}

/* Run length after this call: +1 when identical to last time, else 0. */
static int run(int prev_run, double *last, int *nlast, const double *x, int n)
{
    if (n > IND_STALE_MAX) n = IND_STALE_MAX;
    int any_nan = 0;
    for (int i = 0; i < n; i++) any_nan |= isnan(x[i]);
    int same = n > 0 && n == *nlast && !any_nan && memcmp(last, x, sizeof(double) * n) == 0;
    memcpy(last, x, sizeof(double) * n);
    *nlast = n;
    return same ? prev_run + 1 : 0;
}

int ind_stale_check(ind_stale *s, const double *bar, int nbar, const double *val, int nval)
{
    s->bar_run = run(s->bar_run, s->bar, &s->nbar, bar, nbar);
    s->val_run = run(s->val_run, s->val, &s->nval, val, nval);
    int flags = (s->bar_run >= s->cycles ? IND_STALE_BARS : 0) |
                (s->val_run >= s->cycles ? IND_STALE_VALUES : 0);
    if (flags && !s->flags) s->episodes++;
    if (flags) s->stale_bars++;
    s->flags = flags;
    return flags;
}
