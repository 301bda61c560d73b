#include "cand/snapshot.h"

#include <stdio.h>
#include <string.h>

double tb_cand_snap_price(const pg_snap *s, int open, const char **which)
{
    const char *w = NULL;
    double p = 0;
    if (open && s->day.present)
        p = s->day.o, w = "day.o";
    else if (s->min.present)
        p = s->min.c, w = "min.c";
    else if (s->has_trade)
        p = s->trade_p, w = "lastTrade.p";
    if (which) *which = w;
    return p;
}

int tb_cand_apply_snap(tb_cand *c, const pg_snap *s, int open)
{
    double p = tb_cand_snap_price(s, open, NULL);
    if (p <= 0 || !s->prev_day.present) return -1;
    c->price = p;
    c->prev_close = s->prev_day.c;
    c->gap_pct = (p / c->prev_close - 1) * 100;
    return 0;
}

int tb_cand_from_snap(tb_cand *c, const pg_snap *s, int open)
{
    tb_cand n = {0};
    if (tb_cand_apply_snap(&n, s, open) != 0) return -1;
    snprintf(n.symbol, sizeof n.symbol, "%s", s->ticker);
    n.rel_volume = 1; /* one session: nothing to compare its volume with */
    n.atr_pct = (s->prev_day.h - s->prev_day.l) / s->prev_day.c * 100;
    n.dollar_volume = s->prev_day.c * s->prev_day.v;
    n.sessions = 1;
    *c = n;
    return 0;
}
