/* ind_stale.c - flag symbols whose bars or indicator values stop changing. */
#include "ind/ind_stale.h"

#include <math.h>
#include <stdint.h>
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
    /* Bit for bit, as memcmp would, without a library call per side per bar (this runs for
     * every symbol on every bar). */
    int any_nan = 0, differ = n != *nlast;
    for (int i = 0; i < n; i++) {
        uint64_t a, b;
        memcpy(&a, &last[i], sizeof a);
        memcpy(&b, &x[i], sizeof b);
        any_nan |= isnan(x[i]);
        differ |= a != b;
        last[i] = x[i];
    }
    int same = n > 0 && !any_nan && !differ;
    *nlast = n;
    return same ? prev_run + 1 : 0;
}

int ind_stale_check(ind_stale *s, const double *bar, int nbar, const double *val, int nval)
{
#ifdef __SSE2__
    if (nbar == 5 && nval == 4) return ind_stale_check_5_4(s, bar, val);
#endif
    s->bar_run = run(s->bar_run, s->bar, &s->nbar, bar, nbar);
    s->val_run = run(s->val_run, s->val, &s->nval, val, nval);
    return ind_stale_flags(s);
}
