/*
 * rec_write.c - appending records to a session recording (format in rec.h).
 *
 * Records are encoded into one buffer allocated at open; the owner flushes it with one write()
 * after the event that produced them (the engine: a loop callback once the bar's orders are
 * out), so the bar-to-order path does a memcpy-sized encode and no system call; even the CRCs
 * are computed at the flush. A failed write
 * stops the recording (counted, named in err) rather than leaving a hole in the middle.
 */
#include "replay/rec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define HOT_MAX 4096 /* the largest bar, session, decision or update record */

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k, n -= (size_t)k;
    }
    return 0;
}

int tb_rec_writer_open(tb_rec_writer *w, const char *path, size_t buf_cap, tb_err *e)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    snprintf(w->path, sizeof w->path, "%s", path);
    if (buf_cap < 2 * HOT_MAX) buf_cap = 2 * HOT_MAX;
    if (!(w->buf = malloc(buf_cap))) return tb_errf(e, "%s: out of memory", path);
    w->cap = buf_cap;
    /* 0600 like the database: a recording holds every order, fill and broker update */
    w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (w->fd < 0) {
        free(w->buf);
        w->buf = NULL;
        return tb_errf(e, "%s: cannot create: %s", path, strerror(errno));
    }
    unsigned char h[TB_REC_HEADER] = {0};
    memcpy(h, TB_REC_MAGIC, 8);
    uint32_t v = TB_REC_VERSION;
    for (int i = 0; i < 4; i++) h[8 + i] = (unsigned char)(v >> (8 * i));
    if (write_all(w->fd, h, sizeof h) != 0) {
        int err = errno;
        tb_rec_writer_close(w);
        return tb_errf(e, "%s: cannot write the header: %s", path, strerror(err));
    }
    w->written = TB_REC_HEADER;
    return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* A frame's length, its complement and type (the CRC comes later: set_crc). */
static void set_head(unsigned char *f, tb_rec_type type, size_t len)
{
    put_le32(f, (uint32_t)len);
    put_le32(f + 4, ~(uint32_t)len);
    f[TB_REC_OFF_TYPE] = (unsigned char)type;
}

static void set_crc(unsigned char *f, uLong crc)
{
    put_le32(f + TB_REC_OFF_CRC, (uint32_t)crc);
}

/* The CRCs of the buffered records, computed here rather than where a record is encoded: the
 * flush runs after the event, off the bar-to-order path. */
static void fill_crcs(tb_rec_writer *w)
{
    size_t pos = 0;
    while (pos + TB_REC_FRAME <= w->len) {
        unsigned char *f = w->buf + pos;
        size_t len = (size_t)f[0] | (size_t)f[1] << 8 | (size_t)f[2] << 16 | (size_t)f[3] << 24;
        set_crc(f, crc32(0L, f + TB_REC_OFF_TYPE, (uInt)(1 + len)));
        pos += TB_REC_FRAME + len;
    }
}

int tb_rec_writer_flush(tb_rec_writer *w, tb_err *e)
{
    if (w->failed) return tb_errf(e, "%s", w->err);
    if (!w->len) return 0;
    fill_crcs(w);
    if (write_all(w->fd, w->buf, w->len) != 0) {
        w->failed = 1;
        snprintf(w->err, sizeof w->err, "%s: write failed at byte %llu: %s; recording stopped",
                 w->path, (unsigned long long)w->written, strerror(errno));
        return tb_errf(e, "%s", w->err);
    }
    w->written += w->len;
    w->len = 0;
    return 0;
}

void tb_rec_writer_close(tb_rec_writer *w)
{
    tb_err e;
    if (w->fd >= 0) {
        tb_rec_writer_flush(w, &e);
        close(w->fd);
    }
    free(w->buf);
    w->buf = NULL;
    w->fd = -1;
}

/* --- encoding into the buffer ---------------------------------------------------------------- */

typedef struct enc {
    unsigned char *p;
    size_t n, cap;
} enc;

/* Fields are little-endian: a plain copy on a little-endian host, byte by byte otherwise. */
static void put_u(enc *c, uint64_t v, int bytes)
{
    if (c->n + (size_t)bytes > c->cap) {
        c->n = c->cap + 1; /* overflow: caught by the caller */
        return;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(c->p + c->n, &v, (size_t)bytes);
    c->n += (size_t)bytes;
#else
    for (int i = 0; i < bytes; i++) c->p[c->n++] = (unsigned char)(v >> (8 * i));
#endif
}

static void put_i64(enc *c, int64_t v)
{
    put_u(c, (uint64_t)v, 8);
}

static void put_f64(enc *c, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u(c, v, 8);
}

/* A string cut to cap-1 bytes (the reader's buffers hold cap with the NUL). */
static void put_str(enc *c, const char *s, size_t cap)
{
    size_t n = s ? strnlen(s, cap - 1) : 0;
    put_u(c, n, 2);
    if (c->n + n > c->cap) {
        c->n = c->cap + 1;
        return;
    }
    if (n) memcpy(c->p + c->n, s, n);
    c->n += n;
}

/* Room for one hot record: flushes on the producer's path only when the buffer is full. */
static int reserve(tb_rec_writer *w, size_t need, tb_err *e)
{
    if (w->failed) return tb_errf(e, "%s", w->err);
    if (w->cap - w->len >= need) return 0;
    w->sync_flushes++;
    return tb_rec_writer_flush(w, e);
}

/* Length and type; the CRC is filled when the buffer is written (fill_crcs). */
static void frame(tb_rec_writer *w, tb_rec_type type, size_t len)
{
    set_head(w->buf + w->len, type, len);
    w->len += TB_REC_FRAME + len;
    w->records++;
}

static enc begin(tb_rec_writer *w)
{
    enc c = {.p = w->buf + w->len + TB_REC_FRAME, .n = 0, .cap = HOT_MAX - TB_REC_FRAME};
    return c;
}

static int finish(tb_rec_writer *w, tb_rec_type type, enc *c, tb_err *e)
{
    if (c->n > c->cap) return tb_errf(e, "%s: record of type %d too large", w->path, (int)type);
    frame(w, type, c->n);
    return 0;
}

int tb_rec_put_raw(tb_rec_writer *w, tb_rec_type type, const void *payload, size_t len, tb_err *e)
{
    if (len > TB_REC_MAX_PAYLOAD)
        return tb_errf(e, "%s: record of %zu bytes (at most %u)", w->path, len, TB_REC_MAX_PAYLOAD);
    if (w->failed) return tb_errf(e, "%s", w->err);
    if (w->cap - w->len < TB_REC_FRAME + len) {
        if (tb_rec_writer_flush(w, e) != 0) return -1;
        if (w->cap < TB_REC_FRAME + len) { /* larger than the buffer: straight to the file */
            unsigned char f[TB_REC_FRAME];
            set_head(f, type, len);
            set_crc(f, crc32(crc32(0L, f + TB_REC_OFF_TYPE, 1), payload, (uInt)len));
            if (write_all(w->fd, f, sizeof f) != 0 || write_all(w->fd, payload, len) != 0) {
                w->failed = 1;
                snprintf(w->err, sizeof w->err, "%s: write failed: %s; recording stopped", w->path,
                         strerror(errno));
                return tb_errf(e, "%s", w->err);
            }
            w->written += sizeof f + len;
            w->records++;
            return 0;
        }
    }
    memcpy(w->buf + w->len + TB_REC_FRAME, payload, len);
    frame(w, type, len);
    return 0;
}

int tb_rec_put_strategy(tb_rec_writer *w, const char *json, size_t jlen, const char *text,
                        size_t tlen, tb_err *e)
{
    size_t n = 8 + jlen + tlen;
    if (n > TB_REC_MAX_PAYLOAD)
        return tb_errf(e, "%s: strategy record of %zu bytes (at most %u)", w->path, n,
                       TB_REC_MAX_PAYLOAD);
    unsigned char *p = malloc(n); /* a strategy version: at start and on reload only */
    if (!p) return tb_errf(e, "%s: out of memory", w->path);
    enc c = {.p = p, .n = 0, .cap = n};
    put_u(&c, jlen, 4);
    memcpy(p + c.n, json, jlen), c.n += jlen;
    put_u(&c, tlen, 4);
    if (tlen) memcpy(p + c.n, text, tlen);
    c.n += tlen;
    int rc = tb_rec_put_raw(w, TB_REC_STRATEGY, p, c.n, e);
    free(p);
    return rc;
}

int tb_rec_put_bar(tb_rec_writer *w, const tb_rec_bar *b, tb_err *e)
{
    if (reserve(w, HOT_MAX, e) != 0) return -1;
    enc c = begin(w);
    put_i64(&c, b->seq);
    put_str(&c, b->symbol, TB_REC_SYM);
    put_i64(&c, b->start_ns);
    put_u(&c, (uint32_t)b->tf_sec, 4);
    put_f64(&c, b->open), put_f64(&c, b->high), put_f64(&c, b->low), put_f64(&c, b->close);
    put_f64(&c, b->volume), put_f64(&c, b->vwap);
    put_i64(&c, b->trades);
    put_i64(&c, b->recv_ns);
    return finish(w, TB_REC_BAR, &c, e);
}

int tb_rec_put_session(tb_rec_writer *w, const tb_rec_session *s, tb_err *e)
{
    if (reserve(w, HOT_MAX, e) != 0) return -1;
    enc c = begin(w);
    put_u(&c, s->start ? 1 : 0, 1);
    put_u(&c, (uint32_t)s->date, 4);
    put_i64(&c, s->t_ns);
    return finish(w, TB_REC_SESSION, &c, e);
}

int tb_rec_put_decision(tb_rec_writer *w, const tb_rec_decision *d, tb_err *e)
{
    if (reserve(w, HOT_MAX, e) != 0) return -1;
    enc c = begin(w);
    put_i64(&c, d->bar_seq);
    put_str(&c, d->strategy, TB_REC_NAME);
    put_str(&c, d->symbol, TB_REC_SYM);
    put_u(&c, (uint32_t)d->side, 1), put_u(&c, (uint32_t)d->type, 1);
    put_u(&c, (uint32_t)d->tif, 1), put_u(&c, (uint32_t)d->order_class, 1);
    put_i64(&c, d->qty), put_i64(&c, d->limit), put_i64(&c, d->stop);
    put_i64(&c, d->take_profit), put_i64(&c, d->stop_loss);
    put_str(&c, d->verdict, TB_REC_SHORT);
    put_str(&c, d->gate, TB_REC_NAME);
    put_str(&c, d->why, TB_REC_TEXT);
    put_str(&c, d->client_id, TB_REC_ID);
    put_str(&c, d->status, TB_REC_SHORT);
    put_str(&c, d->reason, TB_REC_TEXT);
    return finish(w, TB_REC_DECISION, &c, e);
}

int tb_rec_put_update(tb_rec_writer *w, const tb_rec_update *u, tb_err *e)
{
    if (reserve(w, HOT_MAX, e) != 0) return -1;
    enc c = begin(w);
    put_i64(&c, u->bar_seq);
    put_str(&c, u->client_id, TB_REC_ID);
    put_str(&c, u->broker_id, TB_REC_ID);
    put_u(&c, (uint32_t)u->status, 1);
    put_str(&c, u->reason, TB_REC_TEXT);
    put_u(&c, u->has_exec ? 1 : 0, 1);
    put_str(&c, u->exec_id, TB_REC_ID);
    put_i64(&c, u->exec_qty), put_i64(&c, u->exec_price), put_i64(&c, u->commission);
    put_i64(&c, u->cum_qty), put_i64(&c, u->avg_price);
    put_i64(&c, u->t_ns), put_i64(&c, u->exec_t_ns);
    return finish(w, TB_REC_UPDATE, &c, e);
}

int tb_rec_put_end(tb_rec_writer *w, const tb_rec_end *x, tb_err *e)
{
    if (reserve(w, HOT_MAX, e) != 0) return -1;
    enc c = begin(w);
    put_i64(&c, x->t_ns);
    put_i64(&c, x->bars), put_i64(&c, x->decisions), put_i64(&c, x->updates);
    return finish(w, TB_REC_END, &c, e);
}
