#include "oms/order.h"
#include "util/hash.h"
#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[OMS_ST_COUNT] = {
    "new",     "held",   "accepted", "partially_filled", "pending_cancel", "pending_replace",
    "unknown", "filled", "canceled", "rejected",         "expired",        "replaced"};
static const char *const side_names[] = {"buy", "sell"};
static const char *const type_names[] = {"market", "limit", "stop", "stop_limit"};
static const char *const tif_names[] = {"day", "gtc", "ioc", "opg", "cls"};
static const char *const class_names[] = {"simple", "bracket"};
static const char *const leg_names[] = {"none", "take_profit", "stop_loss"};

#define N_(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *oms_status_name(oms_status s)
{
    return (unsigned)s < OMS_ST_COUNT ? status_names[s] : "?";
}
const char *oms_side_name(oms_side s)
{
    return (unsigned)s < 2 ? side_names[s] : "?";
}
const char *oms_type_name(oms_type t)
{
    return (unsigned)t < 4 ? type_names[t] : "?";
}
const char *oms_tif_name(oms_tif t)
{
    return (unsigned)t < 5 ? tif_names[t] : "?";
}
const char *oms_class_name(oms_class c)
{
    return (unsigned)c < 2 ? class_names[c] : "?";
}
const char *oms_leg_name(oms_leg l)
{
    return (unsigned)l < 3 ? leg_names[l] : "?";
}

static int lookup(const char *const *names, int n, const char *what, const char *s, int *out,
                  tb_err *e)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return 0;
        }
    return tb_errf(e, "unknown %s \"%s\"", what, s ? s : "(null)");
}

int oms_status_parse(const char *s, oms_status *out, tb_err *e)
{
    int i = 0;
    if (lookup(status_names, N_(status_names), "order status", s, &i, e) < 0) return -1;
    *out = (oms_status)i;
    return 0;
}
int oms_side_parse(const char *s, oms_side *out, tb_err *e)
{
    int i = 0;
    if (lookup(side_names, N_(side_names), "order side", s, &i, e) < 0) return -1;
    *out = (oms_side)i;
    return 0;
}
int oms_type_parse(const char *s, oms_type *out, tb_err *e)
{
    int i = 0;
    if (lookup(type_names, N_(type_names), "order type", s, &i, e) < 0) return -1;
    *out = (oms_type)i;
    return 0;
}
int oms_tif_parse(const char *s, oms_tif *out, tb_err *e)
{
    int i = 0;
    if (lookup(tif_names, N_(tif_names), "time in force", s, &i, e) < 0) return -1;
    *out = (oms_tif)i;
    return 0;
}

int oms_status_is_terminal(oms_status s)
{
    return s >= OMS_ST_FILLED && s < OMS_ST_COUNT;
}

/* Bit t of allowed[f] is set when f -> t is a legal transition (docs/orders.md has the table).
 * Fills may overtake acknowledgements (a fill on a `new` or `held` order means the broker has
 * it), and a cancel or replace may be refused, which returns the order to a working state. */
#define B(s) (1u << (s))
static const unsigned allowed[OMS_ST_COUNT] = {
    [OMS_ST_NEW] = B(OMS_ST_HELD) | B(OMS_ST_ACCEPTED) | B(OMS_ST_PARTIALLY_FILLED) |
                   B(OMS_ST_PENDING_CANCEL) | B(OMS_ST_FILLED) | B(OMS_ST_CANCELED) |
                   B(OMS_ST_REJECTED) | B(OMS_ST_EXPIRED) | B(OMS_ST_UNKNOWN),
    /* Only the broker (an acknowledgement, a fill, a verdict found by lookup) or the deadline
     * (expired) ends an unknown outcome; a cancel waits until the order is found. */
    [OMS_ST_UNKNOWN] = B(OMS_ST_ACCEPTED) | B(OMS_ST_PARTIALLY_FILLED) | B(OMS_ST_FILLED) |
                       B(OMS_ST_CANCELED) | B(OMS_ST_REJECTED) | B(OMS_ST_EXPIRED),
    [OMS_ST_HELD] = B(OMS_ST_ACCEPTED) | B(OMS_ST_PARTIALLY_FILLED) | B(OMS_ST_PENDING_CANCEL) |
                    B(OMS_ST_FILLED) | B(OMS_ST_CANCELED) | B(OMS_ST_REJECTED) | B(OMS_ST_EXPIRED),
    [OMS_ST_ACCEPTED] = B(OMS_ST_PARTIALLY_FILLED) | B(OMS_ST_PENDING_CANCEL) |
                        B(OMS_ST_PENDING_REPLACE) | B(OMS_ST_FILLED) | B(OMS_ST_CANCELED) |
                        B(OMS_ST_EXPIRED) | B(OMS_ST_REPLACED),
    [OMS_ST_PARTIALLY_FILLED] = B(OMS_ST_PENDING_CANCEL) | B(OMS_ST_PENDING_REPLACE) |
                                B(OMS_ST_FILLED) | B(OMS_ST_CANCELED) | B(OMS_ST_EXPIRED) |
                                B(OMS_ST_REPLACED),
    /* rejected: the order never reached the broker (its submit and then its cancel failed while
     * the broker was away); reconciliation says so. replaced: the cancel came after a replace the
     * broker had done (the new order carries on). */
    [OMS_ST_PENDING_CANCEL] = B(OMS_ST_ACCEPTED) | B(OMS_ST_PARTIALLY_FILLED) | B(OMS_ST_FILLED) |
                              B(OMS_ST_CANCELED) | B(OMS_ST_REJECTED) | B(OMS_ST_EXPIRED) |
                              B(OMS_ST_REPLACED),
    [OMS_ST_PENDING_REPLACE] = B(OMS_ST_ACCEPTED) | B(OMS_ST_PARTIALLY_FILLED) |
                               B(OMS_ST_PENDING_CANCEL) | B(OMS_ST_FILLED) | B(OMS_ST_CANCELED) |
                               B(OMS_ST_EXPIRED) | B(OMS_ST_REPLACED),
};

int oms_transition_allowed(oms_status from, oms_status to)
{
    if ((unsigned)from >= OMS_ST_COUNT || (unsigned)to >= OMS_ST_COUNT) return 0;
    return from == to || (allowed[from] & B(to)) != 0;
}

int oms_order_set_status(oms_order *o, oms_status to, int64_t t_ns, tb_err *e)
{
    if (o->status == to) return 0;
    if (!oms_transition_allowed(o->status, to))
        return tb_errf(e, "order %s: %s -> %s is not a valid transition", o->client_id,
                       oms_status_name(o->status), oms_status_name(to));
    o->status = to;
    o->updated_ns = t_ns;
    if (oms_status_is_terminal(to)) o->closed_ns = t_ns;
    if (to == OMS_ST_FILLED) o->filled_ns = t_ns;
    return 0;
}

int oms_order_validate(const oms_order *o, tb_err *e)
{
    if (!o->client_id[0]) return tb_errf(e, "order: empty client order id");
    if (!o->symbol[0]) return tb_errf(e, "order %s: empty symbol", o->client_id);
    if (o->qty <= 0)
        return tb_errf(e, "order %s: qty %lld must be positive", o->client_id, (long long)o->qty);
    int need_limit = o->type == OMS_LIMIT || o->type == OMS_STOP_LIMIT;
    int need_stop = o->type == OMS_STOP || o->type == OMS_STOP_LIMIT;
    if (need_limit != (o->limit_price != 0) || o->limit_price < 0)
        return tb_errf(e, "order %s: %s order %s a positive limit price", o->client_id,
                       oms_type_name(o->type), need_limit ? "needs" : "takes no");
    if (need_stop != (o->stop_price != 0) || o->stop_price < 0)
        return tb_errf(e, "order %s: %s order %s a positive stop price", o->client_id,
                       oms_type_name(o->type), need_stop ? "needs" : "takes no");
    if (o->order_class == OMS_CLASS_BRACKET) {
        tb_money tp = o->take_profit_limit, sl = o->stop_loss_stop;
        if (tp <= 0 || sl <= 0 || o->stop_loss_limit < 0)
            return tb_errf(e, "order %s: bracket needs take_profit and stop_loss prices",
                           o->client_id);
        int buy = o->side == OMS_BUY;
        if (buy ? !(tp > sl) : !(tp < sl))
            return tb_errf(e, "order %s: bracket take_profit must be %s stop_loss", o->client_id,
                           buy ? "above" : "below");
        if (o->limit_price && (buy ? !(tp > o->limit_price && sl < o->limit_price)
                                   : !(tp < o->limit_price && sl > o->limit_price)))
            return tb_errf(e, "order %s: bracket legs must lie either side of the limit price",
                           o->client_id);
    }
    return 0;
}

int oms_order_apply_exec(oms_order *o, const oms_exec *x, oms_execset *seen, tb_err *e)
{
    if (!x->exec_id[0]) return tb_errf(e, "order %s: execution without an id", o->client_id);
    if (seen && oms_execset_has(seen, x->exec_id)) return 0;
    if (x->qty <= 0 || x->price <= 0)
        return tb_errf(e, "order %s: execution %s has qty %lld price %lld", o->client_id,
                       x->exec_id, (long long)x->qty, (long long)x->price);
    if (o->status == OMS_ST_REJECTED)
        return tb_errf(e, "order %s: execution %s on a rejected order", o->client_id, x->exec_id);
    if (x->qty > o->qty - o->filled_qty)
        return tb_errf(e, "order %s: execution %s of %lld overfills (%lld of %lld filled)",
                       o->client_id, x->exec_id, (long long)x->qty, (long long)o->filled_qty,
                       (long long)o->qty);
    tb_money value, notional, comm;
    if (tb_money_mul_qty(x->price, x->qty, &value, e) < 0 ||
        tb_money_add(o->filled_notional, value, &notional, e) < 0 ||
        tb_money_add(o->commission, x->commission, &comm, e) < 0)
        return tb_err_prefix(e, "order %s: ", o->client_id);
    oms_status to = o->status;
    tb_qty filled = o->filled_qty + x->qty;
    if (!oms_status_is_terminal(o->status)) {
        if (filled == o->qty)
            to = OMS_ST_FILLED;
        else if (o->status != OMS_ST_PENDING_CANCEL && o->status != OMS_ST_PENDING_REPLACE)
            to = OMS_ST_PARTIALLY_FILLED;
    }
    if (oms_order_set_status(o, to, x->t_ns, e) < 0) return -1;
    if (seen && oms_execset_add(seen, x->exec_id) < 0)
        return tb_errf(e, "order %s: execution id too long", o->client_id);
    o->filled_qty = filled;
    o->filled_notional = notional;
    tb_money_muldiv(notional, 1, filled, &o->filled_avg_price, NULL);
    o->commission = comm;
    if (x->cum_qty > o->broker_cum_qty) o->broker_cum_qty = x->cum_qty;
    o->updated_ns = x->t_ns;
    if (filled == o->qty) o->filled_ns = x->t_ns;
    return 1;
}

/* A FIFO ring of ids with a util/hmap from id to ring index; adding to a full set first drops
 * the oldest id from both. */
struct oms_execset {
    uint32_t cap, count, head; /* ring: ids[head .. head+count) */
    char (*ids)[OMS_EXEC_ID_MAX + 1];
    tb_hmap map; /* id -> ring index */
};

static uint32_t hash_str(const char *s)
{
    return (uint32_t)tb_hash_fold(tb_fnv64_str(TB_FNV64_SEED, s));
}

oms_execset *oms_execset_new(uint32_t capacity)
{
    if (capacity == 0) capacity = 1;
    oms_execset *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cap = capacity;
    s->ids = calloc(capacity, sizeof *s->ids);
    if (!s->ids || tb_hmap_init(&s->map, capacity) != 0) {
        oms_execset_free(s);
        return NULL;
    }
    return s;
}

void oms_execset_free(oms_execset *s)
{
    if (!s) return;
    free(s->ids);
    tb_hmap_free(&s->map);
    free(s);
}

/* The ring index of id, or TB_HMAP_NONE with *it where it would go. */
static uint32_t find(const oms_execset *s, const char *id, tb_hmap_it *it)
{
    *it = tb_hmap_probe(&s->map, hash_str(id));
    for (uint32_t r; (r = tb_hmap_next(&s->map, it)) != TB_HMAP_NONE;)
        if (strcmp(s->ids[r], id) == 0) return r;
    return TB_HMAP_NONE;
}

int oms_execset_has(const oms_execset *s, const char *id)
{
    tb_hmap_it it;
    return find(s, id, &it) != TB_HMAP_NONE;
}

int oms_execset_add(oms_execset *s, const char *id)
{
    if (strlen(id) > OMS_EXEC_ID_MAX) return -1;
    tb_hmap_it it;
    if (find(s, id, &it) != TB_HMAP_NONE) return 1;
    if (s->count == s->cap) {
        tb_hmap_it old;
        find(s, s->ids[s->head], &old);
        tb_hmap_remove(&s->map, &old);
        s->head = (s->head + 1) % s->cap;
        s->count--;
        find(s, id, &it); /* the removal moved entries: probe again */
    }
    uint32_t r = (s->head + s->count) % s->cap;
    strcpy(s->ids[r], id);
    s->count++;
    tb_hmap_put(&s->map, &it, r); /* cannot fail: the map has room for cap ids */
    return 0;
}

uint32_t oms_execset_count(const oms_execset *s)
{
    return s->count;
}

int oms_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = src ? strlen(src) : 0;
    int trunc = n >= cap;
    if (trunc) n = cap - 1;
    if (n) memcpy(dst, src, n);
    dst[n] = 0;
    return trunc;
}
