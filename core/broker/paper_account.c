/*
 * paper_account.c - the paper account: cash, equity and buying power from sums of market value
 * kept as prices and positions change, checked against a full sum at every fill.
 */
#include "broker/paper.h"

#include "broker/paper_priv.h"
#include "log/log.h"

/* The kept sums equal a full sum over the symbols; a difference is an ERROR and a count (and the
 * full sums are taken, so one slip does not stay). */
void paper_check_sums(paper *p)
{
    tb_money sum = 0, gross = 0;
    for (uint32_t i = 0; i < p->nsyms; i++) {
        tb_money mv = paper_market_value(&p->syms[i]);
        sum += mv;
        gross += mv < 0 ? -mv : mv;
    }
    if (sum == p->mv_sum && gross == p->mv_gross) return;
    p->invariant_violations++;
    TB_ERROR("paper", "INVARIANT VIOLATED: paper_account_sums: kept %lld/%lld, full %lld/%lld",
             (long long)p->mv_sum, (long long)p->mv_gross, (long long)sum, (long long)gross);
    p->mv_sum = sum, p->mv_gross = gross;
}

uint64_t paper_invariant_violations(const paper *p)
{
    return p->invariant_violations;
}

broker_account paper_account(const paper *p)
{
    broker_account a = {BROKER_HAS_CASH | BROKER_HAS_EQUITY | BROKER_HAS_BUYING_POWER, p->cash,
                        p->cash + p->mv_sum, 0};
    a.buying_power = p->cfg.margin == PAPER_CASH ? p->cash : 2 * a.equity - p->mv_gross;
    if (a.buying_power < 0) a.buying_power = 0;
    return a;
}

tb_money paper_reserved(paper *p)
{
    tb_money r = 0;
    for (uint32_t i = paper_live_from(p); i < p->norders; i++) {
        const porder *o = &p->orders[i];
        if (!o->live || o->leg != OMS_LEG_NONE) continue;
        tb_money px = o->limit ? o->limit : o->stop ? o->stop : p->syms[o->sym].last;
        r += px * (o->qty - o->filled);
    }
    return r;
}
