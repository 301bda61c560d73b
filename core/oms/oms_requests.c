/*
 * oms_requests.c - what the order manager asks of the broker: submit (a new order, or a bracket
 * with its two legs), cancel and replace. Each is journaled before it is sent; none is sent while
 * broker updates wait for the database or after the broker is detached.
 */
#include "oms/oms.h"

#include <stdio.h>
#include <string.h>

#include "oms/oms_priv.h"
#include "oms/unknown.h"
#include "util/clock.h"
#include "util/idfmt.h"

/* ---- submit ---- */

static int refuse_detached(const oms *m, const char *what, const char *id, tb_err *e)
{
    if (!m->detached) return 0;
    return tb_errf(e, "oms: %s %s: broker closed (shutting down): not sent", what,
                   id ? id : "(new order)");
}

/* "tb-<strategy>-<symbol>-<day %08d>-<seq>", as snprintf wrote it (util/idfmt.h). The day's
 * part is made once per session day: every order of the day has it. */
static void format_client_id(oms *m, char *out, size_t cap, const char *strategy,
                             const char *symbol, int day, long long seq)
{
    if (!m->day_txt_len || m->day_txt_for != day) {
        tb_idbuf d;
        tb_idbuf_init(&d, m->day_txt, sizeof m->day_txt);
        tb_idbuf_str(&d, "-");
        tb_idbuf_dec(&d, day, 8);
        tb_idbuf_str(&d, "-");
        m->day_txt_len = (uint8_t)d.len;
        m->day_txt_for = day;
    }
    tb_idbuf b;
    tb_idbuf_init(&b, out, cap);
    tb_idbuf_mem(&b, "tb-", 3);
    tb_idbuf_str(&b, strategy);
    tb_idbuf_mem(&b, "-", 1);
    tb_idbuf_str(&b, symbol);
    tb_idbuf_mem(&b, m->day_txt, m->day_txt_len);
    tb_idbuf_dec(&b, seq, 0);
}

/* The bytes an id keeps as they are: letters, digits, '_' and '.'; any other becomes '_'. */
static int id_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

/* src (NULL: "") cut to cap - 1 bytes, each byte kept or made '_', in one pass. */
static void sanitize(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (; src && src[n] && n + 1 < cap; n++) {
        unsigned char c = (unsigned char)src[n];
        dst[n] = id_byte(c) ? (char)c : '_';
    }
    dst[n] = 0;
}

void oms_strategy_key(const char *name, char *out, size_t cap)
{
    sanitize(out, cap < OMS_STRATEGY_MAX + 1 ? cap : OMS_STRATEGY_MAX + 1, name);
}

/* An intent is sent only after its journal row is committed, and only when memory agrees with
 * the broker: with updates still held, the positions strategies saw are not the broker's. Held
 * updates are not retried from here: that would call strategies' on_fill from inside their own
 * on_bar; the retry timer does it between events. */
static int refuse_while_held(oms *m, tb_err *e)
{
    uint32_t waiting = m->held.n - (m->applying_held && m->held.n ? 1 : 0);
    if (!waiting) return 0;
    m->busy_refusals++;
    return tb_errf(e, "database locked: %u broker updates wait to be committed; order not sent",
                   waiting);
}

static void init_leg(oms_order *leg, const oms_order *parent, oms_leg kind)
{
    *leg = *parent;
    snprintf(leg->client_id, sizeof leg->client_id, "%s-%s", parent->client_id,
             kind == OMS_LEG_TAKE_PROFIT ? "tp" : "sl");
    oms_strlcpy(leg->parent_id, parent->client_id, sizeof leg->parent_id);
    leg->leg = kind;
    leg->order_class = OMS_CLASS_SIMPLE;
    leg->side = parent->side == OMS_BUY ? OMS_SELL : OMS_BUY;
    leg->status = OMS_ST_HELD;
    leg->take_profit_limit = leg->stop_loss_stop = leg->stop_loss_limit = 0;
    if (kind == OMS_LEG_TAKE_PROFIT) {
        leg->type = OMS_LIMIT;
        leg->limit_price = parent->take_profit_limit;
        leg->stop_price = 0;
    } else {
        leg->type = parent->stop_loss_limit ? OMS_STOP_LIMIT : OMS_STOP;
        leg->stop_price = parent->stop_loss_stop;
        leg->limit_price = parent->stop_loss_limit;
    }
}

int oms_submit(oms *m, const oms_intent *in, const oms_order **out, tb_err *e)
{
    tb_err local; /* e may be NULL; the broker's refusal is kept as the order's note */
    if (!e) e = &local;
    if (out) *out = NULL;
    if (in->client_id) {
        const oms_order *old = oms_find(m, in->client_id);
        if (old) {
            if (out) *out = old;
            return 1;
        }
        /* Brackets append "-tp"/"-sl" to the parent's id. */
        if (!in->client_id[0] || strlen(in->client_id) > OMS_CLIENT_ID_MAX - 3)
            return tb_errf(e, "oms: client order id must be 1 to %d characters",
                           OMS_CLIENT_ID_MAX - 3);
    }
    if (!in->strategy || !in->strategy[0] || !in->symbol || !in->symbol[0])
        return tb_errf(e, "oms: intent needs a strategy and a symbol");
    if (refuse_detached(m, "submit", in->client_id, e) < 0) return -1;
    if (refuse_while_held(m, e) < 0) return -1;
    if (oms_unknown_refuse(m, in, e) < 0) return -1;
    if (strlen(in->symbol) > OMS_SYMBOL_MAX)
        return tb_errf(e, "oms: symbol \"%s\" longer than %d", in->symbol, OMS_SYMBOL_MAX);
    int32_t sym = oms_sym_get(m, in->symbol, e);
    if (sym < 0) return -1;

    slot *ps = oms_slot_alloc(m, e), *tp = NULL, *sl = NULL;
    if (!ps) return -1;
    oms_order *o = &ps->o;
    int64_t now = tb_clock_now_ns();
    o->seq = m->next_seq;
    o->session_day = m->cfg.session_day;
    oms_strlcpy(o->symbol, in->symbol, sizeof o->symbol);
    sanitize(o->strategy, sizeof o->strategy, in->strategy);
    oms_strlcpy(o->reason, in->reason, sizeof o->reason);
    if (in->client_id)
        oms_strlcpy(o->client_id, in->client_id, sizeof o->client_id);
    else {
        char symclean[OMS_SYMBOL_MAX + 1];
        sanitize(symclean, sizeof symclean, in->symbol);
        format_client_id(m, o->client_id, sizeof o->client_id, o->strategy, symclean,
                         (int)o->session_day, (long long)o->seq);
    }
    o->side = in->side;
    o->type = in->type;
    o->tif = in->tif;
    o->qty = in->qty;
    o->limit_price = in->limit_price;
    o->stop_price = in->stop_price;
    o->order_class = in->order_class;
    o->take_profit_limit = in->take_profit_limit;
    o->stop_loss_stop = in->stop_loss_stop;
    o->stop_loss_limit = in->stop_loss_limit;
    o->status = OMS_ST_NEW;
    o->created_ns = o->updated_ns = now;
    ps->sym = sym;
    const oms_order *batch[3] = {o, NULL, NULL};
    int n = 1;
    if (oms_order_validate(o, e) < 0) goto fail;
    oms_slot_index(m, ps);
    if (o->order_class == OMS_CLASS_BRACKET) {
        if (!(tp = oms_slot_alloc(m, e)) || !(sl = oms_slot_alloc(m, e))) goto fail;
        init_leg(&tp->o, o, OMS_LEG_TAKE_PROFIT);
        init_leg(&sl->o, o, OMS_LEG_STOP_LOSS);
        tp->sym = sl->sym = sym;
        if (oms_order_validate(&tp->o, e) < 0 || oms_order_validate(&sl->o, e) < 0) goto fail;
        oms_slot_index(m, tp);
        oms_slot_index(m, sl);
        batch[n++] = &tp->o;
        batch[n++] = &sl->o;
    }
    int jrc = oms_journal_orders(m, batch, n, e);
    if (jrc == OMS_JOURNAL_BUSY) {
        m->busy_refusals++;
        tb_errf(e, "database locked: intent not journaled, not sent (%s %s %s)", o->client_id,
                oms_side_name(o->side), o->symbol);
    }
    if (jrc < 0) goto fail;
    m->next_seq++;
    oms_open_link(m, ps);
    if (tp) oms_open_link(m, tp);
    if (sl) oms_open_link(m, sl);
    if (out) *out = o;
    if (!m->has_broker) return 0;
    broker_submit_req req = {o, tp ? &tp->o : NULL, sl ? &sl->o : NULL};
    int brc = broker_submit(m->brk, &req, e);
    if (brc == BROKER_OUTCOME_UNKNOWN) {
        tb_err je;
        if (o->status == OMS_ST_NEW) oms_change_status(m, ps, OMS_ST_UNKNOWN, e->msg, &je);
        return tb_err_prefix(e, "oms: %s sent, outcome unknown (looked up by id): ", o->client_id);
    }
    if (brc < 0) {
        /* The adapter refused before sending anything: the outcome is known (not `unknown`). */
        tb_err_prefix(e, "oms: %s journaled but not sent: ", o->client_id);
        slot *all[3] = {sl, tp, ps};
        tb_err je;
        for (int i = 0; i < 3; i++)
            if (all[i] && !oms_status_is_terminal(all[i]->o.status))
                oms_change_status(m, all[i], OMS_ST_REJECTED, e->msg, &je);
        return -1;
    }
    return 0;
fail:
    oms_slot_release(m, sl);
    oms_slot_release(m, tp);
    oms_slot_release(m, ps);
    return -1;
}

/* A cancel only takes risk off, so it reaches the broker even while the database is locked (the
 * kill switch must be able to empty the book): pending_cancel is then kept in memory only, and
 * the order's final status is journaled with the broker's answer, which waits in order with the
 * other held updates. After a crash in between, reconciliation asks the broker. */
int oms_cancel(oms *m, const char *client_id, tb_err *e)
{
    slot *s = oms_slot_find(m, client_id);
    if (!s) return tb_errf(e, "oms: cancel: unknown order %s", client_id);
    if (s->o.status == OMS_ST_PENDING_CANCEL) return 0;
    if (refuse_detached(m, "cancel", client_id, e) < 0) return -1;
    if (oms_status_is_terminal(s->o.status))
        return tb_errf(e, "oms: cancel: order %s is already %s", client_id,
                       oms_status_name(s->o.status));
    if (oms_set_status(m, s, OMS_ST_PENDING_CANCEL, NULL, 1, e) < 0) return -1;
    if (m->has_broker && broker_cancel(m->brk, &s->o, e) < 0)
        return tb_err_prefix(e, "oms: cancel %s: ", client_id);
    return 0;
}

int oms_replace(oms *m, const char *client_id, const oms_changes *c, const oms_order **out,
                tb_err *e)
{
    if (out) *out = NULL;
    slot *s = oms_slot_find(m, client_id);
    if (!s) return tb_errf(e, "oms: replace: unknown order %s", client_id);
    if (refuse_detached(m, "replace", client_id, e) < 0) return -1;
    if (s->o.status != OMS_ST_ACCEPTED && s->o.status != OMS_ST_PARTIALLY_FILLED)
        return tb_errf(e, "oms: replace: order %s is %s", client_id, oms_status_name(s->o.status));
    if (s->o.leg != OMS_LEG_NONE || s->o.order_class != OMS_CLASS_SIMPLE)
        return tb_errf(e, "oms: replace: order %s is part of a bracket", client_id);
    /* The new qty is the unfilled remainder and brokers count fills from the old order's:
     * both need the fills still held. */
    if (refuse_while_held(m, e) < 0) return -1;
    /* The gates admitted the old order's shares, no more: a replace changes prices or gives
     * shares back, and more shares are a new order through the gates. */
    tb_qty left = s->o.qty - s->o.filled_qty;
    if (c->qty < 0 || c->qty > left)
        return tb_errf(e,
                       "oms: replace: %s asks for %lld shares, the order has %lld left: a replace "
                       "never adds shares (cancel and send a new order through the gates)",
                       client_id, (long long)c->qty, (long long)left);
    slot *ns = oms_slot_alloc(m, e);
    if (!ns) return -1;
    oms_order *n = &ns->o;
    *n = s->o;
    ns->sym = s->sym;
    n->seq = m->next_seq;
    n->session_day = m->cfg.session_day;
    format_client_id(m, n->client_id, sizeof n->client_id, n->strategy, n->symbol,
                     (int)n->session_day, (long long)n->seq);
    oms_strlcpy(n->replaces_id, s->o.client_id, sizeof n->replaces_id);
    n->broker_id[0] = n->note[0] = 0;
    n->qty = c->qty ? c->qty : s->o.qty - s->o.filled_qty;
    if (c->limit_price) n->limit_price = c->limit_price;
    if (c->stop_price) n->stop_price = c->stop_price;
    n->filled_qty = n->broker_cum_qty = 0;
    n->filled_notional = n->filled_avg_price = n->commission = 0;
    /* One order to the broker and to the day-trade count: the replacement of an order that made
     * a day trade makes none of its own. */
    n->day_trade = s->o.day_trade;
    n->status = OMS_ST_NEW;
    n->created_ns = n->updated_ns = tb_clock_now_ns();
    n->filled_ns = n->closed_ns = 0;
    oms_order old = s->o;
    if (oms_order_validate(n, e) < 0 ||
        oms_order_set_status(&old, OMS_ST_PENDING_REPLACE, n->created_ns, e) < 0) {
        oms_slot_release(m, ns);
        return -1;
    }
    oms_slot_index(m, ns);
    const oms_order *batch[2] = {&old, n};
    int jrc = oms_journal_orders(m, batch, 2, e);
    if (jrc == OMS_JOURNAL_BUSY) {
        m->busy_refusals++;
        tb_errf(e, "database locked: replace of %s not journaled, not sent", client_id);
    }
    if (jrc < 0) {
        oms_slot_release(m, ns);
        return -1;
    }
    m->next_seq++;
    s->o = old;
    oms_open_link(m, ns);
    if (out) *out = n;
    if (!m->has_broker) return 0;
    broker_replace_req req = {&s->o, n};
    if (broker_replace(m->brk, &req, e) < 0) return tb_err_prefix(e, "oms: replace: ");
    return 0;
}
