/*
 * trader_restore.c - the trader after a restart: the bar cursor it resumes from, the restored
 * positions its P&L count starts from, and the paper exchange given back its positions and cash
 * (its book of working orders is lost: those orders are canceled).
 */
#include "trade/trader.h"
#include "trade/trader_state.h"
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>

int64_t tb_trader_resume_ns(const tb_trader *t)
{
    return t->resume_ns;
}

void tb_trader_set_resume(tb_trader *t, int64_t ns)
{
    t->resume_ns = ns;
    if (t->bar_ns < ns) t->bar_ns = ns; /* a cursor recorded now must not go back */
}

int64_t tb_trader_bar_ns(const tb_trader *t)
{
    return t->bar_ns;
}

void tb_trader_restored(tb_trader *t)
{
    const oms_position *ps[4096];
    int n = oms_positions(t->oms, ps, 4096);
    if (n > 4096) n = 4096;
    free(t->seeds);
    t->seeds = n > 0 ? calloc((size_t)n, sizeof *t->seeds) : NULL;
    t->nseeds = 0;
    for (int i = 0; t->seeds && i < n; i++)
        if (ps[i]->realized_pnl || ps[i]->fees) t->seeds[t->nseeds++] = *ps[i];
}

int tb_trader_restore_paper(tb_trader *t, tb_money cash, tb_err *e)
{
    const oms_position *ps[4096];
    int n = oms_positions(t->oms, ps, 4096);
    for (int i = 0; i < n && i < 4096; i++)
        if (ps[i]->qty != 0 && paper_restore_position(t->paper, ps[i], e) != 0) return -1;
    paper_restore_cash(t->paper, cash);
    /* Open orders of every symbol: their client ids first, since canceling changes the lists. */
    int canceled = 0;
    uint32_t nsyms = tb_symtab_count(t->o.syms);
    for (uint32_t id = 0; id < nsyms; id++) {
        const oms_order *open[256];
        int k = oms_open_orders(t->oms, tb_symtab_name(t->o.syms, id), open, 256);
        char ids[256][OMS_CLIENT_ID_MAX + 1];
        for (int j = 0; j < k && j < 256; j++)
            snprintf(ids[j], sizeof ids[j], "%s", open[j]->client_id);
        for (int j = 0; j < k && j < 256; j++) {
            broker_update u = {.client_id = ids[j],
                               .status = OMS_ST_CANCELED,
                               .reason = "engine restarted: the paper exchange lost its book",
                               .t_ns = tb_clock_now_ns()};
            if (oms_on_update(t->oms, &u, e) == 0) canceled++;
        }
    }
    return canceled;
}
