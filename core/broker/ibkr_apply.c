/* Messages from the Gateway applied to our orders: statuses, open orders, executions, errors. */
#include "broker/ibkr_priv.h"
#include "log/log.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>

/* Our order for an IB message: by orderRef first (survives restarts and client ids), then id. */
static const oms_order *our_order(ibkr *a, const char *ref, int64_t order_id)
{
    const oms_order *o = ref && ref[0] ? oms_find(a->o.oms, ref) : NULL;
    if (!o) {
        const char *cid = ibk_map_cid(a, order_id);
        if (cid) o = oms_find(a->o.oms, cid);
    }
    /* A replaced order's messages (replays by its old orderRef) must not take back the id. */
    int gone = o && (o->status == OMS_ST_REPLACED || o->status == OMS_ST_PENDING_REPLACE);
    if (o && order_id > 0 && !gone) {
        ibk_map_put(a, order_id, o->client_id);
        if (a->conn) ibkr_conn_note_order_id(a->conn, order_id);
    }
    return o;
}

/* The OMS status for an IB status string; -1: nothing to apply (executions drive fills). */
static int status_of(const oms *m, const oms_order *o, const char *s)
{
    if (!strcmp(s, "Cancelled") || !strcmp(s, "ApiCancelled")) return OMS_ST_CANCELED;
    if (!strcmp(s, "PreSubmitted")) {
        /* Also what IB shows for a working simulated stop: a leg is held only until its
         * parent has filled. */
        const oms_order *p = o->leg != OMS_LEG_NONE ? oms_find(m, o->parent_id) : NULL;
        return o->status == OMS_ST_HELD && p && p->status != OMS_ST_FILLED ? -1 : OMS_ST_ACCEPTED;
    }
    if (!strcmp(s, "Submitted")) return OMS_ST_ACCEPTED;
    return -1; /* PendingSubmit, PendingCancel, Filled, Inactive: nothing new on their own */
}

static void apply_status(ibkr *a, const oms_order *o, const ibkr_status *s)
{
    int64_t order_id = s->order_id;
    int st = status_of(a->o.oms, o, s->status);
    if (st < 0 || oms_status_is_terminal(o->status)) return;
    if (st == OMS_ST_ACCEPTED && (o->status == OMS_ST_PENDING_CANCEL || o->filled_qty > 0)) {
        if (!o->broker_id[0]) ibk_update(a, o->client_id, order_id, o->status, NULL);
        return;
    }
    if (st == OMS_ST_CANCELED && o->filled_qty >= o->qty) return;
    if (st == OMS_ST_ACCEPTED) ibk_replace_done(a, o);
    /* IB's filled count (from the replaced order's base, as executions are) lets the order
     * manager wait for executions a Cancelled overtook. */
    tb_qty cum = s->filled - (o->replaces_id[0] ? ibk_map_base(a, order_id) : 0);
    ibk_update_cum(a, o->client_id, order_id, (oms_status)st,
                   st == OMS_ST_CANCELED ? "cancelled at IB" : NULL, cum > 0 ? cum : 0);
}

static void on_status(ibkr *a, const tws_frame *f)
{
    ibkr_status s;
    tb_err e;
    if (ibkr_dec_status(f, &s, &e) != 0) {
        TB_WARN("ibkr", "orderStatus ignored: %s", e.msg);
        return;
    }
    const oms_order *o = our_order(a, NULL, s.order_id);
    if (o) ibk_unknown_adopt(a, o, s.order_id, s.status);
    if (o) apply_status(a, o, &s);
}

static void on_open(ibkr *a, const tws_frame *f)
{
    ibkr_open m;
    tb_err e;
    if (ibkr_dec_open(f, &m, &e) != 0) {
        TB_WARN("ibkr", "openOrder ignored: %s", e.msg);
        return;
    }
    const oms_order *o = our_order(a, m.order_ref, m.order_id);
    if (!o) {
        a->st.foreign++;
        if (a->syncing) { /* IB's open-order list: every order it shows is working */
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)m.order_id);
            reconcile_foreign_open(&a->round, m.order_ref, id);
        }
        return;
    }
    ibk_unknown_adopt(a, o, m.order_id, m.status);
    if (a->syncing) reconcile_saw(&a->round, o->client_id);
    ibkr_status st = {.order_id = m.order_id}; /* openOrder carries no filled count */
    snprintf(st.status, sizeof st.status, "%s", m.status);
    apply_status(a, o, &st);
}

static void on_exec(ibkr *a, const tws_frame *f)
{
    ibkr_exec x;
    tb_err e;
    if (ibkr_dec_exec(f, &x, &e) != 0) {
        TB_WARN("ibkr", "execDetails ignored: %s", e.msg);
        return;
    }
    const oms_order *o = our_order(a, x.order_ref, x.order_id);
    if (!o && reconcile_is_ours(x.order_ref)) {
        /* Our orderRef on an order the order manager does not hold: refused, logged, counted. */
        broker_update u = {.client_id = x.order_ref,
                           .status = OMS_ST_PARTIALLY_FILLED,
                           .has_exec = 1,
                           .exec_id = x.exec_id,
                           .exec_qty = x.shares,
                           .exec_price = x.price,
                           .t_ns = tb_clock_now_ns()};
        if (a->fn) a->fn(a->ud, &u);
    }
    if (!o) {
        a->st.foreign++;
        return;
    }
    ibk_unknown_adopt(a, o, x.order_id, "execution");
    if (x.shares <= 0 || x.price <= 0) return;
    /* After a modification IB's cumulative figures include the old order's shares. */
    tb_qty base = o->replaces_id[0] ? ibk_map_base(a, x.order_id) : 0;
    if (o->replaces_id[0]) ibk_replace_done(a, o);
    uint64_t before = oms_update_errors(a->o.oms);
    tb_qty had = o->filled_qty;
    tb_money fee = 0;
    ibk_fee_exec(a, x.exec_id, o->client_id, &fee); /* a commission that came first */
    char bid[24];
    snprintf(bid, sizeof bid, "%lld", (long long)x.order_id);
    broker_update u = {.client_id = o->client_id,
                       .broker_id = bid,
                       .status =
                           x.cum_qty - base >= o->qty ? OMS_ST_FILLED : OMS_ST_PARTIALLY_FILLED,
                       .has_exec = 1,
                       .exec_id = x.exec_id,
                       .exec_qty = x.shares,
                       .exec_price = x.price,
                       .commission = fee,
                       .cum_qty = x.cum_qty - base,
                       .avg_price = base ? 0 : x.avg_price,
                       .t_ns = tb_clock_now_ns(),
                       .exec_t_ns = x.time_ns};
    if (a->fn) a->fn(a->ud, &u);
    if (o->filled_qty > had)
        a->st.fills++;
    else if (oms_update_errors(a->o.oms) == before)
        a->st.replayed_execs++; /* the same execId again (reqExecutions after a reconnect) */
}

static void on_commission(ibkr *a, const tws_frame *f)
{
    ibkr_commission c;
    tb_err e;
    if (ibkr_dec_commission(f, &c, &e) != 0) {
        TB_WARN("ibkr", "commissionReport ignored: %s", e.msg);
        return;
    }
    a->st.commission += c.commission;
    TB_DEBUG("ibkr", "commission %s: %lld micros", c.exec_id, (long long)c.commission);
    ibk_fee_report(a, c.exec_id, c.commission);
}

static void reject_legs(ibkr *a, const oms_order *parent, const char *why)
{
    char id[OMS_CLIENT_ID_MAX + 8];
    static const char *const sfx[] = {"-tp", "-sl"};
    for (int i = 0; i < 2; i++) {
        snprintf(id, sizeof id, "%s%s", parent->client_id, sfx[i]);
        const oms_order *leg = oms_find(a->o.oms, id);
        if (leg && !oms_status_is_terminal(leg->status))
            ibk_update(a, leg->client_id, 0, OMS_ST_REJECTED, why);
    }
}

static void on_order_error(ibkr *a, const ibkr_error *er, const oms_order *o)
{
    char why[OMS_REASON_MAX + 1];
    snprintf(why, sizeof why, "%lld %s", (long long)er->code, er->text);
    if (er->code == 202) {
        a->st.code_202++;
        if (!oms_status_is_terminal(o->status) && o->filled_qty < o->qty)
            ibk_update(a, o->client_id, er->id, OMS_ST_CANCELED, why);
        return;
    }
    if (er->code == 103) {
        /* The id was used before: this order was not placed. Never resent blindly. */
        a->st.code_103++;
        TB_WARN("ibkr", "103 duplicate order id %lld for %s: asking for ids and resyncing",
                (long long)er->id, o->client_id);
        ibk_update(a, o->client_id, 0, OMS_ST_REJECTED, "103 duplicate order id: not placed");
        tb_sbuf b = {0};
        tb_err e;
        /* A bracket's legs name that id as parent: cancel them; the resync settles them. */
        for (int64_t leg = er->id + 1; o->leg == OMS_LEG_NONE && leg <= er->id + 2; leg++) {
            const char *lc = ibk_map_cid(a, leg);
            const oms_order *lo = lc ? oms_find(a->o.oms, lc) : NULL;
            if (lo && lo->leg != OMS_LEG_NONE && !strcmp(lo->parent_id, o->client_id) &&
                ibkr_enc_cancel(&b, leg, &e) == 0)
                ibkr_conn_send(a->conn, &b);
        }
        if (ibkr_enc_req_ids(&b, &e) == 0) ibkr_conn_send(a->conn, &b);
        tb_sbuf_free(&b);
        ibkr_conn_resync(a->conn);
        return;
    }
    /* 201 (rejected: margin, permissions), 110 (tick), 200 (no security): final, never retried. */
    if (er->code == 201 || er->code == 110 || er->code == 200 || er->code == 203) {
        a->st.code_201 += er->code == 201;
        a->st.rejects++;
        if (oms_status_is_terminal(o->status)) return;
        TB_WARN("ibkr", "order rejected: %s: %s", o->client_id, why);
        if (o->status == OMS_ST_NEW && ibk_replace_failed(a, o, er->id)) {
            ibk_update(a, o->client_id, 0, OMS_ST_REJECTED, why); /* the old order works on */
            return;
        }
        ibk_update(a, o->client_id, er->id, OMS_ST_REJECTED, why);
        if (o->leg == OMS_LEG_NONE) reject_legs(a, o, "parent rejected");
    }
}

static void on_error(ibkr *a, const tws_frame *f)
{
    ibkr_error er;
    tb_err e;
    if (ibkr_dec_error(f, &er, &e) != 0) return;
    if (er.code == 2103 || er.code == 2105 || er.code == 2157) {
        a->farm_broken = 1;
        return;
    }
    if (er.code == 2104 || er.code == 2106 || er.code == 2158) {
        if (a->farm_broken) {
            /* A blip left feeds dead in other engines: subscribe again on every "OK". */
            a->farm_broken = 0;
            a->st.resubscribes++;
            TB_INFO("ibkr", "account data requested again after the farm blip");
            ibk_request_account(a);
        }
        return;
    }
    const oms_order *o = er.id > 0 ? our_order(a, NULL, er.id) : NULL;
    if (o) on_order_error(a, &er, o);
}

static void on_account_value(ibkr *a, const tws_frame *f)
{
    ibkr_acct_value v;
    tb_err e;
    if (ibkr_dec_account_value(f, &v, &e) != 0) return;
    if (!strcmp(v.tag, "NetLiquidation"))
        a->acct.equity = v.value, a->acct.has |= BROKER_HAS_EQUITY;
    else if (!strcmp(v.tag, "TotalCashValue"))
        a->acct.cash = v.value, a->acct.has |= BROKER_HAS_CASH;
    else if (!strcmp(v.tag, "BuyingPower"))
        a->acct.buying_power = v.value, a->acct.has |= BROKER_HAS_BUYING_POWER;
}

void ibk_on_message(void *ud, const tws_frame *f)
{
    ibkr *a = ud;
    int64_t id;
    if (tws_field_int(f, 0, &id) != 0) return;
    switch (id) {
    case 3: on_status(a, f); break;
    case 4: on_error(a, f); break;
    case 5: on_open(a, f); break;
    case 11: on_exec(a, f); break;
    case 59: on_commission(a, f); break;
    case 61: {
        ibkr_position p;
        tb_err e;
        if (ibkr_dec_position(f, &p, &e) == 0) ibk_position_put(a, &p);
        break;
    }
    case 63: on_account_value(a, f); break;
    default: break;
    }
}
