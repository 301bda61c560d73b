/*
 * replay_broker.c - the broker of `tradebot replay` (replay_broker.h).
 */
#include "replay/replay_broker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sent_rec {
    int file;
    tb_rec_decision d;
    char replayed_id[TB_REC_ID]; /* "" until a replayed order matched it */
} sent_rec;

struct tb_rbroker {
    broker inner; /* first (broker_fwd_*): the paper broker, for what the recording lacks */
    paper *paper;
    broker_update_fn fn;
    void *ud;
    sent_rec *sent;
    size_t nsent, capsent;
    char (*paper_ids)[TB_REC_ID];
    size_t npaper, cappaper;
    int file;
    int64_t seq;
    uint64_t unmatched;
    json_t *paper_rows;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *np = realloc(*p, c * size);
    if (!np) return -1;
    *p = np, *cap = c;
    return 0;
}

int tb_rbroker_add_sent(tb_rbroker *b, int file, const tb_rec_decision *d)
{
    if (grow((void **)&b->sent, &b->capsent, b->nsent, sizeof *b->sent) != 0) return -1;
    sent_rec *s = &b->sent[b->nsent++];
    memset(s, 0, sizeof *s);
    s->file = file;
    s->d = *d;
    return 0;
}

static int same_order(const sent_rec *s, int file, int64_t seq, const oms_order *o)
{
    const tb_rec_decision *d = &s->d;
    return !s->replayed_id[0] && s->file == file && d->bar_seq == seq &&
           strcmp(d->strategy, o->strategy) == 0 && strcmp(d->symbol, o->symbol) == 0 &&
           d->side == (int)o->side && d->type == (int)o->type && d->qty == o->qty &&
           d->limit == o->limit_price && d->stop == o->stop_price;
}

static sent_rec *match(tb_rbroker *b, const oms_order *o)
{
    for (size_t i = 0; i < b->nsent; i++)
        if (same_order(&b->sent[i], b->file, b->seq, o)) return &b->sent[i];
    return NULL;
}

static int is_paper(const tb_rbroker *b, const char *id)
{
    for (size_t i = 0; i < b->npaper; i++)
        if (strcmp(b->paper_ids[i], id) == 0) return 1;
    return 0;
}

static void to_paper(tb_rbroker *b, const oms_order *o)
{
    if (grow((void **)&b->paper_ids, &b->cappaper, b->npaper, sizeof *b->paper_ids) == 0)
        snprintf(b->paper_ids[b->npaper++], TB_REC_ID, "%s", o->client_id);
    json_array_append_new(b->paper_rows,
                          json_pack("{s:i, s:I, s:s, s:s, s:s, s:s, s:I}", "file", b->file, "bar",
                                    (json_int_t)b->seq, "client_id", o->client_id, "strategy",
                                    o->strategy, "symbol", o->symbol, "side",
                                    oms_side_name(o->side), "qty", (json_int_t)o->qty));
}

/* --- the vtable ------------------------------------------------------------------------------ */

static broker_state rb_state(void *self)
{
    (void)self;
    return BROKER_READY;
}

static int rb_submit(void *self, const broker_submit_req *q, tb_err *e)
{
    tb_rbroker *b = self;
    sent_rec *s = match(b, q->order);
    if (!s) {
        to_paper(b, q->order);
        return broker_submit(b->inner, q, e);
    }
    snprintf(s->replayed_id, sizeof s->replayed_id, "%s", q->order->client_id);
    if (strcmp(s->d.verdict, "send_failed") == 0) return tb_errf(e, "%s", s->d.why);
    return 0;
}

static int rb_cancel(void *self, const oms_order *o, tb_err *e)
{
    tb_rbroker *b = self;
    /* A recorded order's cancel is answered by the recorded updates, when the session had one. */
    return is_paper(b, o->client_id) ? broker_cancel(b->inner, o, e) : 0;
}

static int rb_replace(void *self, const broker_replace_req *q, tb_err *e)
{
    tb_rbroker *b = self;
    if (is_paper(b, q->old_order->client_id)) {
        to_paper(b, q->new_order);
        return broker_replace(b->inner, q, e);
    }
    sent_rec *s = match(b, q->new_order);
    if (s) snprintf(s->replayed_id, sizeof s->replayed_id, "%s", q->new_order->client_id);
    return 0;
}

static void rb_set_update_fn(void *self, broker_update_fn fn, void *ud)
{
    tb_rbroker *b = self;
    b->fn = fn, b->ud = ud;
    broker_set_update_fn(b->inner, fn, ud); /* paper fills go straight to the OMS */
}

static const broker_vtable rb_vt = {.name = "replay",
                                    .connect = broker_fwd_connect,
                                    .disconnect = broker_fwd_disconnect,
                                    .state = rb_state,
                                    .submit = rb_submit,
                                    .cancel = rb_cancel,
                                    .replace = rb_replace,
                                    .positions = broker_fwd_positions,
                                    .account = broker_fwd_account,
                                    .set_update_fn = rb_set_update_fn};

tb_rbroker *tb_rbroker_new(const paper_config *pc, tb_err *e)
{
    tb_rbroker *b = tb_zalloc(sizeof *b, "replay broker", e);
    if (!b) return NULL;
    b->paper_rows = json_array();
    if (!(b->paper = paper_new(pc, e))) {
        tb_rbroker_free(b);
        return NULL;
    }
    b->inner = paper_broker(b->paper);
    return b;
}

void tb_rbroker_free(tb_rbroker *b)
{
    if (!b) return;
    paper_free(b->paper);
    free(b->sent);
    free(b->paper_ids);
    json_decref(b->paper_rows);
    free(b);
}

broker tb_rbroker_broker(tb_rbroker *b)
{
    return (broker){.vt = &rb_vt, .self = b};
}

void tb_rbroker_at(tb_rbroker *b, int file, int64_t bar_seq)
{
    b->file = file, b->seq = bar_seq;
}

int tb_rbroker_restore(tb_rbroker *b, const oms_position *p, tb_err *e)
{
    return paper_restore_position(b->paper, p, e);
}

void tb_rbroker_bar(tb_rbroker *b, const tb_rec_bar *x)
{
    tb_money o, h, l, c;
    tb_err e;
    if (tb_money_from_double(x->open, 100, &o, &e) == 0 &&
        tb_money_from_double(x->high, 100, &h, &e) == 0 &&
        tb_money_from_double(x->low, 100, &l, &e) == 0 &&
        tb_money_from_double(x->close, 100, &c, &e) == 0)
        paper_on_bar(b->paper, x->symbol, o, h, l, c, (tb_qty)x->volume, x->start_ns, &e);
}

/* The replayed id of a recorded one: the order itself, or a bracket leg ("<parent>-tp"). */
static int map_id(const tb_rbroker *b, const char *rec, char *out, size_t cap)
{
    for (size_t i = 0; i < b->nsent; i++) {
        const sent_rec *s = &b->sent[i];
        size_t n = strlen(s->d.client_id);
        if (!s->replayed_id[0] || !n || strncmp(rec, s->d.client_id, n) != 0) continue;
        if (rec[n] == '\0' || rec[n] == '-') {
            snprintf(out, cap, "%s%s", s->replayed_id, rec + n);
            return 1;
        }
    }
    return 0;
}

int tb_rbroker_update(tb_rbroker *b, const tb_rec_update *u)
{
    char id[2 * TB_REC_ID];
    if (!b->fn || !map_id(b, u->client_id, id, sizeof id)) {
        b->unmatched++;
        return 0;
    }
    broker_update x = {.client_id = id,
                       .broker_id = u->broker_id[0] ? u->broker_id : NULL,
                       .status = (oms_status)u->status,
                       .reason = u->reason[0] ? u->reason : NULL,
                       .has_exec = u->has_exec,
                       .exec_id = u->exec_id[0] ? u->exec_id : NULL,
                       .exec_qty = u->exec_qty,
                       .exec_price = u->exec_price,
                       .commission = u->commission,
                       .cum_qty = u->cum_qty,
                       .avg_price = u->avg_price,
                       .t_ns = u->t_ns,
                       .exec_t_ns = u->exec_t_ns};
    b->fn(b->ud, &x);
    return 1;
}

uint64_t tb_rbroker_paper_orders(const tb_rbroker *b)
{
    return b->npaper;
}

uint64_t tb_rbroker_unmatched_updates(const tb_rbroker *b)
{
    return b->unmatched;
}

json_t *tb_rbroker_paper_rows(const tb_rbroker *b)
{
    return b->paper_rows;
}
