/* One reconciliation round with a broker, shared by the adapters (see reconcile.h). */
#include "broker/reconcile.h"

#include "log/log.h"
#include "util/clock.h"
#include "util/hash.h"

#include <string.h>

static uint32_t id_hash(const char *client_id)
{
    uint64_t h = tb_fnv64_str(TB_FNV64_SEED, client_id);
    return (uint32_t)(h ^ h >> 32);
}

/* The index in s->cid of client_id, or -1; *it is left where a put adds it. */
static int seen_find(const reconcile_seen *s, const char *client_id, tb_hmap_it *it)
{
    *it = tb_hmap_probe(&s->map, id_hash(client_id));
    for (uint32_t v; (v = tb_hmap_next(&s->map, it)) != TB_HMAP_NONE;)
        if (strcmp(s->cid[v], client_id) == 0) return (int)v;
    return -1;
}

void reconcile_seen_free(reconcile_seen *s)
{
    tb_hmap_free(&s->map);
}

void reconcile_begin(reconcile_round *r)
{
    r->before = *r->differences;
    r->asked_ns = tb_clock_now_ns();
    reconcile_seen *s = r->seen;
    if (!s) return;
    for (int i = 0; i < s->n; i++) { /* forget the last round's, keeping the table */
        tb_hmap_it it;
        if (seen_find(s, s->cid[i], &it) >= 0) tb_hmap_remove(&s->map, &it);
    }
    s->n = 0;
    s->no_map = tb_hmap_capacity(&s->map) == 0 && tb_hmap_init(&s->map, RECONCILE_SEEN) != 0;
}

void reconcile_saw(reconcile_round *r, const char *client_id)
{
    reconcile_seen *s = r->seen;
    if (!s || s->no_map || s->n >= RECONCILE_SEEN) return;
    tb_hmap_it it;
    if (seen_find(s, client_id, &it) >= 0) return;
    oms_strlcpy(s->cid[s->n], client_id, sizeof s->cid[0]);
    if (tb_hmap_put(&s->map, &it, (uint32_t)s->n) == 0) s->n++;
}

int reconcile_listed(const reconcile_round *r, const char *client_id)
{
    const reconcile_seen *s = r->seen;
    if (!s) return 0;
    if (s->no_map || s->n >= RECONCILE_SEEN) return 1; /* the list overflowed: take it as shown */
    tb_hmap_it it;
    return seen_find(s, client_id, &it) >= 0;
}

void reconcile_settle_missing(reconcile_round *r, const reconcile_settle *s)
{
    reconcile_seen *w = r->seen;
    if (!w) return;
    int n = oms_open_orders_all(r->oms, w->open, RECONCILE_OPEN), k = 0;
    if (n > RECONCILE_OPEN) n = RECONCILE_OPEN;
    for (int i = 0; i < n && k < RECONCILE_SETTLE; i++) {
        const oms_order *o = w->open[i];
        if (reconcile_listed(r, o->client_id)) continue;
        if (s->skip && s->skip(s->ud, o)) continue;
        oms_strlcpy(w->settle[k++], o->client_id, sizeof w->settle[0]);
    }
    /* The callbacks change orders: each is found again by its id. */
    for (int i = 0; i < k; i++) {
        const oms_order *o = oms_find(r->oms, w->settle[i]);
        if (!o || oms_status_is_terminal(o->status)) continue;
        if (o->status == OMS_ST_NEW) {
            reconcile_unacknowledged(r, o);
            s->unacknowledged(s->ud, o);
        } else {
            s->missing(s->ud, o);
        }
    }
}

void reconcile_positions(reconcile_round *r, const broker_position *pos, int npos)
{
    posdiff_compare(r->posdiff, r->who, r->oms, pos, npos, r->differences);
}

void reconcile_unacknowledged(reconcile_round *r, const oms_order *o)
{
    if (o && o->status == OMS_ST_NEW) (*r->differences)++;
}

int reconcile_is_ours(const char *client_id)
{
    return client_id && strncmp(client_id, "tb-", 3) == 0;
}

int reconcile_foreign_open(reconcile_round *r, const char *client_id, const char *broker_id)
{
    if (!reconcile_is_ours(client_id)) return 0;
    (*r->differences)++;
    TB_WARN(r->who, "reconcile: open order %s (id %s) at the broker is unknown here: left alone",
            client_id, broker_id);
    return 1;
}

uint64_t reconcile_end(reconcile_round *r, int n_orders, int n_positions, int periodic)
{
    uint64_t d = *r->differences - r->before;
    (*r->reconciles)++;
    if (periodic) {
        if (r->periodic) (*r->periodic)++;
        TB_INFO(r->who, "periodic reconcile: %d %s, %d positions, %llu differences", n_orders,
                r->orders, n_positions, (unsigned long long)d);
        return d;
    }
    TB_INFO(r->who, "reconciled: %d %s, %d positions, %llu differences: broker ready", n_orders,
            r->orders, n_positions, (unsigned long long)d);
    return d;
}
