#include "cand/snapshot.h"

#include <stdlib.h>
#include <string.h>

static const pg_snap *find_any(const tb_cand_snaps *s, const char *sym)
{
    const pg_snap *x = pg_snap_find(&s->tickers, sym);
    if (!x) x = pg_snap_find(&s->gainers, sym);
    return x ? x : pg_snap_find(&s->losers, sym);
}

static int in_list(const tb_cand *all, int n, const char *sym)
{
    for (int i = 0; i < n; i++)
        if (strcmp(all[i].symbol, sym) == 0) return i;
    return -1;
}

/* Movers of one list: marked when screened already, else added from their snapshot. */
static void add_movers(const pg_snap_vec *v, char tag, int open, tb_cand *all, int *n, int cap,
                       tb_select_info *info)
{
    for (size_t i = 0; i < v->n; i++) {
        int at = in_list(all, *n, v->v[i].ticker);
        if (at >= 0) {
            if (!all[at].mover) all[at].mover = tag;
            continue;
        }
        if (*n == cap || tb_cand_from_snap(&all[*n], &v->v[i], open) != 0) continue;
        all[*n].mover = tag;
        all[*n].priced = 1;
        (*n)++;
        info->movers_added++;
    }
}

int tb_cand_snap_screen(const tb_config *cfg, int open, tb_cand *all, int *n, int cap,
                        tb_select_info *info, tb_err *e)
{
    const char **names = calloc((size_t)*n + 1, sizeof *names);
    if (!names) return tb_errf(e, "out of memory");
    for (int i = 0; i < *n; i++) names[i] = all[i].symbol;
    tb_cand_snaps s;
    int rc = tb_cand_fetch_snaps(cfg, names, *n, &s, e);
    free(names);
    if (rc != 0) return -1;
    for (int i = 0; i < *n; i++) {
        const pg_snap *x = find_any(&s, all[i].symbol);
        if (x && tb_cand_apply_snap(&all[i], x, open) == 0)
            all[i].priced = 1, info->snap_priced++;
        else
            info->snap_missing++;
    }
    add_movers(&s.gainers, 'G', open, all, n, cap, info);
    add_movers(&s.losers, 'L', open, all, n, cap, info);
    const pg_snap_vec *v[3] = {&s.tickers, &s.gainers, &s.losers};
    for (int k = 0; k < 3; k++) {
        if (v[k]->skipped && !info->snap_skipped)
            memcpy(info->snap_why, v[k]->why, sizeof v[k]->why);
        info->snap_skipped += v[k]->skipped;
    }
    tb_cand_snaps_free(&s);
    return 0;
}
