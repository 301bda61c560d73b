/*
 * paper_tap.c - a watching proxy in front of the paper broker (paper_tap.h). Client ids and
 * execution ids are kept in one open-addressing table of counts for the run.
 */
#include "paper_tap.h"
#include "sim_rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAP_CAP (1u << 18) /* ids of a run: orders and executions */

typedef struct tap_slot {
    char *key; /* "s:<client id>" or "x:<exec id>" */
    int n;
} tap_slot;

struct paper_tap {
    paper_tap_config c;
    broker inner;
    broker_update_fn fn;
    void *fn_ud;
    tap_slot *tab;
    uint32_t used;
    int64_t delivered;
    int max_sends;
    char max_id[OMS_CLIENT_ID_MAX + 1];
};

/* Counts one more of kind:id; returns the new count (0 when the table is full). */
static int bump(paper_tap *t, char kind, const char *id)
{
    char key[200];
    snprintf(key, sizeof key, "%c:%s", kind, id);
    uint32_t h = (uint32_t)sim_fnv(0xcbf29ce484222325ULL, key, strlen(key)) & (TAP_CAP - 1);
    while (t->tab[h].key && strcmp(t->tab[h].key, key) != 0) h = (h + 1) & (TAP_CAP - 1);
    if (!t->tab[h].key) {
        if (t->used + 1 >= TAP_CAP * 3 / 4 || !(t->tab[h].key = strdup(key))) return 0;
        t->used++;
    }
    return ++t->tab[h].n;
}

static void trace(paper_tap *t, const char *fmt, const char *a, const char *b, const char *c)
{
    if (!t->c.trace) return;
    char line[400];
    snprintf(line, sizeof line, fmt, a, b, c);
    t->c.trace(t->c.ud, line);
}

static void on_update(void *ud, const broker_update *u)
{
    paper_tap *t = ud;
    if (u->has_exec && u->exec_id && bump(t, 'x', u->exec_id) == 1) t->delivered++;
    trace(t, "deliver %s %s %s", u->client_id, oms_status_name(u->status),
          u->has_exec && u->exec_id ? u->exec_id : "");
    if (t->fn) t->fn(t->fn_ud, u);
}

static int v_connect(void *self, tb_err *e)
{
    return broker_connect(((paper_tap *)self)->inner, e);
}

static int v_disconnect(void *self, tb_err *e)
{
    return broker_disconnect(((paper_tap *)self)->inner, e);
}

static broker_state v_state(void *self)
{
    return broker_get_state(((paper_tap *)self)->inner);
}

static int v_submit(void *self, const broker_submit_req *r, tb_err *e)
{
    paper_tap *t = self;
    int n = bump(t, 's', r->order->client_id);
    if (n > t->max_sends) {
        t->max_sends = n;
        oms_strlcpy(t->max_id, r->order->client_id, sizeof t->max_id);
    }
    if (n > 1) trace(t, "broker resend %s%s%s", r->order->client_id, "", "");
    if (t->c.on_submit) t->c.on_submit(t->c.ud, r);
    trace(t, "broker submit %s %s %s", r->order->client_id, r->order->strategy,
          oms_side_name(r->order->side));
    return broker_submit(t->inner, r, e);
}

static int v_cancel(void *self, const oms_order *o, tb_err *e)
{
    return broker_cancel(((paper_tap *)self)->inner, o, e);
}

static int v_replace(void *self, const broker_replace_req *r, tb_err *e)
{
    paper_tap *t = self;
    if (bump(t, 's', r->new_order->client_id) > 1)
        trace(t, "broker resend %s%s%s", r->new_order->client_id, "", "");
    return broker_replace(t->inner, r, e);
}

static int v_positions(void *self, broker_position *out, int cap, int *n, tb_err *e)
{
    return broker_positions(((paper_tap *)self)->inner, out, cap, n, e);
}

static int v_account(void *self, broker_account *out, tb_err *e)
{
    return broker_account_get(((paper_tap *)self)->inner, out, e);
}

static void v_set_update(void *self, broker_update_fn fn, void *ud)
{
    paper_tap *t = self;
    t->fn = fn, t->fn_ud = ud;
    broker_set_update_fn(t->inner, on_update, t);
}

static const char *v_not_ready(void *self, char *why, size_t why_len)
{
    return broker_not_ready(((paper_tap *)self)->inner, why, why_len);
}

static const broker_vtable tap_vt = {"paper",   v_connect,    v_disconnect, v_state,
                                     v_submit,  v_cancel,     v_replace,    v_positions,
                                     v_account, v_set_update, v_not_ready,  NULL};

paper_tap *paper_tap_new(const paper_tap_config *c)
{
    paper_tap *t = calloc(1, sizeof *t);
    if (!t || !(t->tab = calloc(TAP_CAP, sizeof *t->tab))) {
        free(t);
        return NULL;
    }
    t->c = *c;
    t->max_sends = 1;
    return t;
}

void paper_tap_free(paper_tap *t)
{
    if (!t) return;
    for (uint32_t i = 0; i < TAP_CAP; i++) free(t->tab[i].key);
    free(t->tab);
    free(t);
}

broker paper_tap_wrap(paper_tap *t, broker inner)
{
    t->inner = inner;
    t->fn = NULL;
    return (broker){&tap_vt, t};
}

int64_t paper_tap_delivered(const paper_tap *t)
{
    return t->delivered;
}

int paper_tap_max_sends(const paper_tap *t, const char **client_id)
{
    if (client_id) *client_id = t->max_id;
    return t->max_sends;
}
