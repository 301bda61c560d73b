/*
 * recorder.c - the live engine's session recorder (recorder.h; format in rec.h).
 *
 * Everything runs on the loop thread. A record is encoded into the writer's buffer where it
 * happens; one event callback, activated once per loop turn that produced records, writes the
 * buffer after the current event's work (the bar's orders are out by then). A kill -9 loses what
 * that turn buffered at most, and can cut the file only at its end (a torn tail the reader
 * detects).
 */
#include "replay/recorder.h"
#include "feed/replay.h"
#include "log/log.h"
#include "log/redact.h"
#include "replay/rec.h"
#include "util/clock.h"
#include "util/hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tb_recorder {
    broker inner; /* first (broker_fwd_*): the broker the order manager really talks to */
    tb_rec_writer w;
    tb_trade_tap tap;
    tb_shost *shost;
    const tb_symtab *syms;
    broker_vtable vt; /* the decorator's: the inner broker's name, recording functions */
    struct event *flush_ev;
    int flush_pending;
    char id[64];
    int64_t bar_seq;
    int versions[TB_MAX_STRATEGIES]; /* the version of each strategy last recorded (0: none) */
    broker_update_fn up_fn;          /* the order manager's update callback */
    void *up_ud;
    tb_recorder_stats st;
    int warned;
    json_t *(*start_state)(void *ud);
    void *start_ud;
    int started; /* the START record is written */
};

/* A bounded string copy without snprintf's formatting (a few per record, on the hot path). */
static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

static void on_flush(evutil_socket_t fd, short what, void *ud)
{
    tb_recorder *r = ud;
    (void)fd, (void)what;
    r->flush_pending = 0;
    tb_err e;
    size_t n = r->w.len;
    if (tb_rec_writer_flush(&r->w, &e) != 0) {
        r->st.failed = 1;
        if (!r->warned++) TB_ERROR("record", "session recording failed: %s", e.msg);
        return;
    }
    if (n) r->st.flushes++;
}

static void schedule(tb_recorder *r)
{
    if (r->flush_pending) return;
    r->flush_pending = 1;
    event_active(r->flush_ev, 0, 0);
}

static void count_put(tb_recorder *r, int rc, const tb_err *e)
{
    if (rc == 0) {
        schedule(r);
        return;
    }
    r->st.dropped++;
    r->st.failed = r->w.failed;
    if (!r->warned++) TB_ERROR("record", "session record dropped: %s", e->msg);
}

/* --- strategy versions ----------------------------------------------------------------------- */

static char *read_text(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 8192, len = 0;
    char *p = malloc(cap);
    for (size_t k; p && (k = fread(p + len, 1, cap - len, f)) > 0;) {
        len += k;
        if (len == cap) {
            char *np = realloc(p, cap * 2);
            if (!np) free(p);
            p = np, cap *= 2;
        }
    }
    fclose(f);
    *n = len;
    return p;
}

/* One strategy version: its identity and params as JSON, and the file's text as loaded. */
static void record_strategy(tb_recorder *r, tb_strategy *s)
{
    size_t tlen = 0;
    char *text = read_text(s->path, &tlen);
    uint64_t h = text ? tb_fnv64(TB_FNV64_SEED, text, tlen) /* the host's file_hash */ : 0;
    char hash[24];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)h);
    json_t *syms = json_array();
    for (int i = 0; i < s->nsymbols; i++) json_array_append_new(syms, json_string(s->symbols[i]));
    /* params by value only: their names are the strategy's, and replay needs them all */
    json_t *params = json_deep_copy(s->cfg_params), *sp = json_deep_copy(s->cfg_symbol_params);
    tb_redact_json(params, 0), tb_redact_json(sp, 0);
    json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:b, s:o, s:o?, s:o?, s:b}", "name", s->name,
                          "file", s->rel, "hash", hash, "version", s->version, "allow_short",
                          s->allow_short, "symbols", syms, "params", params, "symbol_params", sp,
                          "text_matches_loaded", text && h == s->file_hash);
    char *js = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    tb_err e;
    int rc = js ? tb_rec_put_strategy(&r->w, js, strlen(js), text ? text : "", tlen, &e)
                : tb_errf(&e, "strategy %s: cannot encode its version", s->name);
    if (rc == 0) r->st.strategies++;
    if (!text) TB_WARN("record", "strategy %s: cannot read %s for the recording", s->name, s->rel);
    count_put(r, rc, &e);
    free(js);
    json_decref(j);
    free(text);
}

/* A reload (file, params, overlay) bumps the version: recorded before the next bar it sees. */
static void check_versions(tb_recorder *r)
{
    for (int i = 0; i < r->shost->n && i < TB_MAX_STRATEGIES; i++) {
        tb_strategy *s = r->shost->s[i];
        if (s && s->version != r->versions[i]) {
            r->versions[i] = s->version;
            record_strategy(r, s);
        }
    }
}

/* --- the tap --------------------------------------------------------------------------------- */

/* What the engine restored before its first bar (a restart): the replay starts from it. */
static void record_start(tb_recorder *r)
{
    r->started = 1;
    json_t *j = r->start_state ? r->start_state(r->start_ud) : NULL;
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    tb_err e;
    if (s) count_put(r, tb_rec_put_raw(&r->w, TB_REC_START, s, strlen(s), &e), &e);
    free(s);
    json_decref(j);
}

static void tap_feed(void *ud, const tb_replay_ev *ev)
{
    tb_recorder *r = ud;
    tb_err e;
    int rc = 0;
    if (ev->type == TB_REPLAY_BAR) {
        check_versions(r);
        if (!r->started) record_start(r);
        const tb_bar *b = ev->bar;
        tb_rec_bar x = {.seq = ++r->bar_seq,
                        .start_ns = b->start_ns,
                        .tf_sec = b->tf_sec,
                        .open = b->open,
                        .high = b->high,
                        .low = b->low,
                        .close = b->close,
                        .volume = b->volume,
                        .vwap = b->vwap,
                        .trades = b->trades,
                        .recv_ns = tb_clock_now_ns()};
        copy(x.symbol, sizeof x.symbol, tb_symtab_name(r->syms, b->sym));
        rc = tb_rec_put_bar(&r->w, &x, &e);
        r->st.bars += rc == 0;
    } else if (ev->type == TB_REPLAY_SESSION_START || ev->type == TB_REPLAY_SESSION_END) {
        tb_rec_session s = {.start = ev->type == TB_REPLAY_SESSION_START,
                            .date = (int32_t)ev->session->date,
                            .t_ns = ev->sim_ns};
        rc = tb_rec_put_session(&r->w, &s, &e);
    } else {
        return;
    }
    count_put(r, rc, &e);
}

static void fill_decision(tb_rec_decision *d, int64_t seq, const oms_intent *in)
{
    d->bar_seq = seq;
    copy(d->strategy, sizeof d->strategy, in->strategy);
    copy(d->symbol, sizeof d->symbol, in->symbol);
    d->side = (int)in->side, d->type = (int)in->type, d->tif = (int)in->tif;
    d->order_class = (int)in->order_class;
    d->qty = in->qty, d->limit = in->limit_price, d->stop = in->stop_price;
    d->take_profit = in->take_profit_limit, d->stop_loss = in->stop_loss_stop;
    copy(d->reason, sizeof d->reason, in->reason);
}

static void tap_decision(void *ud, const oms_intent *in, const char *verdict, const char *gate,
                         const char *why, const oms_order *o)
{
    tb_recorder *r = ud;
    tb_rec_decision d;
    memset(&d, 0, sizeof d);
    fill_decision(&d, r->bar_seq, in);
    copy(d.verdict, sizeof d.verdict, verdict);
    copy(d.gate, sizeof d.gate, gate);
    copy(d.why, sizeof d.why, why);
    if (o) {
        copy(d.client_id, sizeof d.client_id, o->client_id);
        copy(d.status, sizeof d.status, oms_status_name(o->status));
    }
    tb_err e;
    int rc = tb_rec_put_decision(&r->w, &d, &e);
    r->st.decisions += rc == 0;
    count_put(r, rc, &e);
}

/* An order that went to the broker (a strategy's, the engine's flatten, a replacement): the
 * replay matches its own orders to these to answer with the recorded updates. */
static void record_sent(tb_recorder *r, const oms_order *o, int rc, const tb_err *se)
{
    oms_intent in = {.strategy = o->strategy,
                     .symbol = o->symbol,
                     .side = o->side,
                     .type = o->type,
                     .tif = o->tif,
                     .order_class = o->order_class,
                     .qty = o->qty,
                     .limit_price = o->limit_price,
                     .stop_price = o->stop_price,
                     .take_profit_limit = o->take_profit_limit,
                     .stop_loss_stop = o->stop_loss_stop,
                     .reason = o->reason};
    tb_rec_decision d;
    memset(&d, 0, sizeof d);
    fill_decision(&d, r->bar_seq, &in);
    copy(d.verdict, sizeof d.verdict, rc == 0 ? "sent" : "send_failed");
    if (rc != 0) copy(d.why, sizeof d.why, se->msg);
    copy(d.client_id, sizeof d.client_id, o->client_id);
    tb_err e;
    count_put(r, tb_rec_put_decision(&r->w, &d, &e), &e);
}

/* --- the broker decorator: everything forwarded, submits and updates recorded ---------------- */

static void on_update(void *ud, const broker_update *u)
{
    tb_recorder *r = ud;
    tb_rec_update x;
    memset(&x, 0, sizeof x);
    x.bar_seq = r->bar_seq;
    copy(x.client_id, sizeof x.client_id, u->client_id);
    copy(x.broker_id, sizeof x.broker_id, u->broker_id);
    x.status = (int)u->status;
    copy(x.reason, sizeof x.reason, u->reason);
    x.has_exec = u->has_exec;
    copy(x.exec_id, sizeof x.exec_id, u->exec_id);
    x.exec_qty = u->exec_qty, x.exec_price = u->exec_price, x.commission = u->commission;
    x.cum_qty = u->cum_qty, x.avg_price = u->avg_price;
    x.t_ns = u->t_ns, x.exec_t_ns = u->exec_t_ns;
    tb_err e;
    int rc = x.client_id[0] ? tb_rec_put_update(&r->w, &x, &e) : 0;
    r->st.updates += rc == 0 && x.client_id[0];
    count_put(r, rc, &e);
    if (r->up_fn) r->up_fn(r->up_ud, u);
}

static int d_submit(void *self, const broker_submit_req *q, tb_err *e)
{
    tb_recorder *r = self;
    int rc = broker_submit(r->inner, q, e);
    record_sent(r, q->order, rc, e);
    return rc;
}

static int d_replace(void *self, const broker_replace_req *q, tb_err *e)
{
    tb_recorder *r = self;
    int rc = broker_replace(r->inner, q, e);
    record_sent(r, q->new_order, rc, e);
    return rc;
}

static void d_set_update_fn(void *self, broker_update_fn fn, void *ud)
{
    tb_recorder *r = self;
    r->up_fn = fn, r->up_ud = ud;
    broker_set_update_fn(r->inner, fn ? on_update : NULL, fn ? r : NULL);
}

static const broker_vtable decorator_vt = {.connect = broker_fwd_connect,
                                           .disconnect = broker_fwd_disconnect,
                                           .state = broker_fwd_state,
                                           .submit = d_submit,
                                           .cancel = broker_fwd_cancel,
                                           .replace = d_replace,
                                           .positions = broker_fwd_positions,
                                           .account = broker_fwd_account,
                                           .set_update_fn = d_set_update_fn,
                                           .not_ready = broker_fwd_not_ready,
                                           .differences = broker_fwd_differences};

static void tap_wrap_broker(void *ud, broker *b)
{
    tb_recorder *r = ud;
    r->inner = *b;
    r->vt = decorator_vt;
    r->vt.name = b->vt->name;
    b->vt = &r->vt;
    b->self = r;
}

/* --- lifecycle ------------------------------------------------------------------------------- */

static int create_file(tb_recorder *r, const tb_recorder_opts *o, tb_err *e)
{
    if (mkdir(o->dir, 0750) != 0 && errno != EEXIST)
        return tb_errf(e, "%s: cannot create: %s", o->dir, strerror(errno));
    char ts[40], path[4096];
    tb_clock_fmt_utc(tb_clock_now_ns(), ts, sizeof ts); /* 2026-03-09T14:30:05... */
    char base[32];
    snprintf(base, sizeof base, "%.10s-%.2s%.2s%.2s", ts, ts + 11, ts + 14, ts + 17);
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(r->id, sizeof r->id, "%s", base);
        else
            snprintf(r->id, sizeof r->id, "%s-%d", base, k);
        snprintf(path, sizeof path, "%s/%s.rec", o->dir, r->id);
        if (access(path, F_OK) == 0) continue;
        return tb_rec_writer_open(&r->w, path, o->buffer_bytes, e);
    }
    return tb_errf(e, "%s: no free session id for %s", o->dir, base);
}

static int record_meta(tb_recorder *r, const tb_recorder_opts *o, tb_err *e)
{
    char ts[40];
    int64_t now = tb_clock_now_ns();
    json_t *cfg = o->config ? json_deep_copy(o->config) : json_object();
    tb_redact_json(cfg, 1); /* keys live in their own files, but a config may carry one inline */
    json_t *m = json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:i, s:o}", "id", r->id, "started",
                          tb_clock_fmt_utc(now, ts, sizeof ts), "started_ns", (json_int_t)now,
                          "broker", o->broker ? o->broker : "", "feed", o->feed ? o->feed : "",
                          "pid", (int)getpid(), "format", (int)TB_REC_VERSION, "config", cfg);
    if (m && o->macro) json_object_set(m, "macro", o->macro);
    char *s = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int rc = s ? tb_rec_put_raw(&r->w, TB_REC_META, s, strlen(s), e)
               : tb_errf(e, "cannot encode the session's configuration");
    free(s);
    json_decref(m);
    return rc;
}

tb_recorder *tb_recorder_open(const tb_recorder_opts *o, tb_err *e)
{
    tb_recorder *r = tb_zalloc(sizeof *r, "recorder", e);
    if (!r) return NULL;
    r->w.fd = -1;
    r->shost = o->shost;
    r->syms = o->syms;
    r->start_state = o->start_state;
    r->start_ud = o->start_ud;
    r->tap = (tb_trade_tap){
        .feed = tap_feed, .decision = tap_decision, .wrap_broker = tap_wrap_broker, .ud = r};
    if (!(r->flush_ev = event_new(o->base, -1, 0, on_flush, r))) {
        tb_errf(e, "recorder: cannot create the flush event");
        goto fail;
    }
    if (create_file(r, o, e) != 0 || record_meta(r, o, e) != 0) goto fail;
    check_versions(r);
    if (tb_rec_writer_flush(&r->w, e) != 0) goto fail;
    TB_INFO("record", "recording the session to %s", r->w.path);
    return r;
fail:
    tb_recorder_close(r);
    return NULL;
}

const tb_trade_tap *tb_recorder_tap(tb_recorder *r)
{
    return &r->tap;
}

const char *tb_recorder_id(const tb_recorder *r)
{
    return r->id;
}

const char *tb_recorder_path(const tb_recorder *r)
{
    return r->w.path;
}

void tb_recorder_stats_get(const tb_recorder *r, tb_recorder_stats *out)
{
    *out = r->st;
    out->bytes = r->w.written + r->w.len;
    out->sync_flushes = r->w.sync_flushes;
    out->failed = r->w.failed;
}

void tb_recorder_close(tb_recorder *r)
{
    if (!r) return;
    if (r->w.fd >= 0) {
        tb_rec_end x = {.t_ns = tb_clock_now_ns(),
                        .bars = (int64_t)r->st.bars,
                        .decisions = (int64_t)r->st.decisions,
                        .updates = (int64_t)r->st.updates};
        tb_err e;
        tb_rec_put_end(&r->w, &x, &e);
        if (tb_rec_writer_flush(&r->w, &e) != 0)
            TB_ERROR("record", "session recording failed: %s", e.msg);
        else
            TB_INFO("record", "session %s recorded: bars=%llu decisions=%llu updates=%llu", r->id,
                    (unsigned long long)r->st.bars, (unsigned long long)r->st.decisions,
                    (unsigned long long)r->st.updates);
    }
    tb_rec_writer_close(&r->w);
    if (r->flush_ev) event_free(r->flush_ev);
    free(r);
}
