/*
 * fake_broker.c - the misbehaving in-process broker of the simulation (fake_broker.h).
 *
 * The book: orders (found by client id through an open-addressing map), executions (each
 * linked to its order's previous one), positions and cash per symbol. Updates to the engine go
 * through a queue with a due step; a disconnect or the engine's crash empties it, and the orders
 * whose updates were lost stay marked until a reconciliation reports them again.
 */
#include "fake_broker_priv.h"
#include "sim_rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

void fbp_trace(fake_broker *b, const char *fmt, ...)
{
    if (!b->c.trace) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    b->c.trace(b->c.ud, line);
}

static uint32_t hash_id(const char *s)
{
    return (uint32_t)sim_fnv(0xcbf29ce484222325ULL, s, strlen(s));
}

static int find(const fake_broker *b, const char *cid)
{
    for (uint32_t h = hash_id(cid) & (b->mapcap - 1);; h = (h + 1) & (b->mapcap - 1)) {
        if (!b->map[h]) return -1;
        if (strcmp(b->o[b->map[h] - 1].cid, cid) == 0) return b->map[h] - 1;
    }
}

int fbp_sym_index(fake_broker *b, const char *name)
{
    for (int i = 0; i < b->nsym; i++)
        if (strcmp(b->sym[i].name, name) == 0) return i;
    if (b->nsym == FB_MAX_SYMBOLS) return -1;
    oms_strlcpy(b->sym[b->nsym].name, name, sizeof b->sym[0].name);
    return b->nsym++;
}

const char *fbp_exec_id(int x, char *buf, size_t n)
{
    snprintf(buf, n, "fx-%d", x);
    return buf;
}

/* Queues an update (or loses it while the stream is down); the order stays marked until it is
 * handed over or reconciled. */
void fbp_emit(fake_broker *b, int oi, int xi, oms_status st, const char *reason)
{
    b->o[oi].undelivered++;
    if (b->state != BROKER_READY || !b->fn) return;
    int copies = sim_pick(&b->rng, 100) < b->c.dup_pct ? 2 : 1;
    for (int k = 0; k < copies; k++) {
        if (b->nq == b->capq) {
            b->capq = b->capq ? b->capq * 2 : 256;
            b->q = realloc(b->q, (size_t)b->capq * sizeof *b->q);
            if (!b->q) abort();
        }
        int late = sim_pick(&b->rng, 100) < b->c.late_pct;
        int64_t due = b->step + (late ? 1 + sim_pick(&b->rng, b->c.max_delay) : 0);
        b->q[b->nq++] = (fb_msg){due, oi, xi, k, st, reason};
    }
}

/* Takes a final order off the working list (the last one moves into its slot). */
void fbp_unlive(fake_broker *b, int oi)
{
    fb_order *o = &b->o[oi];
    if (o->live_slot < 0) return;
    int last = b->live[--b->nlive];
    b->live[o->live_slot] = last;
    b->o[last].live_slot = o->live_slot;
    o->live_slot = -1;
}

void fbp_set_final(fake_broker *b, int oi, oms_status st, const char *reason)
{
    fb_order *o = &b->o[oi];
    o->st = st;
    if (oms_status_is_terminal(st)) fbp_unlive(b, oi);
    fbp_trace(b, "broker %s %s%s%s", o->cid, oms_status_name(st), reason ? ": " : "",
              reason ? reason : "");
    fbp_emit(b, oi, -1, st, reason);
}

static int add_order(fake_broker *b, const oms_order *src, int parent)
{
    if (b->no == b->c.max_orders) return -1;
    int oi = b->no++;
    fb_order *o = &b->o[oi];
    memset(o, 0, sizeof *o);
    oms_strlcpy(o->cid, src->client_id, sizeof o->cid);
    o->sym = fbp_sym_index(b, src->symbol);
    o->parent = parent, o->tp = o->sl = o->last_exec = -1;
    o->side = src->side, o->type = src->type, o->tif = src->tif, o->leg = src->leg;
    o->qty = src->qty, o->limit = src->limit_price, o->stop = src->stop_price;
    o->st = src->leg != OMS_LEG_NONE ? OMS_ST_HELD : OMS_ST_ACCEPTED;
    o->live_slot = b->nlive;
    b->live[b->nlive++] = oi;
    uint32_t h = hash_id(o->cid) & (b->mapcap - 1);
    while (b->map[h]) h = (h + 1) & (b->mapcap - 1);
    b->map[h] = oi + 1;
    return oi;
}

/* What an adapter's lookup by client id answers for an order the broker never got (a refused
 * replace's new order, a cancel of an order that never arrived): "not found", reported rejected
 * (core/broker/alpaca.c does the same). Booked final, so reconciliation reports it too. */
static void not_found(fake_broker *b, const oms_order *src)
{
    if (find(b, src->client_id) >= 0) return;
    int oi = add_order(b, src, -1);
    if (oi < 0) return;
    fbp_trace(b, "broker lookup %s: not found", src->client_id);
    fbp_set_final(b, oi, OMS_ST_REJECTED, "never reached the broker");
}

/* --- the vtable -------------------------------------------------------------------------- */

static int v_connect(void *self, tb_err *e)
{
    fake_broker *b = self;
    b->state = BROKER_CONNECTING; /* ready once the simulator reconciles */
    return 0;
}

static int v_disconnect(void *self, tb_err *e)
{
    ((fake_broker *)self)->state = BROKER_DISCONNECTED;
    return 0;
}

static broker_state v_state(void *self)
{
    return ((fake_broker *)self)->state;
}

static int v_submit(void *self, const broker_submit_req *r, tb_err *e)
{
    fake_broker *b = self;
    if (b->state != BROKER_READY) return tb_errf(e, "fake: not connected");
    int old = find(b, r->order->client_id);
    if (old >= 0) {
        if (++b->o[old].sends > b->max_sends) {
            b->max_sends = b->o[old].sends;
            b->max_sends_order = old;
        }
        fbp_trace(b, "broker resend %s (send %d)", r->order->client_id, b->o[old].sends);
        return tb_errf(e, "fake: client order id %s already exists", r->order->client_id);
    }
    if (b->c.on_submit) b->c.on_submit(b->c.ud, r);
    int oi = add_order(b, r->order, -1);
    if (oi < 0) return tb_errf(e, "fake: order book full");
    b->o[oi].sends = 1;
    if (r->take_profit && r->stop_loss) {
        int tp = add_order(b, r->take_profit, oi), sl = add_order(b, r->stop_loss, oi);
        if (tp < 0 || sl < 0) return tb_errf(e, "fake: order book full");
        b->o[oi].tp = tp, b->o[oi].sl = sl;
    }
    const oms_order *o = r->order;
    fbp_trace(b, "broker submit %s %s %s %s %lld limit=%lld stop=%lld%s", o->client_id, o->strategy,
              oms_side_name(o->side), oms_type_name(o->type), (long long)o->qty,
              (long long)o->limit_price, (long long)o->stop_price,
              r->take_profit ? " bracket" : "");
    if (sim_chance(&b->rng, b->c.reject_pm)) {
        fbp_set_final(b, oi, OMS_ST_REJECTED, "insufficient buying power (simulated)");
        if (b->o[oi].tp >= 0) {
            fbp_set_final(b, b->o[oi].tp, OMS_ST_REJECTED, "parent rejected");
            fbp_set_final(b, b->o[oi].sl, OMS_ST_REJECTED, "parent rejected");
        }
        return 0;
    }
    if (sim_chance(&b->rng, b->c.timeout_pm)) { /* it is working; the answer was lost */
        fbp_trace(b, "broker timeout %s", o->client_id);
        fbp_emit(b, oi, -1, OMS_ST_ACCEPTED, NULL); /* what the adapter's lookup finds, later */
        tb_errf(e, "fake: timeout (the order may have reached the broker)");
        return BROKER_OUTCOME_UNKNOWN;
    }
    fbp_emit(b, oi, -1, OMS_ST_ACCEPTED, NULL);
    return 0;
}

static void cancel_legs(fake_broker *b, int oi, const char *why)
{
    int legs[2] = {b->o[oi].tp, b->o[oi].sl};
    for (int i = 0; i < 2; i++)
        if (legs[i] >= 0 && b->o[legs[i]].live_slot >= 0)
            fbp_set_final(b, legs[i], OMS_ST_CANCELED, why);
}

static int v_cancel(void *self, const oms_order *oo, tb_err *e)
{
    fake_broker *b = self;
    if (b->state != BROKER_READY) return tb_errf(e, "fake: not connected");
    int oi = find(b, oo->client_id);
    if (oi < 0) not_found(b, oo);
    if (oi < 0 || b->o[oi].live_slot < 0)
        return tb_errf(e, "fake: order %s is not working", oo->client_id);
    fbp_set_final(b, oi, OMS_ST_CANCELED, "canceled by request");
    cancel_legs(b, oi, "parent canceled");
    return 0;
}

static int v_replace(void *self, const broker_replace_req *r, tb_err *e)
{
    fake_broker *b = self;
    if (b->state != BROKER_READY) return tb_errf(e, "fake: not connected");
    int oi = find(b, r->old_order->client_id);
    if (oi < 0 || b->o[oi].live_slot < 0 || b->o[oi].leg != OMS_LEG_NONE || b->o[oi].tp >= 0) {
        not_found(b, r->new_order);
        return tb_errf(e, "fake: order %s cannot be replaced", r->old_order->client_id);
    }
    if (find(b, r->new_order->client_id) >= 0)
        return tb_errf(e, "fake: client order id %s already exists", r->new_order->client_id);
    /* A broker knows its own fills: a replacement asking for more than the old order has left
     * here (its fills still on the way to us) is refused, and the old order works on. One that
     * does not (Alpaca-API issue 165) is what oms.c's trim_replacement limits. */
    tb_qty left = b->o[oi].qty - b->o[oi].filled;
    if (r->new_order->qty > left) {
        not_found(b, r->new_order);
        fbp_trace(b, "broker replace %s refused: asks %lld, %lld left", r->old_order->client_id,
                  (long long)r->new_order->qty, (long long)left);
        return tb_errf(e, "fake: replace of %s asks for %lld shares, %lld left",
                       r->old_order->client_id, (long long)r->new_order->qty, (long long)left);
    }
    fbp_set_final(b, oi, OMS_ST_REPLACED, NULL);
    int ni = add_order(b, r->new_order, -1);
    if (ni < 0) return tb_errf(e, "fake: order book full");
    b->o[ni].sends = 1;
    fbp_trace(b, "broker replace %s -> %s qty=%lld limit=%lld", r->old_order->client_id,
              r->new_order->client_id, (long long)r->new_order->qty,
              (long long)r->new_order->limit_price);
    fbp_emit(b, ni, -1, OMS_ST_ACCEPTED, NULL);
    return 0;
}

static int v_positions(void *self, broker_position *out, int cap, int *n, tb_err *e)
{
    fake_broker *b = self;
    int k = 0;
    for (int i = 0; i < b->nsym; i++) {
        if (!b->sym[i].pos) continue;
        if (k == cap) return tb_errf(e, "fake: more than %d positions", cap);
        oms_strlcpy(out[k].symbol, b->sym[i].name, sizeof out[k].symbol);
        out[k].qty = b->sym[i].pos;
        out[k].avg_price = b->sym[i].last;
        k++;
    }
    *n = k;
    return 0;
}

static int v_account(void *self, broker_account *out, tb_err *e)
{
    fake_broker *b = self;
    tb_money value = 0, gross = 0;
    for (int i = 0; i < b->nsym; i++) {
        tb_money v = b->sym[i].pos * b->sym[i].last;
        value += v;
        gross += v < 0 ? -v : v;
    }
    out->has = BROKER_HAS_CASH | BROKER_HAS_EQUITY | BROKER_HAS_BUYING_POWER;
    out->cash = b->cash;
    out->equity = b->cash + value;
    out->buying_power = 2 * out->equity - gross > 0 ? 2 * out->equity - gross : 0;
    return 0;
}

static void v_set_update(void *self, broker_update_fn fn, void *ud)
{
    fake_broker *b = self;
    b->fn = fn, b->fn_ud = ud;
}

/* not_ready NULL: ready exactly when the state is BROKER_READY (broker.h). */
static const broker_vtable fb_vt = {"fake",    v_connect,    v_disconnect, v_state,
                                    v_submit,  v_cancel,     v_replace,    v_positions,
                                    v_account, v_set_update, NULL,         NULL};

broker fb_broker(fake_broker *b)
{
    return (broker){&fb_vt, b};
}

/* --- life ------------------------------------------------------------------------------------ */

fake_broker *fb_new(const fb_config *c, tb_err *e)
{
    fake_broker *b = tb_zalloc(sizeof *b, "fake broker", e);
    if (!b) return NULL;
    b->c = *c;
    if (b->c.max_delay < 1) b->c.max_delay = 1;
    b->rng = sim_stream(c->seed, 2);
    b->mapcap = 1;
    while (b->mapcap < (uint32_t)c->max_orders * 2) b->mapcap <<= 1;
    b->o = malloc((size_t)c->max_orders * sizeof *b->o);
    b->live = malloc((size_t)c->max_orders * sizeof *b->live);
    b->map = calloc(b->mapcap, sizeof *b->map);
    b->x = malloc((size_t)c->max_execs * sizeof *b->x);
    b->cash = c->cash;
    b->max_sends = 1;
    if (!b->o || !b->live || !b->map || !b->x) {
        fb_free(b);
        tb_errf(e, "fake broker: out of memory");
        return NULL;
    }
    return b;
}

void fb_free(fake_broker *b)
{
    if (!b) return;
    free(b->o), free(b->live), free(b->map), free(b->x), free(b->q);
    free(b);
}

void fb_attach(fake_broker *b, oms *m)
{
    b->m = m;
}

void fb_crash(fake_broker *b)
{
    b->m = NULL;
    b->fn = NULL;
    b->nq = 0; /* in flight on the dead socket */
    b->state = BROKER_DISCONNECTED;
}

/* --- delivery ------------------------------------------------------------------------------ */

static void hand_over(fake_broker *b, int oi, int xi, oms_status st, const char *reason, int dup)
{
    fb_order *o = &b->o[oi];
    char xid[32];
    broker_update u = {.client_id = o->cid, .status = st, .reason = reason, .t_ns = b->t_ns};
    /* A final status carries the order's filled count, as Alpaca's order object (filled_qty) and
     * IB's orderStatus (filled) do: it may overtake executions still on their way. */
    if (xi < 0 && oms_status_is_terminal(st)) u.cum_qty = o->filled;
    if (xi >= 0) {
        fb_exec *x = &b->x[xi];
        u.has_exec = 1;
        u.exec_id = fbp_exec_id(xi, xid, sizeof xid);
        u.exec_qty = x->qty, u.exec_price = x->price, u.cum_qty = x->cum, u.t_ns = x->t_ns;
        if (!x->delivered) {
            x->delivered = 1;
            b->delivered++;
            b->sym[o->sym].undelivered -= o->side == OMS_BUY ? x->qty : -x->qty;
        }
    }
    fbp_trace(b, "deliver %s %s%s%s%s", o->cid, oms_status_name(st), xi >= 0 ? " exec " : "",
              xi >= 0 ? xid : "", dup ? " (copy)" : "");
    if (xi >= 0 && xi + 1 == b->c.lose_exec) return;
    if (b->fn) b->fn(b->fn_ud, &u);
}

int fb_deliver(fake_broker *b, int64_t step, int max)
{
    b->step = step;
    int done = 0;
    for (;;) {
        int i = 0;
        while (i < b->nq && b->q[i].due > step) i++;
        if (i == b->nq) return 0;
        if (done == max) break;
        fb_msg msg = b->q[i];
        memmove(&b->q[i], &b->q[i + 1], (size_t)(b->nq - i - 1) * sizeof *b->q);
        b->nq--;
        if (!msg.dup && b->o[msg.order].undelivered > 0) b->o[msg.order].undelivered--;
        hand_over(b, msg.order, msg.exec, msg.st, msg.reason, msg.dup);
        done++;
    }
    int due = 0;
    for (int i = 0; i < b->nq; i++) due += b->q[i].due <= step;
    return due;
}

void fb_reconcile(fake_broker *b)
{
    b->state = BROKER_SYNCING;
    b->nq = 0; /* what is queued is reported again below */
    fbp_trace(b, "reconcile");
    int n = b->no;
    for (int oi = 0; oi < n && b->fn; oi++) {
        fb_order *o = &b->o[oi];
        if (!o->undelivered && o->live_slot < 0) continue;
        int xs[512], k = 0;
        for (int xi = o->last_exec; xi >= 0 && k < 512; xi = b->x[xi].prev) xs[k++] = xi;
        while (k > 0) {
            int xi = xs[--k];
            hand_over(b, oi, xi, b->x[xi].st, NULL, 0);
        }
        hand_over(b, oi, -1, b->o[oi].st, NULL, 0);
        b->o[oi].undelivered = 0;
    }
    /* Orders the engine has open that never reached the broker. */
    if (b->m && b->fn) {
        const oms_order *open[2048];
        int no = oms_open_orders_all(b->m, open, 2048);
        static char ids[2048][OMS_CLIENT_ID_MAX + 1];
        for (int i = 0; i < no && i < 2048; i++) oms_strlcpy(ids[i], open[i]->client_id, 129);
        for (int i = 0; i < no && i < 2048; i++) {
            if (find(b, ids[i]) >= 0) continue;
            broker_update u = {.client_id = ids[i],
                               .status = OMS_ST_REJECTED,
                               .reason = "not found at the broker",
                               .t_ns = b->t_ns};
            fbp_trace(b, "reconcile unknown %s: rejected", ids[i]);
            b->fn(b->fn_ud, &u);
        }
    }
    b->state = b->fn ? BROKER_READY : BROKER_DISCONNECTED;
}

void fb_tick(fake_broker *b, int64_t step)
{
    b->step = step;
    if (b->state == BROKER_READY && sim_chance(&b->rng, b->c.disconnect_pm)) {
        b->state = BROKER_DISCONNECTED;
        b->nq = 0;
        b->reconnect_at = step + 1 + sim_pick(&b->rng, 20);
        b->disconnects++;
        fbp_trace(b, "broker disconnected until step %lld", (long long)b->reconnect_at);
    } else if (b->state == BROKER_DISCONNECTED && b->fn && step >= b->reconnect_at) {
        fb_reconcile(b);
    }
}

/* --- what only the broker knows ------------------------------------------------------------- */

broker_state fb_state(const fake_broker *b)
{
    return b->state;
}

static const fb_sym *sym_get(const fake_broker *b, const char *symbol)
{
    for (int i = 0; i < b->nsym; i++)
        if (strcmp(b->sym[i].name, symbol) == 0) return &b->sym[i];
    return NULL;
}

tb_qty fb_position(const fake_broker *b, const char *symbol)
{
    const fb_sym *s = sym_get(b, symbol);
    return s ? s->pos : 0;
}

tb_qty fb_undelivered_qty(const fake_broker *b, const char *symbol)
{
    const fb_sym *s = sym_get(b, symbol);
    return s ? s->undelivered : 0;
}

int64_t fb_execs_delivered(const fake_broker *b)
{
    return b->delivered;
}

int64_t fb_execs_total(const fake_broker *b)
{
    return b->nx;
}

int fb_max_sends(const fake_broker *b, const char **client_id)
{
    if (client_id) *client_id = b->max_sends ? b->o[b->max_sends_order].cid : "";
    return b->max_sends;
}

int64_t fb_orders(const fake_broker *b)
{
    return b->no;
}

int64_t fb_disconnects(const fake_broker *b)
{
    return b->disconnects;
}
