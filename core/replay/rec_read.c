/*
 * rec_read.c - reading a session recording back (format in rec.h): the frame walk that tells a
 * torn tail (a crash while writing: reported, the intact part is used) from corruption (an error
 * naming file and offset), and the decoders of each record type, bounds-checked field by field.
 */
#include "replay/rec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint64_t rd_u(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int check_header(tb_rec_reader *r, tb_err *e)
{
    if (r->size < TB_REC_HEADER || memcmp(r->data, TB_REC_MAGIC, 8) != 0)
        return tb_errf(e, "%s: not a session recording (no TBRECORD header at offset 0)", r->path);
    r->version = (uint32_t)rd_u(r->data + 8, 4);
    if (r->version != TB_REC_VERSION)
        return tb_errf(e, "%s: recording format version %u at offset 8 (this build reads %u)",
                       r->path, r->version, TB_REC_VERSION);
    r->pos = TB_REC_HEADER;
    return 0;
}

int tb_rec_open_mem(tb_rec_reader *r, const void *data, size_t size, const char *path, tb_err *e)
{
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    r->data = (unsigned char *)data;
    r->size = size;
    return check_header(r, e);
}

int tb_rec_open(tb_rec_reader *r, const char *path, tb_err *e)
{
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    FILE *f = fopen(path, "rb");
    if (!f) return tb_errf(e, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += k;
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) free(buf);
            buf = nb, cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf) return tb_errf(e, "%s: out of memory", path);
    if (err) {
        free(buf);
        return tb_errf(e, "%s: read error", path);
    }
    r->data = buf;
    r->size = n;
    if (check_header(r, e) != 0) {
        free(buf);
        r->data = NULL;
        return -1;
    }
    r->owned = 1;
    return 0;
}

void tb_rec_close(tb_rec_reader *r)
{
    if (r->owned) free(r->data); /* open_mem's buffer is the caller's */
    r->data = NULL;
    r->owned = 0;
}

static int torn(tb_rec_reader *r)
{
    r->torn = 1;
    r->torn_offset = r->pos;
    r->torn_bytes = r->size - r->pos;
    r->pos = r->size;
    return 0;
}

int tb_rec_next(tb_rec_reader *r, tb_rec_rec *out, tb_err *e)
{
    if (r->pos >= r->size) return 0;
    size_t left = r->size - r->pos;
    const unsigned char *f = r->data + r->pos;
    if (left < TB_REC_FRAME) return torn(r);
    uint64_t len = rd_u(f, 4);
    uint32_t crc = (uint32_t)rd_u(f + TB_REC_OFF_CRC, 4);
    if ((uint32_t)rd_u(f + 4, 4) != (uint32_t) ~(uint32_t)len || len > TB_REC_MAX_PAYLOAD)
        return tb_errf(e,
                       "%s: corrupt record at offset %zu: damaged length %llu (%zu bytes follow)",
                       r->path, r->pos, (unsigned long long)len, left);
    if (left < TB_REC_FRAME + len) return torn(r);
    uint32_t got = (uint32_t)crc32(0L, f + TB_REC_OFF_TYPE, (uInt)(1 + len));
    if (got != crc) {
        if (left == TB_REC_FRAME + len) return torn(r); /* the last record, cut short in place */
        return tb_errf(e,
                       "%s: corrupt record at offset %zu: checksum %08x, expected %08x (%zu "
                       "bytes follow)",
                       r->path, r->pos, got, crc, left - TB_REC_FRAME - (size_t)len);
    }
    out->type = (tb_rec_type)f[TB_REC_OFF_TYPE];
    out->p = f + TB_REC_FRAME;
    out->len = (size_t)len;
    out->offset = r->pos;
    r->pos += TB_REC_FRAME + (size_t)len;
    if (out->type < TB_REC_META || out->type > TB_REC_LAST)
        return tb_errf(e, "%s: unknown record type %d at offset %llu", r->path, (int)out->type,
                       (unsigned long long)out->offset);
    return 1;
}

/* --- decoding -------------------------------------------------------------------------------- */

typedef struct dec {
    const unsigned char *p;
    size_t n, len;
    int bad;
} dec;

static uint64_t get_u(dec *d, int bytes)
{
    if (d->bad || d->n + (size_t)bytes > d->len) {
        d->bad = 1;
        return 0;
    }
    uint64_t v = rd_u(d->p + d->n, bytes);
    d->n += (size_t)bytes;
    return v;
}

static int64_t get_i64(dec *d)
{
    return (int64_t)get_u(d, 8);
}

static double get_f64(dec *d)
{
    uint64_t v = get_u(d, 8);
    double x;
    memcpy(&x, &v, 8);
    return x;
}

static void get_str(dec *d, char *out, size_t cap)
{
    size_t n = (size_t)get_u(d, 2);
    out[0] = '\0';
    if (d->bad || n >= cap || d->n + n > d->len) {
        d->bad = 1;
        return;
    }
    memcpy(out, d->p + d->n, n);
    out[n] = '\0';
    if (memchr(out, '\0', n)) d->bad = 1; /* an embedded NUL: not a string this writer wrote */
    d->n += n;
}

static int done(const tb_rec_reader *r, const tb_rec_rec *x, dec *d, const char *what, tb_err *e)
{
    if (!d->bad && d->n == d->len) return 0;
    return tb_errf(e, "%s: corrupt %s record at offset %llu (%zu bytes)", r->path, what,
                   (unsigned long long)x->offset, x->len);
}

static dec start(const tb_rec_rec *x)
{
    dec d = {.p = x->p, .n = 0, .len = x->len, .bad = 0};
    return d;
}

int tb_rec_get_bar(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_bar *b, tb_err *e)
{
    dec d = start(x);
    memset(b, 0, sizeof *b);
    b->seq = get_i64(&d);
    get_str(&d, b->symbol, sizeof b->symbol);
    b->start_ns = get_i64(&d);
    b->tf_sec = (int32_t)get_u(&d, 4);
    b->open = get_f64(&d), b->high = get_f64(&d), b->low = get_f64(&d), b->close = get_f64(&d);
    b->volume = get_f64(&d), b->vwap = get_f64(&d);
    b->trades = get_i64(&d);
    b->recv_ns = get_i64(&d);
    if (!d.bad && (!b->symbol[0] || b->tf_sec <= 0)) d.bad = 1;
    return done(r, x, &d, "bar", e);
}

int tb_rec_get_session(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_session *s, tb_err *e)
{
    dec d = start(x);
    memset(s, 0, sizeof *s);
    uint64_t st = get_u(&d, 1);
    s->start = st == 1;
    s->date = (int32_t)get_u(&d, 4);
    s->t_ns = get_i64(&d);
    if (st > 1) d.bad = 1;
    return done(r, x, &d, "session", e);
}

int tb_rec_get_decision(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_decision *o, tb_err *e)
{
    dec d = start(x);
    memset(o, 0, sizeof *o);
    o->bar_seq = get_i64(&d);
    get_str(&d, o->strategy, sizeof o->strategy);
    get_str(&d, o->symbol, sizeof o->symbol);
    o->side = (int)get_u(&d, 1), o->type = (int)get_u(&d, 1);
    o->tif = (int)get_u(&d, 1), o->order_class = (int)get_u(&d, 1);
    o->qty = get_i64(&d), o->limit = get_i64(&d), o->stop = get_i64(&d);
    o->take_profit = get_i64(&d), o->stop_loss = get_i64(&d);
    get_str(&d, o->verdict, sizeof o->verdict);
    get_str(&d, o->gate, sizeof o->gate);
    get_str(&d, o->why, sizeof o->why);
    get_str(&d, o->client_id, sizeof o->client_id);
    get_str(&d, o->status, sizeof o->status);
    get_str(&d, o->reason, sizeof o->reason);
    if (!d.bad && (o->side > 1 || o->type > 3 || o->tif > 4 || o->order_class > 1)) d.bad = 1;
    return done(r, x, &d, "decision", e);
}

int tb_rec_get_update(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_update *u, tb_err *e)
{
    dec d = start(x);
    memset(u, 0, sizeof *u);
    u->bar_seq = get_i64(&d);
    get_str(&d, u->client_id, sizeof u->client_id);
    get_str(&d, u->broker_id, sizeof u->broker_id);
    u->status = (int)get_u(&d, 1);
    get_str(&d, u->reason, sizeof u->reason);
    u->has_exec = (int)get_u(&d, 1);
    get_str(&d, u->exec_id, sizeof u->exec_id);
    u->exec_qty = get_i64(&d), u->exec_price = get_i64(&d), u->commission = get_i64(&d);
    u->cum_qty = get_i64(&d), u->avg_price = get_i64(&d);
    u->t_ns = get_i64(&d), u->exec_t_ns = get_i64(&d);
    if (!d.bad && (!u->client_id[0] || u->has_exec > 1)) d.bad = 1;
    return done(r, x, &d, "broker update", e);
}

int tb_rec_get_end(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_end *o, tb_err *e)
{
    dec d = start(x);
    o->t_ns = get_i64(&d);
    o->bars = get_i64(&d), o->decisions = get_i64(&d), o->updates = get_i64(&d);
    return done(r, x, &d, "end", e);
}

int tb_rec_get_strategy(const tb_rec_reader *r, const tb_rec_rec *x, const char **json,
                        size_t *jlen, const char **text, size_t *tlen, tb_err *e)
{
    dec d = start(x);
    *jlen = (size_t)get_u(&d, 4);
    if (!d.bad && d.n + *jlen <= d.len) {
        *json = (const char *)d.p + d.n;
        d.n += *jlen;
    } else {
        d.bad = 1;
    }
    *tlen = (size_t)get_u(&d, 4);
    if (!d.bad && d.n + *tlen <= d.len) {
        *text = (const char *)d.p + d.n;
        d.n += *tlen;
    } else {
        d.bad = 1;
    }
    return done(r, x, &d, "strategy", e);
}

void tb_rec_bar_to(const tb_rec_bar *x, uint32_t sym, tb_bar *out)
{
    *out = (tb_bar){.start_ns = x->start_ns,
                    .open = x->open,
                    .high = x->high,
                    .low = x->low,
                    .close = x->close,
                    .volume = x->volume,
                    .vwap = x->vwap,
                    .trades = x->trades,
                    .tf_sec = x->tf_sec,
                    .sym = sym};
}
