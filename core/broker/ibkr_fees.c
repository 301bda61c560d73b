/*
 * ibkr_fees.c - IB commissions reach the fills. COMMISSION_REPORT (59) names only the execId:
 * the last IBK_FEES executions are remembered with the order they belong to, so a commission
 * after its fill updates the stored fill, the order and the positions (oms_on_commission), and
 * one that comes before its execution is matched is kept and travels with the execution.
 * Replays (reqExecutions after a reconnect or a restart) send the same figures again: the OMS
 * applies a commission once.
 */
#include "broker/ibkr_priv.h"
#include "log/log.h"

#include <string.h>

static ibk_fee *fee_find(ibkr *a, const char *exec_id)
{
    for (int i = 0; i < IBK_FEES; i++)
        if (a->fees[i].exec_id[0] && strcmp(a->fees[i].exec_id, exec_id) == 0) return &a->fees[i];
    return NULL;
}

static ibk_fee *fee_slot(ibkr *a, const char *exec_id)
{
    ibk_fee *f = fee_find(a, exec_id);
    if (f) return f;
    f = &a->fees[a->fees_next++ % IBK_FEES];
    memset(f, 0, sizeof *f);
    oms_strlcpy(f->exec_id, exec_id, sizeof f->exec_id);
    return f;
}

int ibk_fee_exec(ibkr *a, const char *exec_id, const char *cid, tb_money *fee)
{
    ibk_fee *f = fee_slot(a, exec_id);
    oms_strlcpy(f->cid, cid, sizeof f->cid);
    if (f->has_fee) *fee = f->fee;
    return f->has_fee;
}

void ibk_fee_report(ibkr *a, const char *exec_id, tb_money fee)
{
    ibk_fee *f = fee_slot(a, exec_id);
    f->fee = fee, f->has_fee = 1;
    if (!f->cid[0]) return; /* its execution has not come (or is not ours): kept for it */
    tb_err e;
    int rc = oms_on_commission(a->o.oms, f->cid, exec_id, fee, &e);
    if (rc < 0)
        TB_WARN("ibkr", "commission %s of %s not applied: %s", exec_id, f->cid, e.msg);
    else if (rc == 1)
        TB_WARN("ibkr",
                "commission %s of %s: the fill is not stored yet (applied with the next "
                "executions replay)",
                exec_id, f->cid);
    else
        a->st.fees_applied++;
}
